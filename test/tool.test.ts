// The node as an AI agent's tool, run the two ways n8n runs a tool node, in n8n-core's real
// engine against the oidc-provider stand-in: what reaches the model holds no token, and a
// refresh the tool caused still saved the rotated pair.
import type { IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { resetRunRequestMemory } from '../nodes/AlteryxAnalyticsCloud/runs/startRun';
import { runsAsTool } from '../nodes/AlteryxAnalyticsCloud/helpers/tool';
import { CredentialStore, createHarness, type RunResult } from './harness/n8n';
import { StartNode } from './harness/testNodes';
import { standInApi, type StandInApi } from './helpers/standinApi';
import { ToolAgentNode } from './harness/toolAgentNode';
import { asToolNodeType } from './harness/toolNodeType';
import { startStandIn, type StandIn } from './helpers/standin';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const AAC_TOOL = `${AAC_NODE}Tool`;
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	'test.toolAgent': new ToolAgentNode(),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
	[AAC_TOOL]: asToolNodeType(new AlteryxAnalyticsCloud()),
};

/** No 12-character piece of a secret may show: enough to rule out a prefix, suffix or overlap. */
const PIECE = 12;

/** Every PIECE-character window of each secret that occurs in `text`. */
function piecesIn(text: string, secrets: string[]): string[] {
	const found: string[] = [];
	for (const secret of secrets) {
		for (let start = 0; start + PIECE <= secret.length; start++) {
			if (text.includes(secret.slice(start, start + PIECE))) {
				found.push(`${secret.length}-char secret at ${start}`);
				break;
			}
		}
	}
	return found;
}

let standIn: StandIn;
beforeAll(async () => {
	standIn = await startStandIn();
});
afterAll(async () => {
	await standIn?.stop();
});
beforeEach(async () => {
	await standIn.resetStats();
});

let credentialCounter = 0;

/** Start → Agent, with one AAC node attached to the agent's ai_tool input; the credential holds `pair`. */
async function runAgent(
	mode: 'supplyData' | 'engineRequest',
	aacNode: { type: string; operation: string; parameters?: IDataObject; node?: Partial<INode> },
	pair: object,
) {
	const id = `tool-cred-${++credentialCounter}`;
	const store = new CredentialStore([
		{
			id,
			name: 'AAC',
			type: CRED,
			data: { allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl, ...pair },
		},
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: 'test.start',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: 1 },
		},
		{
			id: 'agent',
			name: 'Agent',
			type: 'test.toolAgent',
			typeVersion: 1,
			position: [200, 0],
			parameters: { mode },
		},
		{
			id: 'aac',
			name: 'AAC Tool',
			type: aacNode.type,
			typeVersion: 1,
			position: [200, 200],
			parameters: (aacNode.parameters ?? {
				resource: 'accessToken',
				operation: aacNode.operation,
			}) as INode['parameters'],
			credentials: { [CRED]: { id, name: 'AAC' } },
			...aacNode.node,
		},
	];
	const connections: IConnections = {
		Start: { main: [[{ node: 'Agent', type: 'main', index: 0 }]] },
		'AAC Tool': { ai_tool: [[{ node: 'Agent', type: 'ai_tool', index: 0 }]] },
	};
	const result = await harness.runWorkflow({ nodes, connections }, 'Start');
	return { result, stored: () => store.read(id), saves: store.saves, logs: harness.logs };
}

/** Everything of the run a model, its provider or n8n's execution data could see. */
function everythingSeen(result: RunResult, logs: string[]): string {
	return JSON.stringify(result.run.data.resultData) + logs.join('\n');
}

const modes = ['supplyData', 'engineRequest'] as const;

describe.each(modes)('as a tool (%s)', (mode) => {
	test.each(['get', 'refresh'])(
		'%s with an expired access token: the model gets status and expiry, no token; the rotated pair is saved',
		async (operation) => {
			const pair = await standIn.mint({ accessTokenExpired: true });
			const { result, stored, logs } = await runAgent(mode, { type: AAC_TOOL, operation }, pair);

			expect(result.error).toBeUndefined();
			// Not one 12-character piece of any token, old or new, in the answer, the run data or the logs.
			const now = stored();
			const secrets = [
				pair.accessToken,
				pair.refreshToken,
				now.accessToken as string,
				now.refreshToken as string,
			];
			expect(piecesIn(everythingSeen(result, logs), secrets)).toEqual([]);

			const [agentOut] = result.output('Agent');
			const answer = (
				mode === 'supplyData' ? JSON.parse(agentOut.toolMessage as string) : agentOut.toolResult
			) as IDataObject[];
			expect(answer).toEqual([
				{
					status: 'valid',
					refreshed: true,
					expiresAt: expect.any(String),
					expiresIn: expect.any(Number),
					tokenType: 'Bearer',
					apiBaseUrl: standIn.origin,
					note: expect.stringContaining('never given to AI tools'),
				},
			]);
			expect(answer[0].expiresIn).toBeGreaterThan(200);

			// The refresh happened once and its pair is stored: the tool saved like the node does.
			const stats = await standIn.stats();
			expect(stats).toMatchObject({
				refreshGrantsOk: 1,
				invalidGrants: 0,
				reuseDetections: 0,
				maxUsesOfOneRefreshToken: 1,
			});
			expect(now.refreshToken).not.toBe(pair.refreshToken);
			expect(now.accessToken).not.toBe(pair.accessToken);
			expect(await standIn.familyAlive(now.refreshToken as string)).toBe(true);
		},
	);

	test('get with a revoked token family: the model gets the error, no piece of a token, nothing saved', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		expect(await standIn.revokeFamily(pair.refreshToken)).toBe(true);
		const { result, stored, logs } = await runAgent(
			mode,
			{ type: AAC_TOOL, operation: 'get' },
			pair,
		);

		const [agentOut] = result.output('Agent');
		const message =
			mode === 'supplyData'
				? (agentOut.toolError as string)
				: ((agentOut.toolResult as IDataObject[])[0].error as string);
		// n8n-core adds the description ("Details: …", the remedy) in the supplyData way only.
		expect(message).toEqual(
			expect.stringContaining('Alteryx Analytics Cloud rejected the refresh token'),
		);
		if (mode === 'supplyData')
			expect(message).toEqual(expect.stringContaining('User Preferences → OAuth 2.0 API Tokens'));
		expect((await standIn.stats()).invalidGrants).toBe(1);
		expect(stored().refreshToken).toBe(pair.refreshToken);
		expect(piecesIn(everythingSeen(result, logs), [pair.accessToken, pair.refreshToken])).toEqual(
			[],
		);
	});

	test('inspect: passes unchanged (it never holds a token), no request', async () => {
		const pair = await standIn.mint();
		const { result, logs } = await runAgent(mode, { type: AAC_TOOL, operation: 'inspect' }, pair);

		expect(result.error).toBeUndefined();
		const [agentOut] = result.output('Agent');
		const answer = (
			mode === 'supplyData' ? JSON.parse(agentOut.toolMessage as string) : agentOut.toolResult
		) as IDataObject[];
		expect(answer).toEqual([
			expect.objectContaining({
				clientId: standIn.clientId,
				accessTokenExpired: false,
				tokenEndpoint: standIn.tokenEndpoint,
			}),
		]);
		expect((await standIn.stats()).tokenRequests).toBe(0);
		expect(piecesIn(everythingSeen(result, logs), [pair.accessToken, pair.refreshToken])).toEqual(
			[],
		);
	});
});

test('supplyData: n8n-core names the tool after the node and describes it by the operation', async () => {
	const pair = await standIn.mint();
	const { result } = await runAgent('supplyData', { type: AAC_TOOL, operation: 'get' }, pair);
	const [agentOut] = result.output('Agent');
	expect(agentOut).toMatchObject({
		toolName: 'AAC_Tool',
		toolDescription: expect.stringMatching(/ in Alteryx Analytics Cloud$/),
	});
});

test('control: the same workflow with the plain node type (not a tool) hands the token on, and the check finds it', async () => {
	// The plain node under an agent is not what n8n does (it only attaches tool types), but it
	// proves that the piece search above would see a token that got through.
	const pair = await standIn.mint();
	const { result, logs } = await runAgent(
		'engineRequest',
		{ type: AAC_NODE, operation: 'get' },
		pair,
	);
	expect(result.error).toBeUndefined();
	expect(piecesIn(everythingSeen(result, logs), [pair.accessToken])).toHaveLength(1);
});

test("n8n 2.41's Instance AI running the plain node (ExecuteNodeService's throw-away workflow): Get's output holds no token, the pair is saved", async () => {
	const pair = await standIn.mint({ accessTokenExpired: true });
	const id = `tool-cred-${++credentialCounter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...pair } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});
	// What ExecuteNodeService builds: one node named 'Node', the workflow named after its type.
	const node: INode = {
		id: 'node',
		name: 'Node',
		type: AAC_NODE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { resource: 'accessToken', operation: 'get' },
		credentials: { [CRED]: { id, name: 'AAC' } },
	};
	const result = await harness.runWorkflow(
		{ name: `Execute node ${AAC_NODE}`, nodes: [node], connections: {} },
		'Node',
	);

	expect(result.error).toBeUndefined();
	const now = store.read(id);
	expect(
		piecesIn(everythingSeen(result, harness.logs), [
			pair.accessToken,
			pair.refreshToken,
			now.accessToken as string,
			now.refreshToken as string,
		]),
	).toEqual([]);
	expect(result.output('Node')).toEqual([
		expect.objectContaining({ status: 'valid', refreshed: true }),
	]);
	expect(now.refreshToken).not.toBe(pair.refreshToken);
	expect(await standIn.familyAlive(now.refreshToken as string)).toBe(true);
});

test('runsAsTool reads the node type name, as n8n names tool variants in both versions', () => {
	const node = (type: string): INode => ({
		id: 'x',
		name: 'x',
		type,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	});
	expect(runsAsTool(node(AAC_TOOL))).toBe(true);
	expect(runsAsTool(node('CUSTOM.alteryxAnalyticsCloudTool'))).toBe(true);
	expect(runsAsTool(node(AAC_NODE))).toBe(false);
	expect(runsAsTool(node('CUSTOM.alteryxAnalyticsCloud'))).toBe(false);
});

describe.each(modes)('a run started by the tool (%s) is never started twice by a retry', (mode) => {
	let api: StandInApi;
	beforeAll(() => {
		api = standInApi(standIn);
	});
	beforeEach(async () => {
		resetRunRequestMemory();
		await api.reset({});
		await api.clearFaults();
		await api.clock({ freeze: false, timeScale: 60 });
	});
	const planRunTool = () => ({
		type: AAC_TOOL,
		operation: 'run',
		parameters: {
			resource: 'plan',
			operation: 'run',
			planId: { __rl: true, mode: 'id', value: '1' },
			options: { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5 },
		},
		node: { retryOnFail: true, maxTries: 3, waitBetweenTries: 0 },
	});

	test('Retry On Fail after a lost answer (502 after AAC started the run): every attempt carries the same x-execution-id, one run in AAC', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 200,
			runningMs: 2000,
			outcome: 'Complete',
		});
		await api.addFault({ endpoint: 'runPlan', phase: 'after', status: 502 });
		await runAgent(mode, planRunTool(), await standIn.mint());
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
		const posts = Object.values(counters.postsPerExecutionId);
		expect(posts).toHaveLength(1); // one x-execution-id for every attempt
		expect(posts[0]).toBeGreaterThanOrEqual(2);
		expect(counters.notModified).toBe(posts[0] - 1);
	});

	test('a run that ended Failed is not started again by the retry: the retries get 304', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 200,
			runningMs: 1000,
			outcome: 'Failed',
		});
		const { result } = await runAgent(mode, planRunTool(), await standIn.mint());
		const [agentOut] = result.output('Agent');
		expect(JSON.stringify(agentOut)).toMatch(/ended Failed/);
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
		const posts = Object.values(counters.postsPerExecutionId);
		expect(posts).toHaveLength(1);
		expect(counters.notModified).toBe(posts[0] - 1);
	});
});
