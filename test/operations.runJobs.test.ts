// Job → Run / Wait / Cancel and Flow → Run, and what AAC's documented contract means for the run
// operations, in n8n-core's real engine against the AAC stand-in.
import type { IDataObject } from 'n8n-workflow';
import { useStandIn, FAST, standIn, api, setUp, planRun } from './helpers/runOperations';

useStandIn();

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
