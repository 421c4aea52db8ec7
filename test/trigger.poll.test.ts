// The polling trigger (Alteryx Analytics Cloud Trigger) in n8n-core's real PollContext (test/harness
// pollOnce) against the AAC stand-in (standin/: real oidc-provider, our hand-written fake of AAC's
// v4 API), in both worlds (jest.config.js: the strict stand-in lists oldest first, 25 a page,
// ignores comma statuses and plan-run date filters, and its plan runs say neither who nor how; the
// generous one does what the package once hoped). The API clock is frozen and moved by the tests,
// so runs finish exactly when a test says (several at one instant: identical timestamps). Static
// data is what n8n keeps between polls; "restart" round-trips it through JSON, as n8n's database
// does.
import type { IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { ACTIVATION_PAGES, timeOf } from '../nodes/AlteryxAnalyticsCloud/runs/finishedRuns';
import { AlteryxAnalyticsCloudTrigger } from '../nodes/AlteryxAnalyticsCloudTrigger/AlteryxAnalyticsCloudTrigger.node';
import { CredentialStore, createHarness } from './harness/n8n';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const TRIGGER = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudTrigger';
const nodeTypes: Record<string, INodeType> = { [TRIGGER]: new AlteryxAnalyticsCloudTrigger() };
const credentialTypes = { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() };

let standIn: StandIn;
let api: StandInApi;

beforeAll(async () => {
	standIn = await startStandIn({ api: { freezeClock: true } });
	api = standInApi(standIn);
});

afterAll(async () => {
	await standIn?.stop();
});

beforeEach(async () => {
	// The API clock at n8n's now, frozen: runs finish when a test moves it or finishes them.
	await api.clock({ setMs: Date.now(), freeze: true });
	await api.reset({});
	await api.clearFaults();
	await api.configure({ maxPageSize: 'world' });
	// Runs that stay InProgress until a test finishes them.
	await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 3_600_000, outcome: 'Complete' });
	await api.setFixture({ kind: 'recipe', queuedMs: 0, runningMs: 3_600_000, outcome: 'Complete' });
});

let credentialCounter = 0;

/** A trigger node with these parameters, its credential, and poll() as n8n's poller calls it. */
async function setUp(parameters: IDataObject) {
	const id = `cred-poll-${++credentialCounter}`;
	const pair = await standIn.mint();
	const store = new CredentialStore([
		{
			id,
			name: 'AAC',
			type: CRED,
			data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl },
		},
	]);
	const harness = createHarness({ nodeTypes, credentialTypes, store, saveSemantics: 'n8n2' });
	const nodes: INode[] = [
		{
			id: 'trigger-1',
			name: 'Trigger',
			type: TRIGGER,
			typeVersion: 1,
			position: [0, 0],
			parameters: parameters as INode['parameters'],
			credentials: { [CRED]: { id, name: 'AAC' } },
		},
	];
	const workflow = { nodes, connections: {} as IConnections };
	let staticData: IDataObject = {};
	return {
		/** One poll: its items' json, [] when poll() returned null. */
		async poll(options: { manual?: boolean } = {}): Promise<IDataObject[]> {
			const result = await harness.pollOnce(workflow, 'Trigger', staticData, {
				mode: options.manual ? 'manual' : 'trigger',
			});
			return (result?.[0] ?? []).map((item) => item.json);
		},
		/** What n8n would save, and a restart that reads it back. */
		saved: () => JSON.stringify(staticData),
		restart() {
			staticData = JSON.parse(JSON.stringify(staticData)) as IDataObject;
		},
		cursor: () =>
			(staticData['node:Trigger'] as IDataObject | undefined)?.finishedRuns as
				| { topId: number; floorId: number; known: number[]; open: Record<string, unknown> }
				| undefined,
	};
}

const planRuns = (extra: IDataObject = {}): IDataObject => ({
	event: 'planRunFinished',
	statuses: ['Canceled', 'Complete', 'Failed'],
	planId: { __rl: true, mode: 'list', value: '' },
	runBy: 'all',
	ranfrom: '',
	...extra,
});

async function startPlanRuns(
	count: number,
	extra: { otherUser?: boolean; ranfrom?: string } = {},
): Promise<number[]> {
	const answer = (await api.startRun({ kind: 'plan', id: 1, count, ...extra })) as {
		runs: Array<{ planSnapshotRunId: number }>;
	};
	return answer.runs.map((r) => r.planSnapshotRunId);
}
async function finishPlanRuns(
	ids: number[],
	outcome: 'Complete' | 'Failed' | 'Canceled',
): Promise<void> {
	for (const id of ids)
		expect((await api.finishRun({ kind: 'planRun', id, outcome })).changed).toBe(true);
}
const listRequests = async (endpoint = 'listPlanSnapshotRuns') =>
	(await api.counters()).requests[endpoint] ?? 0;

/** Whether the stand-in's plan runs say who ran them (the generous world; unknown planRunWho). */
const planRunsSayWho = async () => (await api.settings()).world === 'generous';
/** Requests a list of `n` costs, page by page, in this world. */
async function pagesFor(n: number): Promise<number> {
	const cap = (await api.settings()).pageCap;
	return Math.ceil(n / (typeof cap === 'number' ? Math.min(cap, 100) : 100));
}

/** Items of one poll are oldest first; runs that finished together by id. */
function expectOldestFirst(items: IDataObject[], idField = 'planRunId') {
	const keys = items.map((item) => [Date.parse(String(item.finishedAt)), Number(item[idField])]);
	const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	expect(keys).toEqual(sorted);
}

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
