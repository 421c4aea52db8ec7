// What the credential.{refresh,tokenEndpointFaults} tests share (they were workflow.test.ts): the
// package inside n8n-core's real workflow engine, against the real oidc-provider stand-in and the
// hand-written fake token endpoint, with a credentials helper that saves like n8n 1.x and like
// n8n 2.x; and the check that no error, log line or output in the file carries a refresh token.
import type { IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';
import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { CredentialStore, createHarness, type RunResult, type SaveSemantics } from '../harness/n8n';
import { HeaderRequestNode } from '../harness/headerRequestNode';
import { StartNode, makeApiCallerNode } from '../harness/testNodes';
import { startFaultyTokenEndpoint, type FaultyTokenEndpoint } from '../fakes/faultyTokenEndpoint';
import { collectSecrets, expectNoSecrets } from './secrets';
import { startStandIn, type StandIn } from './standin';

export const CRED = 'alteryxAnalyticsCloudOAuth2Api';
export const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const credentialType = new AlteryxAnalyticsCloudOAuth2Api();
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	'test.apiCaller': makeApiCallerNode(CRED),
	'test.headerRequest': HeaderRequestNode,
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};

export let standIn: StandIn;
export let fake: FaultyTokenEndpoint;
const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };

let credentialCounter = 0;

/** Refresh tokens the tests make up for the fake server; distinct, since the process remembers rotations. */
const madeUpRefreshTokens: string[] = [];
export function madeUpRefreshToken(): string {
	madeUpRefreshTokens.push(`fake-refresh-original-${madeUpRefreshTokens.length + 1}`);
	return madeUpRefreshTokens[madeUpRefreshTokens.length - 1];
}

/** A credential holding `data`, a harness saving like `semantics`, and helpers to run workflows. */
export function setUp(semantics: SaveSemantics, data: object) {
	const id = `cred-${++credentialCounter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...data } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: credentialType },
		store,
		saveSemantics: semantics,
	});

	/** Runs Start(items) → each given node in a chain; records everything for the secrets check. */
	async function run(
		items: number,
		...nodes: Array<{
			name: string;
			type: string;
			parameters?: IDataObject;
			continueOnFail?: boolean;
		}>
	): Promise<RunResult> {
		const all: INode[] = [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items },
			},
			...nodes.map((node, index) => ({
				id: `n${index}`,
				name: node.name,
				type: node.type,
				typeVersion: 1,
				position: [200 * (index + 1), 0] as [number, number],
				parameters: (node.parameters ?? {}) as INode['parameters'],
				continueOnFail: node.continueOnFail,
				credentials: { [CRED]: { id, name: 'AAC' } },
			})),
		];
		const connections: IConnections = {};
		all.slice(0, -1).forEach((node, index) => {
			connections[node.name] = { main: [[{ node: all[index + 1].name, type: 'main', index: 0 }]] };
		});
		const logStart = harness.logs.length;
		const result = await harness.runWorkflow({ nodes: all, connections });
		seen.logs.push(...harness.logs.slice(logStart));
		for (const node of all) {
			seen.outputs.push(result.output(node.name));
			if (result.nodeError(node.name)) seen.errors.push(result.nodeError(node.name));
		}
		if (result.error) seen.errors.push(result.error);
		return result;
	}
	return { id, store, harness, run, stored: () => store.read(id) };
}

export const get = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'get' },
};
export const refresh = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'refresh' },
};
export const inspect = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'inspect' },
};
export const apiCall = (helper: 'legacy' | 'http' = 'legacy') => ({
	name: 'HTTP Request',
	type: 'test.apiCaller',
	parameters: { url: `${standIn.apiBaseUrl}/v4/people/current`, helper },
});
export const headerCall = () => ({
	name: 'Header Request',
	type: 'test.headerRequest',
	parameters: {
		url: `={{ $json.apiBaseUrl }}/v4/people/current`,
		authorization: '={{ $json.authorization }}',
	},
});

/** Starts the stand-in and the fake token endpoint for this file; stops them and checks everything seen for secrets. */
export function useTokenServers(): void {
	beforeAll(async () => {
		[standIn, fake] = await Promise.all([startStandIn(), startFaultyTokenEndpoint()]);
	});
	afterAll(async () => {
		// Across this file: no error, log line or output carries a refresh token.
		expectNoSecrets(await collectSecrets(standIn, fake, madeUpRefreshTokens), seen);
		await Promise.all([standIn?.stop(), fake?.close()]);
	});
	beforeEach(async () => {
		await standIn.resetStats();
	});
}
