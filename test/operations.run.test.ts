// Run and wait: Plan → Run and wait, timeouts and stopping, polling under pressure, a wait that spans
// token expiries, in n8n-core's real engine against the AAC stand-in. The API clock runs 60 times
// faster than real time (timeScale), so a 60 s run takes one real second; the node polls every 0.2
// to 0.5 s. (operations.runOnce, operations.runCancel and operations.runJobs test the rest.)
import { sleep } from 'n8n-workflow';
import { collectSecrets, expectNoSecrets } from './helpers/secrets';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';
import {
	useStandIn,
	standIn,
	api,
	seen,
	setUp,
	planRun,
	postsPerExecutionId,
} from './helpers/runOperations';

useStandIn();

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
