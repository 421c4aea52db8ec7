// The polling trigger against the AAC stand-in, in both worlds: timestamps are not trusted, manual
// mode (Fetch Test Event), and the filters and the jobs. (trigger.poll.test.ts: what each poll
// emits, the first poll, 5,000 runs in history.)
import { timeOf } from '../nodes/AlteryxAnalyticsCloud/runs/finishedRuns';
import {
	useStandIn,
	api,
	setUp,
	planRuns,
	startPlanRuns,
	finishPlanRuns,
	listRequests,
	expectOldestFirst,
} from './helpers/pollTrigger';

useStandIn();

describe('timestamps are not trusted', () => {
	test('a run stamped a day ahead hides nothing: the runs after it are emitted, each once', async () => {
		const trigger = await setUp(planRuns());
		expect(await trigger.poll()).toEqual([]);
		const [ahead, next1, next2] = await startPlanRuns(3);
		await api.advance(1000);
		// AAC's clock a day ahead for this one: finishedAt and updatedAt say tomorrow.
		await api.finishRun({
			kind: 'planRun',
			id: ahead,
			outcome: 'Complete',
			stampOffsetMs: 86_400_000,
		});
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual([ahead]);
		await finishPlanRuns([next1], 'Complete');
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual([next1]);
		await api.advance(1000);
		await finishPlanRuns([next2], 'Failed');
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual([next2]);
		expect(await trigger.poll()).toEqual([]);
	});

	test('a job touched after it finished (its updatedAt moves) is not emitted again', async () => {
		const trigger = await setUp({ event: 'jobFinished' });
		expect(await trigger.poll()).toEqual([]);
		const { jobGroupId } = (await api.startRun({ kind: 'recipe', id: 1 })) as {
			jobGroupId: number;
		};
		await api.advance(1000);
		await api.finishRun({ kind: 'jobGroup', id: jobGroupId, outcome: 'Complete' });
		expect((await trigger.poll()).map((item) => Number(item.jobId))).toEqual([jobGroupId]);
		await api.advance(120_000);
		await api.touchRun({ id: jobGroupId });
		await api.advance(1000);
		expect(await trigger.poll()).toEqual([]);
		await api.advance(3_600_000);
		await api.touchRun({ id: jobGroupId });
		expect(await trigger.poll()).toEqual([]);
	});

	test("a time without a zone is UTC, not n8n's local time zone (jest runs in Auckland: test/contract/globalSetup.js)", () => {
		expect(new Date(2026, 2, 1, 10).getTime()).not.toBe(Date.UTC(2026, 2, 1, 10)); // not UTC here
		expect(timeOf('2026-03-01T10:00:00')).toBe(Date.UTC(2026, 2, 1, 10));
		expect(timeOf('2026-03-01T10:00:00.250')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 250));
		expect(timeOf('2026-03-01T10:00:00+02:00')).toBe(Date.UTC(2026, 2, 1, 8));
		expect(timeOf('2026-03-01T10:00:00Z')).toBe(Date.UTC(2026, 2, 1, 10));
		expect(timeOf('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
		expect(timeOf(1_700_000_000_000)).toBe(1_700_000_000_000);
		expect(timeOf('not a time')).toBeUndefined();
	});
});

describe('manual mode (Fetch Test Event)', () => {
	test('returns the latest matching finished run and leaves the cursor alone', async () => {
		const trigger = await setUp(planRuns({ statuses: ['Failed'] }));
		const [failedOld, complete, failedNew] = await startPlanRuns(3);
		await finishPlanRuns([failedOld], 'Failed');
		await api.advance(1000);
		await finishPlanRuns([complete], 'Complete');
		await api.advance(1000);
		await finishPlanRuns([failedNew], 'Failed');

		const items = await trigger.poll({ manual: true });
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			planRunId: String(failedNew),
			status: 'Failed',
			planName: 'Demo plan',
		});
		expect(trigger.cursor()).toBeUndefined();
	});

	test('with a filter, pages on (bounded) until a matching run: the one match behind 60 newer runs of another plan', async () => {
		await api.reset({ plans: 2 });
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 1000 });
		const trigger = await setUp(planRuns({ planId: { __rl: true, mode: 'id', value: '2' } }));
		const { planSnapshotRunId: match } = (await api.startRun({ kind: 'plan', id: 2 })) as {
			planSnapshotRunId: number;
		};
		await api.startRun({ kind: 'plan', id: 1, count: 60 });
		await api.advance(2000);
		const items = await trigger.poll({ manual: true });
		expect(items.map((item) => Number(item.planRunId))).toEqual([match]);
		expect(trigger.cursor()).toBeUndefined();
	});
});

describe('filters and jobs', () => {
	test('only the event set (every other parameter at its default, as n8n may store it): every final status, any plan', async () => {
		const trigger = await setUp({ event: 'planRunFinished' });
		expect(await trigger.poll()).toEqual([]);
		const ids = await startPlanRuns(3, { otherUser: true });
		await api.advance(1000);
		await finishPlanRuns([ids[0]], 'Complete');
		await finishPlanRuns([ids[1]], 'Failed');
		await finishPlanRuns([ids[2]], 'Canceled');
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual(ids);
	});

	test('plan runs: final status, run by me, started from a schedule', async () => {
		const trigger = await setUp(
			planRuns({ statuses: ['Failed', 'Canceled'], runBy: 'currentUser', ranfrom: 'schedule' }),
		);
		expect(await trigger.poll()).toEqual([]);
		const [mineFailed, mineComplete] = await startPlanRuns(2, { ranfrom: 'schedule' });
		const [othersFailed] = await startPlanRuns(1, { ranfrom: 'schedule', otherUser: true });
		const [apiFailed] = await startPlanRuns(1, { ranfrom: 'api' });
		await api.advance(1000);
		await finishPlanRuns([mineFailed, othersFailed, apiFailed], 'Failed');
		await finishPlanRuns([mineComplete], 'Complete');
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual([mineFailed]);
	});

	test("jobs of one recipe: recipe name, flow, finish time, and AAC's failure reason; a poll that fails reading the reason changes nothing", async () => {
		const trigger = await setUp({
			event: 'jobFinished',
			statuses: ['Complete', 'Failed', 'Canceled'],
			jobsOf: 'recipe',
			recipeId: { __rl: true, mode: 'id', value: '2' },
			runBy: 'all',
			ranfrom: '',
		});
		expect(await trigger.poll()).toEqual([]);
		await api.setFixture({ kind: 'recipe', id: 2, failureReason: 'Column "amount" not found' });
		const start = async (recipe: number) =>
			((await api.startRun({ kind: 'recipe', id: recipe })) as { jobGroupId: number }).jobGroupId;
		const [one, other, two] = [await start(2), await start(1), await start(2)];
		await api.advance(2000);
		for (const [id, outcome] of [
			[one, 'Complete'],
			[other, 'Failed'],
			[two, 'Failed'],
		] as const) {
			await api.finishRun({ kind: 'jobGroup', id, outcome });
			await api.advance(1000);
		}

		const saved = trigger.saved();
		await api.addFault({ endpoint: 'getJobGroupJobs', status: 500, phase: 'before', times: 4 });
		await expect(trigger.poll()).rejects.toThrow(/AAC answered 500/);
		expect(trigger.saved()).toBe(saved);

		const before = await listRequests('getJobLibrary');
		const items = await trigger.poll();
		expect((await listRequests('getJobLibrary')) - before).toBe(1);
		expect(items.map((item) => Number(item.jobId))).toEqual([one, two]);
		expect(items[0]).toMatchObject({
			event: 'jobFinished',
			status: 'Complete',
			recipeId: '2',
			recipeName: 'Demo recipe 2',
			flowId: '1',
			failureReason: null,
		});
		expect(items[1]).toMatchObject({
			status: 'Failed',
			failureReason: expect.stringContaining('Column "amount" not found'),
		});
		expect(items[1].finishedAt).toBe(new Date((await api.clock()).now - 1000).toISOString());
		expect(await trigger.poll()).toEqual([]);
	});

	test('jobs of a flow: the rows do not say their flow in the strict world, so each recipe is read once and remembered', async () => {
		const trigger = await setUp({
			event: 'jobFinished',
			jobsOf: 'flow',
			flowId: { __rl: true, mode: 'id', value: '1' },
		});
		expect(await trigger.poll()).toEqual([]);
		const ids: number[] = [];
		for (let i = 0; i < 4; i++)
			ids.push(
				((await api.startRun({ kind: 'recipe', id: 1 + (i % 2) })) as { jobGroupId: number })
					.jobGroupId,
			);
		await api.advance(1000);
		for (const id of ids) await api.finishRun({ kind: 'jobGroup', id, outcome: 'Complete' });
		const before = (await api.counters()).requests.getWrangledDataset ?? 0;
		const items = await trigger.poll();
		expect(items.map((item) => Number(item.jobId))).toEqual(ids);
		expect(items.every((item) => item.flowId === '1')).toBe(true);
		const lookups = ((await api.counters()).requests.getWrangledDataset ?? 0) - before;
		// Strict: two recipes, each read once; generous: the rows name their flow, none read.
		expect(lookups).toBe((await api.settings()).world === 'strict' ? 2 : 0);
	});

	test('jobs emitted oldest first by the time they finished, not by id', async () => {
		const trigger = await setUp({ event: 'jobFinished' });
		expect(await trigger.poll()).toEqual([]);
		const first = ((await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number })
			.jobGroupId;
		const second = ((await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number })
			.jobGroupId;
		await api.advance(1000);
		await api.finishRun({ kind: 'jobGroup', id: second, outcome: 'Complete' });
		await api.advance(1000);
		await api.finishRun({ kind: 'jobGroup', id: first, outcome: 'Failed' });
		const items = await trigger.poll();
		expect(items.map((item) => Number(item.jobId))).toEqual([second, first]);
		expectOldestFirst(items, 'jobId');
	});

	test("a failed job whose reason AAC will not show (another user's: 403; deleted: 404) has failureReason null, and polling goes on", async () => {
		const trigger = await setUp({ event: 'jobFinished', statuses: ['Failed'] });
		expect(await trigger.poll()).toEqual([]);
		const start = async () =>
			((await api.startRun({ kind: 'recipe', id: 1, otherUser: true })) as { jobGroupId: number })
				.jobGroupId;
		const [forbidden, gone] = [await start(), await start()];
		await api.advance(1000);
		await api.finishRun({ kind: 'jobGroup', id: forbidden, outcome: 'Failed' });
		await api.advance(1000);
		await api.finishRun({ kind: 'jobGroup', id: gone, outcome: 'Failed' });
		await api.addFault({ endpoint: 'getJobGroupJobs', status: 403, phase: 'before', times: 1 });
		await api.addFault({ endpoint: 'getJobGroupJobs', status: 404, phase: 'before', times: 1 });
		const items = await trigger.poll();
		expect(items.map((item) => [Number(item.jobId), item.failureReason])).toEqual([
			[forbidden, null],
			[gone, null],
		]);
		const next = ((await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number })
			.jobGroupId;
		await api.advance(1000);
		await api.finishRun({ kind: 'jobGroup', id: next, outcome: 'Failed' });
		expect((await trigger.poll()).map((item) => Number(item.jobId))).toEqual([next]);
	});

	test('429 from AAC: the poll waits what x-retry-after says and succeeds (two requests)', async () => {
		const trigger = await setUp(planRuns());
		expect(await trigger.poll()).toEqual([]);
		const ids = await startPlanRuns(1);
		await api.advance(1000);
		await finishPlanRuns(ids, 'Complete');
		await api.addFault({
			endpoint: 'listPlanSnapshotRuns',
			status: 429,
			retryAfterSeconds: 1,
			phase: 'before',
			times: 1,
		});
		const before = await listRequests();
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual(ids);
		expect((await listRequests()) - before).toBe(2);
		expect((await api.counters()).tooManyRequests).toBe(1);
	});
});
