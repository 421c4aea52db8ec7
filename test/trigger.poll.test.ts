// The polling trigger (Alteryx Analytics Cloud Trigger) in n8n-core's real PollContext (test/harness
// pollOnce) against the AAC stand-in (standin/: real oidc-provider, our hand-written fake of AAC's
// v4 API), in both worlds (jest.config.js: the strict stand-in lists oldest first, 25 a page,
// ignores comma statuses and plan-run date filters, and its plan runs say neither who nor how; the
// generous one does what the package once hoped). The API clock is frozen and moved by the tests,
// so runs finish exactly when a test says (several at one instant: identical timestamps). Static
// data is what n8n keeps between polls; "restart" round-trips it through JSON, as n8n's database
// does.
import { ACTIVATION_PAGES } from '../nodes/AlteryxAnalyticsCloud/runs/finishedRuns';
import {
	useStandIn,
	api,
	setUp,
	planRuns,
	startPlanRuns,
	finishPlanRuns,
	listRequests,
	planRunsSayWho,
	pagesFor,
	expectOldestFirst,
} from './helpers/pollTrigger';

useStandIn();

describe.each([
	{ name: 'static data kept in memory', restartBetweenPolls: false },
	{
		name: 'a restart between every two polls (static data through JSON)',
		restartBetweenPolls: true,
	},
])('exactly once over 10 polls: $name', ({ restartBetweenPolls }) => {
	test('every run that finished after activation is emitted once, oldest first; runs finished before never; a failing poll changes nothing and loses nothing', async () => {
		// Pages of 2, so a poll pages and runs can finish between its pages.
		await api.configure({ maxPageSize: 2 });
		const trigger = await setUp(planRuns());
		const sayWho = await planRunsSayWho();

		// Before activation: two finished (never to be emitted), one still running that finishes later.
		const [before1, before2, longRun] = await startPlanRuns(3);
		await finishPlanRuns([before1], 'Complete');
		await finishPlanRuns([before2], 'Failed');
		await api.advance(1000);

		expect(await trigger.poll()).toEqual([]); // the first poll after activation: nothing
		const expected = new Set<number>();
		const emitted: number[] = [];
		let failedPolls = 0;
		for (let round = 1; round <= 10; round++) {
			if (restartBetweenPolls) trigger.restart();
			// Between polls: two runs that finish at the same instant (identical timestamps) ...
			const pair = await startPlanRuns(2);
			await api.advance(1000);
			const outcome = (['Complete', 'Failed', 'Canceled'] as const)[round % 3];
			await finishPlanRuns(pair, outcome);
			pair.forEach((id) => expected.add(id));
			if (round === 4) {
				await finishPlanRuns([longRun], 'Complete'); // created before activation, finished after
				expected.add(longRun);
			}
			await api.advance(1000);

			if (round === 6) {
				// A failing poll: AAC answers 400 (not retried). The static data stays as it was.
				const savedBefore = trigger.saved();
				await api.addFault({
					endpoint: 'listPlanSnapshotRuns',
					status: 400,
					phase: 'before',
					times: 1,
				});
				await expect(trigger.poll()).rejects.toThrow(/AAC answered 400/);
				failedPolls++;
				expect(trigger.saved()).toBe(savedBefore);
				continue; // what this round finished must come with the next poll
			}

			// ... and, every other round, runs that start and finish while the poll is paging.
			const during: Promise<void> =
				round % 2 === 0
					? (async () => {
							const ids = await startPlanRuns(3);
							await api.advance(500);
							await finishPlanRuns(ids, 'Complete');
							ids.forEach((id) => expected.add(id));
						})()
					: Promise.resolve();
			const [items] = await Promise.all([trigger.poll(), during]);
			expectOldestFirst(items);
			for (const item of items) {
				expect(['Complete', 'Failed', 'Canceled']).toContain(item.status);
				expect(item).toMatchObject({
					event: 'planRunFinished',
					planId: '1',
					planName: 'Demo plan',
					// Plan runs in the strict world do not say who ran them: null, not a guess.
					ranBy: sayWho ? { id: '1' } : null,
				});
				expect(typeof item.durationSeconds).toBe('number');
			}
			emitted.push(...items.map((item) => Number(item.planRunId)));
		}
		// One more poll collects what finished during the last one.
		await api.advance(1000);
		emitted.push(...(await trigger.poll()).map((item) => Number(item.planRunId)));
		expect(await trigger.poll()).toEqual([]);

		expect(failedPolls).toBe(1);
		expect(new Set(emitted).size).toBe(emitted.length); // no duplicates
		expect([...emitted].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b)); // nothing lost
		expect(emitted).not.toContain(before1);
		expect(emitted).not.toContain(before2);
		expect(expected.size).toBe(10 * 2 + 4 * 3 + 1); // rounds 2, 4, 8 and 10 had runs finishing during the poll
		// Bounded state: the ids of the newest page and the runs still in flight.
		const cursor = trigger.cursor()!;
		expect(cursor.known.length).toBeLessThanOrEqual(2 * 3);
		expect(Object.keys(cursor.open)).toEqual([]);
	});
});

describe('first poll after activation', () => {
	test('emits nothing however much already finished; the next poll emits only what finished since, including runs that were already running', async () => {
		const trigger = await setUp(planRuns());
		const finished = await startPlanRuns(4);
		await finishPlanRuns(finished, 'Failed');
		const running = await startPlanRuns(1);
		await api.advance(5000);

		const requestsBefore = await listRequests();
		expect(await trigger.poll()).toEqual([]);
		expect((await listRequests()) - requestsBefore).toBe(1); // five runs: one page
		expect(Object.keys(trigger.cursor()!.open)).toEqual(running.map(String));

		await finishPlanRuns(running, 'Canceled');
		const items = await trigger.poll();
		expect(items.map((item) => Number(item.planRunId))).toEqual(running);
		expect(items[0]).toMatchObject({ status: 'Canceled', failureReason: null });
		expect(await trigger.poll()).toEqual([]);
	});

	test('a run created long before that finishes now is emitted, though hundreds of newer runs pushed it off the pages a poll reads (one GET of that run)', async () => {
		const trigger = await setUp(planRuns({ statuses: ['Failed'] }));
		const [old] = await startPlanRuns(1);
		expect(await trigger.poll()).toEqual([]);
		// 250 newer runs, finished: the old one is far below the newest page now.
		await api.setFixture({ kind: 'plan', runningMs: 1000 });
		await startPlanRuns(250);
		await api.advance(2000);
		await trigger.poll(); // reads the newer ones (none Failed), keeps following the old one
		expect(Object.keys(trigger.cursor()!.open)).toEqual([String(old)]);

		await finishPlanRuns([old], 'Failed');
		const before = await api.counters();
		const items = await trigger.poll();
		const after = await api.counters();
		expect(items.map((item) => Number(item.planRunId))).toEqual([old]);
		expect(
			(after.requests.listPlanSnapshotRuns ?? 0) - (before.requests.listPlanSnapshotRuns ?? 0),
		).toBe(1);
		expect(
			(after.requests.getPlanSnapshotRun ?? 0) - (before.requests.getPlanSnapshotRun ?? 0),
		).toBe(1);
		expect(trigger.cursor()!.open).toEqual({});
		expect(await trigger.poll()).toEqual([]);
	});
});

describe('5,000 finished runs in history', () => {
	test('after the first poll a poll costs one request, however long the history; the stored state stays small', async () => {
		// History: 5,000 runs that finished a day ago (API clock moved back, then forward again).
		const now = Date.now();
		await api.clock({ setMs: now - 86_400_000 });
		await api.setFixture({ kind: 'plan', runningMs: 1000 });
		await startPlanRuns(5000);
		await api.advance(2000);
		await api.setFixture({ kind: 'plan', runningMs: 3_600_000 });
		await api.clock({ setMs: now });
		const trigger = await setUp(planRuns());

		let requests = await listRequests();
		const costs: number[] = [];
		const cost = async () => {
			const after = await listRequests();
			costs.push(after - requests);
			requests = after;
		};
		expect(await trigger.poll()).toEqual([]);
		await cost();
		for (let round = 0; round < 3; round++) {
			const ids = await startPlanRuns(3);
			await api.advance(1000);
			await finishPlanRuns(ids, 'Failed');
			expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual(ids);
			await cost();
		}
		expect(await trigger.poll()).toEqual([]);
		await cost();
		// The first poll reads its pages of runs in flight (and, oldest first, the list's end).
		expect(costs[0]).toBeLessThanOrEqual(ACTIVATION_PAGES + 1);
		expect(costs.slice(1)).toEqual([1, 1, 1, 1]);
		expect(trigger.saved().length).toBeLessThan(2000);
	});

	test('5,000 runs that finish at one instant: emitted once in one poll (one request a page), then the next poll costs one request', async () => {
		const trigger = await setUp(planRuns());
		expect(await trigger.poll()).toEqual([]);
		await api.setFixture({ kind: 'plan', runningMs: 1000 });
		await startPlanRuns(5000);
		await api.advance(2000); // all 5,000 finish at the same instant

		let requests = await listRequests();
		const items = await trigger.poll();
		expect(items).toHaveLength(5000);
		expect(new Set(items.map((item) => item.planRunId)).size).toBe(5000);
		// Every page once (oldest first, the list's first page first, to learn its order).
		expect((await listRequests()) - requests).toBeLessThanOrEqual((await pagesFor(5000)) + 1);
		expect(trigger.saved().length).toBeLessThan(2000);

		requests = await listRequests();
		expect(await trigger.poll()).toEqual([]);
		expect((await listRequests()) - requests).toBe(1);
	});

	test('a filter that matches nothing for a simulated day (one unrelated run a minute): every poll costs one request, from the first minute to the last', async () => {
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 30_000 });
		await api.reset({ plans: 2 });
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 30_000 });
		const trigger = await setUp(planRuns({ planId: { __rl: true, mode: 'id', value: '2' } }));
		expect(await trigger.poll()).toEqual([]);
		const costs: number[] = [];
		let requests = await listRequests();
		for (let minute = 1; minute <= 1440; minute++) {
			await api.startRun({ kind: 'plan', id: 1 }); // plan 1: never matches
			await api.advance(60_000);
			expect(await trigger.poll()).toEqual([]);
			const after = await listRequests();
			costs.push(after - requests);
			requests = after;
		}
		expect(new Set(costs)).toEqual(new Set([1]));
		expect(trigger.saved().length).toBeLessThan(2000);
		// The filter's run, after the day: emitted at once, in one request.
		const [match] = ((await api.startRun({ kind: 'plan', id: 2 })) as { planSnapshotRunId: number })
			.planSnapshotRunId
			? [((await api.runs()).planRuns.at(-1) as { id: number }).id]
			: [];
		await api.advance(60_000);
		expect((await trigger.poll()).map((item) => Number(item.planRunId))).toEqual([match]);
	}, 180_000);
});
