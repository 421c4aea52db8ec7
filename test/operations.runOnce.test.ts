// A run is never started twice: the run operations in n8n-core's real engine against the AAC
// stand-in, when an answer is lost, n8n retries, or an execution repeats.
import type { IConnections, IDataObject, INode } from 'n8n-workflow';
import {
	useStandIn,
	AAC_NODE,
	standIn,
	api,
	setUp,
	planRun,
	postsPerExecutionId,
} from './helpers/runOperations';

useStandIn();

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
