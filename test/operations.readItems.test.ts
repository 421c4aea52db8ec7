// The read operations per item against the AAC stand-in: error mapping, pairedItem and Continue On
// Fail per item, items run concurrently, and the pickers' list searches.
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { CONCURRENT_ITEMS } from '../nodes/AlteryxAnalyticsCloud/actions/router';
import { startFaultProxy, type FaultProxy } from './fakes/faultProxy';
import {
	useStandIn,
	REQUEST_ID,
	standIn,
	api,
	served,
	NodeRun,
	workflow,
	newCredential,
	runNode,
	byId,
	leaksToken,
} from './helpers/readOperations';

useStandIn();

describe('errors', () => {
	test('404: AAC exception name and message, HTTP status, request ID and what to do; no token piece anywhere', async () => {
		const run = await runNode({ resource: 'plan', operation: 'get', planId: byId('id', 99999) });
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('404');
		expect(error.message).toMatch(
			/^AAC answered 404 to GET \/v4\/plans\/99999\/full \(DataNotFoundException: .+\)$/,
		);
		expect(error.description).toContain('check the ID');
		expect(error.description).toMatch(REQUEST_ID);
		expect(
			leaksToken(JSON.stringify(run.result.run.data.resultData), [
				run.pair.accessToken,
				run.pair.refreshToken,
			]),
		).toBe(false);
	});

	test('403 with the request ID and the permission hint', async () => {
		await api.addFault({ endpoint: 'getFlow', status: 403, times: 1 });
		const run = await runNode({ resource: 'flow', operation: 'get', flowId: byId('id', 1) });
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('403');
		expect(error.message).toContain('AccessControlException');
		expect(error.description).toContain('shared with that user');
		expect(error.description).toMatch(REQUEST_ID);
		expect((await api.counters()).faultsServed).toBe(1); // a 403 is not retried
	});

	test('an ID that is not a number fails before any request', async () => {
		const run = await runNode({ resource: 'planRun', operation: 'get', planRunId: 'abc' });
		expect(run.result.nodeError('AAC')?.message).toBe('Plan Run ID must be a number, got "abc"');
		expect((await api.counters()).requests.getPlanSnapshotRun).toBeUndefined();
	});
});

/** The error the AAC node stopped with: its HTTP status and the item it names. */
const itemError = (run: NodeRun) =>
	run.result.nodeError('AAC') as unknown as { context: { itemIndex: number }; httpCode: string };

describe('items', () => {
	test('pairedItem and Continue On Fail per item: the failing item gives its error, the others their results', async () => {
		const planId = { __rl: true, mode: 'id', value: '={{ [1, 99999, 1][$json.index] }}' };
		const run = await runNode(
			{ resource: 'plan', operation: 'get', planId },
			{ items: 3, continueOnFail: true },
		);
		expect(run.result.error).toBeUndefined();
		expect(run.items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(run.json[0]).toMatchObject({ id: 1 });
		expect(run.json[1]).toMatchObject({
			error: expect.stringContaining('AAC answered 404'),
			httpCode: '404',
		});
		expect(run.json[2]).toMatchObject({ id: 1 });
	});

	test('without Continue On Fail the node stops at the failing item, naming it', async () => {
		const planId = { __rl: true, mode: 'id', value: '={{ [1, 99999, 1][$json.index] }}' };
		const run = await runNode({ resource: 'plan', operation: 'get', planId }, { items: 3 });
		const error = itemError(run);
		expect(error.httpCode).toBe('404');
		expect(error.context.itemIndex).toBe(1);
		// Plan → Get runs items concurrently: item 2 was in flight with item 1 (its answer dropped).
		// Operations that change AAC run one item at a time and stop before the next.
		expect(run.items).toEqual([]);
		expect((await api.counters()).requests.getPlanFull).toBe(3);
	});

	test('getMany per item: each item its own list, paired to it', async () => {
		await api.reset({ plans: 10 });
		const run = await runNode(
			{ resource: 'plan', operation: 'getMany', returnAll: false, limit: 3 },
			{ items: 2 },
		);
		expect(run.items.map((item) => [item.json.id, item.pairedItem])).toEqual([
			[1, { item: 0 }],
			[2, { item: 0 }],
			[3, { item: 0 }],
			[1, { item: 1 }],
			[2, { item: 1 }],
			[3, { item: 1 }],
		]);
	});
});

describe('read-only operations run items concurrently', () => {
	// The fault proxy (hand-written, test/fakes/faultProxy.js) sits between the node and the
	// stand-in's API and counts the requests it holds at once; tokens go to the stand-in directly.
	let proxy: FaultProxy;
	beforeAll(async () => {
		proxy = await startFaultProxy({ upstream: standIn.origin });
	});
	afterAll(async () => {
		await proxy?.close();
	});
	beforeEach(async () => {
		await api.reset({ plans: 100 });
		// 20 ms per answer: on a loaded machine too, requests overlap whenever the node lets them.
		proxy.setApiScript(['slow:20']);
		proxy.apiInFlight.reset();
	});
	const planGet = (ids: string) => ({
		resource: 'plan',
		operation: 'get',
		planId: { __rl: true, mode: 'id', value: ids },
	});
	const ITEMS = 100;
	const byIndex = '={{ $json.index + 1 }}';

	test(`100 items of Plan → Get: 100 outputs in item order, pairedItem i; at most ${CONCURRENT_ITEMS} requests at once, and more than 1`, async () => {
		const run = await runNode(planGet(byIndex), {
			items: ITEMS,
			credential: { apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.items.map((item) => [item.json.id, item.pairedItem])).toEqual(
			Array.from({ length: ITEMS }, (_, i) => [i + 1, { item: i }]),
		);
		expect((await api.counters()).requests.getPlanFull).toBe(ITEMS);
		expect(proxy.apiInFlight.peak).toBeGreaterThan(1);
		expect(proxy.apiInFlight.peak).toBeLessThanOrEqual(CONCURRENT_ITEMS);
	});

	test('access token expired at the start: 1 token request for all 100 items, 0 reuse, the new pair saved', async () => {
		const expired = await standIn.mint({ accessTokenExpired: true });
		const run = await runNode(planGet(byIndex), {
			items: ITEMS,
			credential: { ...expired, apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.json.map((plan) => plan.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
			invalidGrants: 0,
			maxUsesOfOneRefreshToken: 1,
		});
		expect(proxy.apiInFlight.peak).toBeGreaterThan(1);
		const stored = run.stored();
		expect(stored.refreshToken).not.toBe(expired.refreshToken);
		expect(await standIn.familyAlive(stored.refreshToken as string)).toBe(true);
	});

	test('a token AAC rejects while it still looks valid: the concurrent 401s share 1 refresh, then all 100 items succeed', async () => {
		const pair = await standIn.mint();
		proxy.planApi(pair.accessToken, ['unauthorized'], 'rejected token');
		const run = await runNode(planGet(byIndex), {
			items: ITEMS,
			credential: { ...pair, apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.json.map((plan) => plan.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
		const rejected = proxy.apiEventsOf('rejected token').filter((e) => e.step === 'unauthorized');
		expect(rejected.length).toBeGreaterThan(1); // several items saw the 401 at once ...
		expect(rejected.length).toBeLessThanOrEqual(CONCURRENT_ITEMS);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 }); // ... one refresh
	});

	test('Continue On Fail: item 50 fails (404) among 100; its error item in place, the 99 others their plans', async () => {
		const run = await runNode(planGet('={{ $json.index === 50 ? 99999 : $json.index + 1 }}'), {
			items: ITEMS,
			continueOnFail: true,
			credential: { apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.items.map((item) => item.pairedItem)).toEqual(
			Array.from({ length: ITEMS }, (_, i) => ({ item: i })),
		);
		run.json.forEach((json, i) => {
			if (i === 50)
				expect(json).toMatchObject({
					error: expect.stringContaining('AAC answered 404'),
					httpCode: '404',
				});
			else expect(json).toMatchObject({ id: i + 1 });
		});
		expect((await api.counters()).requests.getPlanFull).toBe(ITEMS);
	});

	test('without Continue On Fail: the lowest-index failure is thrown even when a later item failed first; no item starts after a failure', async () => {
		// Item 10's plan (99998) answers its 404 after 1 s; item 12's (99999) at once, while 10 is in flight.
		const pair = await standIn.mint();
		proxy.planApi(pair.accessToken, ['slow:1000'], 'slow failure', { path: /\/plans\/99998\// });
		const ids = '={{ $json.index === 10 ? 99998 : $json.index === 12 ? 99999 : $json.index + 1 }}';
		const run = await runNode(planGet(ids), {
			items: ITEMS,
			credential: { ...pair, apiBaseUrl: proxy.origin },
		});
		const error = itemError(run);
		expect(error.httpCode).toBe('404');
		expect(error.context.itemIndex).toBe(10);
		expect(run.items).toEqual([]);
		const started = (await api.counters()).requests.getPlanFull;
		// Items 0–12 all started; once 12 failed, none more than those already in flight.
		expect(started).toBeGreaterThanOrEqual(13);
		expect(started).toBeLessThanOrEqual(12 + CONCURRENT_ITEMS);
	});
});

describe('pickers (resource locator list searches)', () => {
	async function search(method: string, filter?: string, paginationToken?: string) {
		const { id, harness } = await newCredential();
		const context = harness.loadOptionsContext(
			workflow({ resource: 'plan', operation: 'get' }, { credentialId: id }),
			'AAC',
			'parameters.planId',
		);
		const node = new AlteryxAnalyticsCloud();
		const listSearch = node.methods.listSearch as Record<
			string,
			(
				this: unknown,
				filter?: string,
				token?: string,
			) => Promise<{ results: Array<{ name: string; value: string }>; paginationToken?: string }>
		>;
		return await listSearch[method].call(context, filter, paginationToken);
	}

	test('plans: pages of 50 with a next-page token until the end; a filter narrows by name', async () => {
		await api.reset({ plans: 120 });
		const page = await served(50);
		const first = await search('searchPlans');
		expect(first.results).toHaveLength(page);
		expect(first.results[0]).toEqual({ name: 'Demo plan (1)', value: '1' });
		expect(first.paginationToken).toBe(String(page));
		const last = await search('searchPlans', undefined, '100');
		expect(last.results.map((r) => r.value)).toEqual(
			Array.from({ length: 20 }, (_, i) => String(101 + i)),
		);
		expect(last.paginationToken).toBeUndefined();
		const filtered = await search('searchPlans', 'plan 011');
		expect(filtered.results.map((r) => r.name)).toEqual(
			Array.from({ length: 10 }, (_, i) => `Plan 011${i} (${110 + i})`),
		);
		expect(filtered.paginationToken).toBeUndefined();
	});

	test('the plan and flow pickers offer shared ones too', async () => {
		await api.reset({ plans: 6, flows: 6 });
		expect((await search('searchPlans')).results).toHaveLength(6);
		expect((await search('searchFlows')).results).toHaveLength(6);
	});

	test('flows, recipes and connections have pickers too', async () => {
		expect((await search('searchFlows')).results).toEqual([{ name: 'Demo flow (1)', value: '1' }]);
		expect((await search('searchRecipes', 'recipe 2')).results).toEqual([
			{ name: 'Demo recipe 2 (2)', value: '2' },
		]);
		expect((await search('searchConnections')).results).toHaveLength(1);
		expect((await api.counters()).requests).toMatchObject({
			listFlows: 1,
			listWrangledDatasets: 1,
			listConnections: 1,
		});
	});
});
