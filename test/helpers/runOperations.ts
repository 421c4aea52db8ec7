// What the operations.run* tests share: n8n-core's real engine (test/harness) against the AAC
// stand-in (standin/: real oidc-provider, our hand-written fake of AAC's v4 API), the API clock 60
// times faster than real time (timeScale), the node polling every 0.2 to 0.5 s, and the check that
// no error, log line or output in the file carries a refresh token.
import type { IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';
import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { resetRunRequestMemory } from '../../nodes/AlteryxAnalyticsCloud/runs/startRun';
import { CredentialStore, createHarness, type RunResult } from '../harness/n8n';
import { StartNode } from '../harness/testNodes';
import { collectSecrets, expectNoSecrets } from './secrets';
import { startStandIn, type StandIn } from './standin';
import { standInApi, type StandInApi } from './standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
export const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};
const credentialTypes = { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() };

/** Fast polls for tests (the UI asks for at least 1 s; fractions are honoured). */
export const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5 };

export let standIn: StandIn;
export let api: StandInApi;
export const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };

let credentialCounter = 0;

interface NodeSpec {
	parameters: IDataObject;
	continueOnFail?: boolean;
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
}

/** A credential for `target` and a harness; run(items, node) runs Start(items) → AAC. */
export async function setUp(target: StandIn, credentialExtra: IDataObject = {}, mintTtl?: number) {
	const id = `cred-run-${++credentialCounter}`;
	const pair = await target.mint(mintTtl ? { accessTokenTtlSeconds: mintTtl } : {});
	const store = new CredentialStore([
		{
			id,
			name: 'AAC',
			type: CRED,
			data: { ...pair, allowCustomIssuer: true, apiBaseUrl: target.apiBaseUrl, ...credentialExtra },
		},
	]);
	const harness = createHarness({ nodeTypes, credentialTypes, store, saveSemantics: 'n8n2' });
	async function run(items: number, node: NodeSpec, stop?: AbortSignal): Promise<RunResult> {
		const nodes: INode[] = [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items },
			},
			{
				id: 'aac-node-1',
				name: 'AAC',
				type: AAC_NODE,
				typeVersion: 1,
				position: [200, 0],
				parameters: node.parameters as INode['parameters'],
				continueOnFail: node.continueOnFail,
				retryOnFail: node.retryOnFail,
				maxTries: node.maxTries,
				waitBetweenTries: node.waitBetweenTries,
				credentials: { [CRED]: { id, name: 'AAC' } },
			},
		];
		const connections: IConnections = {
			Start: { main: [[{ node: 'AAC', type: 'main', index: 0 }]] },
		};
		const logStart = harness.logs.length;
		const result = await harness.runWorkflow({ nodes, connections }, undefined, { stop });
		seen.logs.push(...harness.logs.slice(logStart));
		seen.outputs.push(result.output('AAC'));
		if (result.nodeError('AAC')) seen.errors.push(result.nodeError('AAC'));
		return result;
	}
	/** Runs a given graph; every AAC node gets this credential. */
	async function runGraph(nodes: INode[], connections: IConnections): Promise<RunResult> {
		const withCredential = nodes.map((node) =>
			node.type === AAC_NODE ? { ...node, credentials: { [CRED]: { id, name: 'AAC' } } } : node,
		);
		const result = await harness.runWorkflow({ nodes: withCredential, connections });
		for (const node of nodes) seen.outputs.push(result.output(node.name));
		return result;
	}
	return { run, runGraph, store, stored: () => store.read(id), pair };
}

export const planRun = (options: IDataObject = {}, extra: IDataObject = {}): NodeSpec => ({
	parameters: {
		resource: 'plan',
		operation: 'run',
		planId: { __rl: true, mode: 'id', value: '1' },
		options: { ...FAST, ...options },
		...extra,
	},
});

/** The one run POST's x-execution-id and how often it was sent. */
export async function postsPerExecutionId(): Promise<number[]> {
	return Object.values((await api.counters()).postsPerExecutionId);
}

/** Starts the stand-in for this file and resets it before each test; stops it and checks everything seen for secrets. */
export function useStandIn(): void {
	beforeAll(async () => {
		standIn = await startStandIn({ api: { timeScale: 60 } });
		api = standInApi(standIn);
	});
	afterAll(async () => {
		if (standIn) expectNoSecrets(await collectSecrets(standIn), seen);
		await standIn?.stop();
	});
	beforeEach(async () => {
		resetRunRequestMemory();
		await api.clock({ freeze: false, timeScale: 60 });
		await api.reset({});
		await api.clearFaults();
		await standIn.resetStats();
	});
}
