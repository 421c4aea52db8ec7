// Run and wait: Plan → Run, Plan Run → Wait / Cancel, Job → Run / Wait / Cancel, Flow → Run, in
// n8n-core's real engine (test/harness) against the AAC stand-in (standin/: real oidc-provider,
// our hand-written fake of AAC's v4 API). The API clock runs 60 times faster than real time
// (timeScale), so a 60 s run takes one real second; the node polls every 0.2 to 0.5 s.
import {
	sleep,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeType,
} from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { resetRunRequestMemory } from '../nodes/AlteryxAnalyticsCloud/runs/startRun';
import { CredentialStore, createHarness, type RunResult } from './harness/n8n';
import { StartNode } from './harness/testNodes';
import { collectSecrets, expectNoSecrets } from './helpers/secrets';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};
const credentialTypes = { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() };

/** Fast polls for tests (the UI asks for at least 1 s; fractions are honoured). */
const FAST = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5 };

let standIn: StandIn;
let api: StandInApi;
const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };

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

let credentialCounter = 0;

interface NodeSpec {
	parameters: IDataObject;
	continueOnFail?: boolean;
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
}

/** A credential for `target` and a harness; run(items, node) runs Start(items) → AAC. */
async function setUp(target: StandIn, credentialExtra: IDataObject = {}, mintTtl?: number) {
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

const planRun = (options: IDataObject = {}, extra: IDataObject = {}): NodeSpec => ({
	parameters: {
		resource: 'plan',
		operation: 'run',
		planId: { __rl: true, mode: 'id', value: '1' },
		options: { ...FAST, ...options },
		...extra,
	},
});

/** The one run POST's x-execution-id and how often it was sent. */
async function postsPerExecutionId(): Promise<number[]> {
	return Object.values((await api.counters()).postsPerExecutionId);
}

describe('Plan → Run and wait', () => {
	test('Complete: one run started, waited for, output with id, status, times and duration', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 1000,
			runningMs: 60000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, planRun());
		expect(result.error).toBeUndefined();
		const [out] = result.output('AAC');
		expect(out).toMatchObject({
			planRunId: expect.any(String),
			status: 'Complete',
			planId: '1',
			alreadyStarted: false,
		});
		expect(out.executionId).toMatch(/^n8n:/);
		// 60 s of API time running (the run's own times, not the poll's).
		expect(out.durationSeconds).toBeGreaterThanOrEqual(59);
		expect(out.durationSeconds).toBeLessThan(75);
		expect(out.polls).toBeGreaterThanOrEqual(2);
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
		expect(await postsPerExecutionId()).toEqual([1]);
		expect(counters.cancels.planRun).toBe(0);
	});

	test('without waiting: the id and the first status at once', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 60000,
			runningMs: 60000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const started = Date.now();
		const [out] = (await run(1, planRun({}, { waitForCompletion: false }))).output('AAC');
		expect(Date.now() - started).toBeLessThan(900); // no poll sleep happened
		expect(out).toMatchObject({
			planRunId: expect.any(String),
			status: 'Created',
			finishedAt: null,
			alreadyStarted: false,
		});
		expect((await api.counters()).requests.getPlanSnapshotRun).toBe(1);
	});

	test.each(['Failed', 'Canceled'] as const)(
		'%s: a node error with the run id; Output Failed Runs turns it into an item',
		async (outcome) => {
			await api.setFixture({ kind: 'plan', id: 1, queuedMs: 500, runningMs: 20000, outcome });
			const { run } = await setUp(standIn);
			const failed = await run(1, planRun());
			const error = failed.nodeError('AAC') as Error & { description?: string };
			expect(error.message).toMatch(new RegExp(`^Plan run \\d+ ended ${outcome}`));
			expect(error.description).toContain('Output Failed Runs');
			expect(failed.output('AAC')).toEqual([]);

			const output = await run(1, planRun({ outputFailedRuns: true }));
			expect(output.error).toBeUndefined();
			expect(output.output('AAC')).toEqual([
				expect.objectContaining({ status: outcome, planRunId: expect.any(String) }),
			]);
			expect((await api.counters()).runsStarted.plan).toEqual({ 1: 2 });
		},
	);

	test("Continue On Fail: each Failed run becomes its own item's error item", async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 500,
			runningMs: 5000,
			outcome: 'Failed',
		});
		const { run } = await setUp(standIn);
		const result = await run(2, { ...planRun(), continueOnFail: true });
		expect(result.error).toBeUndefined();
		const out = result.output('AAC');
		expect(out).toHaveLength(2);
		for (const item of out) expect(String(item.error)).toMatch(/^Plan run \d+ ended Failed/);
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 2 });
	});
});

describe('timeouts and stopping', () => {
	test('timeout: an error naming the run and its last status; the run goes on in AAC', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const started = Date.now();
		const result = await run(1, planRun({ maxWaitMinutes: 0.02 }));
		const elapsed = Date.now() - started;
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toMatch(
			/^Gave up waiting for plan run (\d+) after 0\.02 minutes \(last status InProgress\)$/,
		);
		expect(error.description).toContain('still running in AAC');
		expect(error.description).toMatch(/Plan Run → Wait with ID \d+/);
		expect(elapsed).toBeGreaterThanOrEqual(1200);
		expect(elapsed).toBeLessThan(4000);
		const { planRuns } = await api.runs();
		expect(planRuns.map((r) => r.status)).toEqual(['InProgress']);
		expect((await api.counters()).cancels.planRun).toBe(0);
	});

	test('timeout with Cancel Run on Timeout: the run is cancelled in AAC, once', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, planRun({ maxWaitMinutes: 0.02, cancelOnTimeout: true }));
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toMatch(/^Gave up waiting for plan run \d+/);
		expect(error.description).toContain('cancelled in AAC');
		expect((await api.counters()).cancels.planRun).toBe(1);
		expect((await api.runs()).planRuns.map((r) => r.status)).toEqual(['Canceled']);
	});

	test('stopping the execution during the wait stops it at once (cancel signal), not at the next poll', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const stop = new AbortController();
		// A 20 s first poll: only an interrupted sleep ends this quickly.
		const running = run(
			1,
			planRun({ pollIntervalSeconds: 20, maxPollIntervalSeconds: 20 }),
			stop.signal,
		);
		// Stop once the run exists in AAC (the node is sleeping by then).
		for (let i = 0; i < 100 && (await api.runs()).planRuns.length === 0; i++) await sleep(50);
		await sleep(300);
		const stoppedAt = Date.now();
		stop.abort();
		const result = await running;
		expect(Date.now() - stoppedAt).toBeLessThan(1500);
		expect(result.run.status).toBe('canceled');
		const counters = await api.counters();
		expect(counters.requests.getPlanSnapshotRun ?? 0).toBe(0); // it never polled
		expect(counters.cancels.planRun).toBe(0); // stopping n8n does not cancel the run
		expect((await api.runs()).planRuns.map((r) => r.status)).toEqual(['InProgress']);
	});
});

describe('a run is never started twice', () => {
	test.each([
		{ fault: { status: 502 }, what: 'was answered 502' },
		{ fault: { reset: true }, what: 'lost its connection (reset)' },
	])(
		'a run POST that $what after AAC started it: not repeated; the error says it may have started and how to check',
		async ({ fault, what }) => {
			await api.addFault({ endpoint: 'runPlan', phase: 'after', ...fault });
			const { run } = await setUp(standIn);
			const result = await run(1, planRun());
			const counters = await api.counters();
			expect(counters.runsStarted.plan).toEqual({ 1: 1 });
			expect(await postsPerExecutionId()).toEqual([1]);
			const error = result.nodeError('AAC') as Error & { description?: string };
			expect(error.message).toContain('may have started');
			expect(error.message).toContain(what);
			expect(error.description).toMatch(/x-execution-id n8n:\S+/);
		},
	);

	test('Retry On Fail after an ambiguous POST: still one run in AAC; the retry gets 304 and says so, with no run id guessed', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 500,
			runningMs: 20000,
			outcome: 'Complete',
		});
		await api.addFault({ endpoint: 'runPlan', phase: 'after', status: 502 });
		const { run } = await setUp(standIn);
		const result = await run(1, {
			...planRun(),
			retryOnFail: true,
			maxTries: 2,
			waitBetweenTries: 0,
		});
		// A run of another delivery could be in any list: the node claims no run AAC did not name.
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toMatch(
			/AAC refused to start plan 1 again: it answered 304 to x-execution-id n8n:.*nothing new was started/,
		);
		expect(error.description).toMatch(/Find the run in AAC: Plans → the plan → Runs/);
		expect(error.description).toMatch(/this item was first tried at \d{4}-/);
		expect(JSON.stringify(result.output('AAC') ?? [])).not.toMatch(/planRunId/);
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
		expect(await postsPerExecutionId()).toEqual([2]); // the same x-execution-id twice
		expect(counters.notModified).toBe(1);
		expect(counters.requests.listPlanSnapshotRuns ?? 0).toBe(0); // no guessing from a list
	});

	test('a 2xx run answer without the run id: the error says the run most likely started, where to look, and that a retry starts nothing new (not "AAC did not start")', async () => {
		await api.addFault({
			endpoint: 'runPlan',
			phase: 'after',
			status: 201,
			rawBody: '{"validationStatus":"Valid"}',
			contentType: 'application/json',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, planRun());
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toBe(
			'AAC accepted the run request, but its answer had no plan run ID: the run has most likely started',
		);
		expect(error.message).not.toMatch(/did not start/);
		expect(error.description).toMatch(/did not send the request again. Find the run in AAC: Plans/);
		expect(error.description).toMatch(/x-execution-id n8n:/);
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 1 });
	});

	test('Retry On Fail after the run Failed: the retry waits for the same run (304), it starts no second one', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 200,
			runningMs: 3000,
			outcome: 'Failed',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, {
			...planRun(),
			retryOnFail: true,
			maxTries: 2,
			waitBetweenTries: 0,
		});
		expect((result.nodeError('AAC') as Error).message).toMatch(/ended Failed/);
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
		expect(counters.notModified).toBe(1);
	});

	test('a node that runs twice in one execution (two inputs, as in a loop) starts two runs: the run index is in x-execution-id', async () => {
		const { runGraph } = await setUp(standIn);
		const aac = (id: string, name: string, parameters: IDataObject): INode => ({
			id,
			name,
			type: AAC_NODE,
			typeVersion: 1,
			position: [0, 0],
			parameters: parameters as INode['parameters'],
		});
		const current = { resource: 'user', operation: 'getCurrent' };
		const nodes: INode[] = [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: 1 },
			},
			aac('u1', 'Who 1', current),
			aac('u2', 'Who 2', current),
			aac('run', 'Run', planRun({}, { waitForCompletion: false }).parameters),
		];
		const connections: IConnections = {
			Start: {
				main: [
					[
						{ node: 'Who 1', type: 'main', index: 0 },
						{ node: 'Who 2', type: 'main', index: 0 },
					],
				],
			},
			'Who 1': { main: [[{ node: 'Run', type: 'main', index: 0 }]] },
			'Who 2': { main: [[{ node: 'Run', type: 'main', index: 0 }]] },
		};
		const result = await runGraph(nodes, connections);
		expect(result.error).toBeUndefined();
		expect(result.run.data.resultData.runData.Run).toHaveLength(2);
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 2 });
		expect(counters.notModified).toBe(0);
		const ids = Object.keys(counters.postsPerExecutionId);
		expect(ids).toHaveLength(2);
		expect(ids.map((id) => id.split(':').at(-2)).sort()).toEqual(['0', '1']);
	});

	test('100 items that each run a plan: every run started once, no 429', async () => {
		// AAC's 30 per user per minute, on an API clock 100 times faster: 2,000 a real minute is
		// 20 per API minute, the same spacing as 20 a minute against AAC.
		await api.clock({ timeScale: 100 });
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 1000,
			runningMs: 1000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(100, planRun({ runsPerMinute: 2000 }, { waitForCompletion: false }));
		expect(result.error).toBeUndefined();
		const out = result.output('AAC');
		expect(out).toHaveLength(100);
		expect(new Set(out.map((o) => o.planRunId)).size).toBe(100);
		expect(out.every((o) => o.alreadyStarted === false)).toBe(true);
		const counters = await api.counters();
		expect(counters.runsStarted.plan).toEqual({ 1: 100 });
		expect(counters.tooManyRequests).toBe(0);
		const posts = await postsPerExecutionId();
		expect(posts).toHaveLength(100);
		expect(posts.every((n) => n === 1)).toBe(true);
	});
});

describe('polling under pressure', () => {
	test('a 429 storm during polling: x-retry-after honoured, the wait goes on, bounded', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 30000,
			outcome: 'Complete',
		});
		await api.addFault({
			endpoint: 'getPlanSnapshotRun',
			status: 429,
			retryAfterSeconds: 1,
			times: 5,
		});
		const { run } = await setUp(standIn);
		const started = Date.now();
		const result = await run(1, planRun());
		expect(result.error).toBeUndefined();
		expect(result.output('AAC')[0]).toMatchObject({ status: 'Complete' });
		const counters = await api.counters();
		expect(counters.faultsServed).toBe(5);
		// Five 1 s waits were honoured (the transport's retries, then the wait's next poll).
		expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
		expect(counters.requests.getPlanSnapshotRun).toBeLessThan(20);
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
	});

	test('an HTML page as 200 to three status polls (a proxy sign-in page mid-wait): the wait goes on and ends Complete, the run started once', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 1500,
			outcome: 'Complete',
		});
		await api.addFault({
			endpoint: 'getPlanSnapshotRun',
			status: 200,
			rawBody: '<html><body>Sign in</body></html>',
			contentType: 'text/html; charset=utf-8',
			times: 3,
		});
		const { run } = await setUp(standIn);
		const result = await run(1, planRun());
		expect(result.error).toBeUndefined();
		expect(result.output('AAC')[0]).toMatchObject({ status: 'Complete' });
		const counters = await api.counters();
		expect(counters.faultsServed).toBe(3);
		expect(counters.requests.getPlanSnapshotRun).toBeGreaterThan(3);
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
	});
});

describe('Plan Run → Wait and Cancel', () => {
	test('Run without waiting, then Wait (the pattern for long runs), then Cancel of a finished run changes nothing', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 500,
			runningMs: 30000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const [started] = (await run(1, planRun({}, { waitForCompletion: false }))).output('AAC');
		const [waited] = (
			await run(1, {
				parameters: {
					resource: 'planRun',
					operation: 'wait',
					planRunId: started.planRunId,
					options: FAST,
				},
			})
		).output('AAC');
		expect(waited).toMatchObject({ planRunId: started.planRunId, status: 'Complete' });
		const [canceled] = (
			await run(1, {
				parameters: { resource: 'planRun', operation: 'cancel', planRunId: started.planRunId },
			})
		).output('AAC');
		expect(canceled).toMatchObject({ planRunId: started.planRunId, status: 'Complete' });
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 1 });
	});

	test('Cancel of a running plan run: Canceled in AAC', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const [started] = (await run(1, planRun({}, { waitForCompletion: false }))).output('AAC');
		const [canceled] = (
			await run(1, {
				parameters: { resource: 'planRun', operation: 'cancel', planRunId: started.planRunId },
			})
		).output('AAC');
		expect(canceled).toMatchObject({ planRunId: started.planRunId, status: 'Canceled' });
		expect((await api.counters()).cancels.planRun).toBe(1);
	});
});

describe('Job → Run / Wait / Cancel and Flow → Run', () => {
	const recipe = (id: string) => ({ __rl: true, mode: 'id', value: id });

	test('Job → Run and wait: Complete with its jobs and outputs; run parameters and execution options sent', async () => {
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 500,
			runningMs: 30000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'job',
				operation: 'run',
				recipeId: recipe('1'),
				runParameters: { parameter: [{ key: 'region', value: 'eu' }] },
				options: { ...FAST, execution: 'photon', profiler: true },
			},
		});
		expect(result.error).toBeUndefined();
		const [out] = result.output('AAC');
		expect(out).toMatchObject({
			jobId: expect.any(String),
			status: 'Complete',
			recipeId: '1',
			alreadyStarted: false,
		});
		expect((out.outputs as IDataObject).files).toEqual(
			expect.arrayContaining([expect.objectContaining({ uri: expect.any(String) })]),
		);
		expect(out.jobs).toEqual(
			expect.arrayContaining([expect.objectContaining({ status: 'Complete' })]),
		);
		const [jobGroup] = (await api.runs()).jobGroups;
		expect(jobGroup.request).toMatchObject({
			wrangledDataset: { id: 1 },
			overrides: { execution: 'photon', profiler: true },
			runParameters: { overrides: { data: [{ key: 'region', value: 'eu' }] } },
		});
		expect((await api.counters()).runsStarted.recipe).toEqual({ 1: 1 });
	});

	test("Job → Run that fails: the error carries AAC's reason (the failed job's message)", async () => {
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 200,
			runningMs: 5000,
			outcome: 'Failed',
			failureReason: 'Column "amount" not found',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: { resource: 'job', operation: 'run', recipeId: recipe('1'), options: FAST },
		});
		expect((result.nodeError('AAC') as Error).message).toMatch(
			/^Job \d+ ended Failed: .*Column "amount" not found/,
		);
	});

	test('Job → Wait and Job → Cancel', async () => {
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const [started] = (
			await run(1, {
				parameters: {
					resource: 'job',
					operation: 'run',
					recipeId: recipe('1'),
					waitForCompletion: false,
				},
			})
		).output('AAC');
		expect(started.status).toBe('InProgress');
		const [canceled] = (
			await run(1, { parameters: { resource: 'job', operation: 'cancel', jobId: started.jobId } })
		).output('AAC');
		expect(canceled).toMatchObject({ jobId: started.jobId, status: 'Canceled' });
		expect((canceled.canceledJobIds as string[]).length).toBeGreaterThan(0);
		const waited = await run(1, {
			parameters: {
				resource: 'job',
				operation: 'wait',
				jobId: started.jobId,
				options: { ...FAST, outputFailedRuns: true },
			},
		});
		expect(waited.output('AAC')[0]).toMatchObject({ jobId: started.jobId, status: 'Canceled' });
		expect((await api.counters()).cancels.jobGroup).toBe(1);
	});

	test('Flow → Run and wait: the flow run and its jobs; run parameters sent', async () => {
		await api.setFixture({
			kind: 'flow',
			id: 1,
			queuedMs: 500,
			runningMs: 30000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'flow',
				operation: 'run',
				flowId: recipe('1'),
				runParameters: { parameter: [{ key: 'date', value: '2026-12-01' }] },
				options: FAST,
			},
		});
		expect(result.error).toBeUndefined();
		const [out] = result.output('AAC');
		expect(out).toMatchObject({
			flowRunId: expect.any(String),
			status: 'Complete',
			flowId: '1',
			alreadyStarted: false,
		});
		expect(out.jobs).toHaveLength(2);
		expect((out.jobs as IDataObject[]).every((j) => j.status === 'Complete')).toBe(true);
		const [flowRun] = (await api.runs()).flowRuns;
		expect(flowRun.request).toMatchObject({
			runParameters: { overrides: { data: [{ key: 'date', value: '2026-12-01' }] } },
		});
		expect((await api.counters()).runsStarted.flow).toEqual({ 1: 1 });
	});
});

describe("AAC's documented contract", () => {
	const byId = (id: string) => ({ __rl: true, mode: 'id', value: id });
	test('a plan with missing flow references: AAC answers 201 with a plan run id that never runs; the node fails at once, saying the plan did not start (no wait, no second POST)', async () => {
		await api.setFixture({ kind: 'plan', id: 1, validationStatus: 'MissingFlowReferences' });
		const { run } = await setUp(standIn);
		const started = Date.now();
		const result = await run(1, planRun({ maxWaitMinutes: 10 }));
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toBe('AAC did not start plan 1: validationStatus MissingFlowReferences');
		expect(error.description).toMatch(/flows or outputs that the plan's tasks refer to/);
		expect(error.description).toMatch(/The plan run ID AAC answered with \(1\) will not run/);
		expect(Date.now() - started).toBeLessThan(3000);
		const counters = await api.counters();
		expect(counters.requests.runPlan).toBe(1);
		expect(counters.requests.getPlanSnapshotRun ?? 0).toBe(0);
	});

	test("plan node overrides: a JSON object typed as the value goes as that object; a plain string as a string (refused by the strict world with AAC's message)", async () => {
		const overrides = (value: string) => ({
			planNodeOverrides: { override: [{ handle: 'h1', overrideKey: 'date', value }] },
			waitForCompletion: false,
		});
		const { run } = await setUp(standIn);
		const asObject = await run(1, planRun({}, overrides('{"variable": {"value": "2026-12-01"}}')));
		expect(asObject.error).toBeUndefined();
		const [sent] = (await api.runs()).planRuns;
		expect(sent.planNodeOverrides).toEqual([
			{ handle: 'h1', overrideKey: 'date', value: { variable: { value: '2026-12-01' } } },
		]);
		const asText = await run(1, planRun({}, overrides('2026-12-01')));
		if ((await api.settings()).world === 'strict')
			expect((asText.nodeError('AAC') as Error).message).toMatch(
				/AAC answered 400 to POST \/v4\/plans\/1\/run \(ValidationFailed/,
			);
		else expect(asText.error).toBeUndefined();
	});

	test("25 Flow → Run items: 25 runs, none fails, paced within runFlow's quota of 20 a minute", async () => {
		// The API clock runs 60 times faster: the quota's minute is one real second.
		await api.setFixture({
			kind: 'flow',
			id: 1,
			queuedMs: 100,
			runningMs: 100,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(25, {
			parameters: {
				resource: 'flow',
				operation: 'run',
				flowId: byId('1'),
				waitForCompletion: false,
				// 17 a minute, as the default, in API minutes: 60 x 17 a real minute.
				options: { runsPerMinute: 17 * 60 },
			},
		});
		expect(result.error).toBeUndefined();
		expect(result.output('AAC')).toHaveLength(25);
		const counters = await api.counters();
		expect(counters.runsStarted.flow).toEqual({ 1: 25 });
		expect(counters.tooManyRequests).toBe(0);
		expect(Object.values(counters.postsPerExecutionId).every((n) => n === 1)).toBe(true);
		expect((await api.runs()).flowRuns.every((r) => r.request !== null)).toBe(true);
	});

	test('a flow whose run has more job groups than a page: every one is read, and a timeout cancels them all', async () => {
		const recipes = Array.from({ length: 30 }, (_, i) => ({
			id: i + 1,
			name: `R${i + 1}`,
			flowId: 1,
		}));
		await api.reset({ recipes });
		await api.setFixture({
			kind: 'flow',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'flow',
				operation: 'run',
				flowId: byId('1'),
				options: { ...FAST, maxWaitMinutes: 0.02, cancelOnTimeout: true },
			},
		});
		expect((result.nodeError('AAC') as Error).message).toMatch(/Gave up waiting for flow run/);
		expect((await api.counters()).cancels.jobGroup).toBe(30);
	});
});

describe('cancel and Max Wait: say what is known', () => {
	test("a cancel answered 502 after AAC processed it: not repeated, and the message says the cancel's outcome is unknown (not that a run may have started)", async () => {
		await api.setFixture({ kind: 'plan', id: 1, queuedMs: 0, runningMs: 3_600_000 });
		const { planSnapshotRunId } = (await api.startRun({ kind: 'plan', id: 1 })) as {
			planSnapshotRunId: number;
		};
		await api.addFault({ endpoint: 'cancelPlanSnapshotRun', phase: 'after', status: 502 });
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'planRun',
				operation: 'cancel',
				planRunId: String(planSnapshotRunId),
			},
		});
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toMatch(
			/^The cancel's outcome is unknown: POST \/v4\/planSnapshotRuns\/\d+\/cancel was answered 502/,
		);
		expect(error.message).not.toMatch(/may have started/);
		expect(error.description).toMatch(/Read the run's status \(Get\)/);
		const counters = await api.counters();
		expect(counters.requests.cancelPlanSnapshotRun).toBe(1);
		expect(counters.cancels.planRun).toBe(1); // AAC did cancel it; the node says it cannot know
	});

	test('Max Wait 0 on a run that already finished: its status is read once and it is the result; Cancel Run on Timeout sends nothing', async () => {
		await api.setFixture({ kind: 'plan', id: 1, queuedMs: 0, runningMs: 10, outcome: 'Complete' });
		const { planSnapshotRunId } = (await api.startRun({ kind: 'plan', id: 1 })) as {
			planSnapshotRunId: number;
		};
		await sleep(200); // 12 s of API time: Complete
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'planRun',
				operation: 'wait',
				planRunId: String(planSnapshotRunId),
				options: { maxWaitMinutes: 0, cancelOnTimeout: true },
			},
		});
		expect(result.error).toBeUndefined();
		expect(result.output('AAC')[0]).toMatchObject({ status: 'Complete', polls: 1 });
		const counters = await api.counters();
		expect(counters.requests.cancelPlanSnapshotRun ?? 0).toBe(0);
	});
});

describe('a wait that spans token expiries', () => {
	let shortLived: StandIn;
	let shortApi: StandInApi;

	beforeAll(async () => {
		// Access tokens live 20 s of API time; the API clock runs 20 times faster: a token a second.
		shortLived = await startStandIn({
			accessTokenTtlSeconds: 20,
			tokenExpiryOnApiClock: true,
			api: { timeScale: 20 },
		});
		shortApi = standInApi(shortLived);
	});

	afterAll(async () => {
		if (shortLived) expectNoSecrets(await collectSecrets(shortLived), seen);
		await shortLived?.stop();
	});

	test('the access token expires twice during a 60 s run: refreshed and saved each time, 0 reuse detections', async () => {
		await shortApi.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 60000,
			outcome: 'Complete',
		});
		// Margin 0: the credential does not refresh ahead (the token's exp is on real time); AAC's 401s drive it.
		const { run, store, stored, pair } = await setUp(shortLived, { refreshMarginSeconds: 0 }, 20);
		await shortLived.resetStats();
		const result = await run(1, planRun());
		expect(result.error).toBeUndefined();
		expect(result.output('AAC')[0]).toMatchObject({ status: 'Complete' });
		const stats = await shortLived.stats();
		expect(stats.refreshGrantsOk).toBeGreaterThanOrEqual(2);
		expect(stats.reuseDetections).toBe(0);
		expect(stats.maxUsesOfOneRefreshToken).toBe(1);
		expect(stats.apiUnauthorized).toBeGreaterThanOrEqual(2);
		// Every rotation was saved, and what is stored is alive.
		expect(store.saves.length).toBeGreaterThanOrEqual(stats.refreshGrantsOk);
		const now = stored();
		expect(now.refreshToken === pair.refreshToken ? 'as minted' : 'rotated').toBe('rotated');
		expect(await shortLived.familyAlive(String(now.refreshToken))).toBe(true);
		expect((await shortApi.counters()).runsStarted.plan).toEqual({ 1: 1 });
	});
});
