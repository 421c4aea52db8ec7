// What the operations.read, operations.paging and operations.readItems tests share: the AAC node's
// read operations in n8n-core's real engine against the AAC stand-in (standin/: real oidc-provider
// OAuth, our own hand-written fake of AAC's v4 API), a credential per test, and one run per call.
import type {
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
} from 'n8n-workflow';
import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { sharedCoordinator } from '../../nodes/AlteryxAnalyticsCloud/core';
import { CredentialStore, createHarness, type RunResult } from '../harness/n8n';
import { StartNode } from '../harness/testNodes';
import { startStandIn, type StandIn, type TokenPair } from './standin';
import { standInApi, type StandInApi } from './standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};
export const REQUEST_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Access-token lifetime on the API clock (the stand-in judges API expiry there in this file). */
export const TOKEN_TTL_SECONDS = 300;

export let standIn: StandIn;
export let api: StandInApi;

/**
 * How many items one page holds when `asked` are asked for: the world's cap (strict: 25, AAC's
 * default, as the harshest reading of an undocumented maximum) or what was asked.
 */
export async function served(asked: number): Promise<number> {
	const cap = (await api.settings()).pageCap;
	return typeof cap === 'number' ? Math.min(asked, cap) : asked;
}

let credentialCounter = 0;

export interface NodeRun {
	result: RunResult;
	/** The AAC node's output items (json, pairedItem). */
	items: INodeExecutionData[];
	json: IDataObject[];
	stored: () => Record<string, unknown>;
	store: CredentialStore;
	pair: TokenPair;
}

export function workflow(
	parameters: IDataObject,
	options: { items?: number; continueOnFail?: boolean; credentialId: string },
) {
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: 'test.start',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: options.items ?? 1 },
		},
		{
			id: 'aac',
			name: 'AAC',
			type: AAC_NODE,
			typeVersion: 1,
			position: [200, 0],
			parameters: parameters as INodeParameters,
			credentials: { [CRED]: { id: options.credentialId, name: 'AAC' } },
			continueOnFail: options.continueOnFail,
		},
	];
	const connections: IConnections = {
		Start: { main: [[{ node: 'AAC', type: 'main', index: 0 }]] },
	};
	return { nodes, connections };
}

export async function newCredential(extra: IDataObject = {}) {
	const pair = await standIn.mint();
	const id = `ops-cred-${++credentialCounter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...pair, ...extra } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});
	return { pair, id, store, harness };
}

export async function runNode(
	parameters: IDataObject,
	options: {
		items?: number;
		continueOnFail?: boolean;
		credential?: IDataObject;
		whileRunning?: () => Promise<void>;
	} = {},
): Promise<NodeRun> {
	const { pair, id, store, harness } = await newCredential(options.credential);
	const running = harness.runWorkflow(
		workflow(parameters, { ...options, credentialId: id }),
		'Start',
	);
	if (options.whileRunning) await options.whileRunning();
	const result = await running;
	const items = result.run.data.resultData.runData.AAC?.at(-1)?.data?.main?.[0] ?? [];
	return {
		result,
		items,
		json: items.map((item) => item.json),
		stored: () => store.read(id),
		store,
		pair,
	};
}

export const byId = (mode: 'id' | 'list', value: string | number) => ({
	__rl: true,
	mode,
	value: String(value),
});

/** No 12-character piece of a token in text. */
export function leaksToken(text: string, tokens: string[]): boolean {
	return tokens.some((token) => {
		for (let start = 0; start + 12 <= token.length; start++)
			if (text.includes(token.slice(start, start + 12))) return true;
		return false;
	});
}

/** Starts the stand-in for this file and resets it before each test; stops it afterwards. */
export function useStandIn(): void {
	beforeAll(async () => {
		standIn = await startStandIn({
			accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
			tokenExpiryOnApiClock: true,
			api: { freezeClock: true },
		});
		api = standInApi(standIn);
	});
	afterAll(async () => {
		await standIn?.stop();
	});
	beforeEach(async () => {
		await api.reset({});
		await api.configure({ maxPageSize: 'world', defaultPageSize: 25 });
		await standIn.resetStats();
		sharedCoordinator.clear();
	});
}
