// The read operations' lists against the AAC stand-in: paging over 1,234 plans, a server that serves
// fewer than asked or whose pages do not advance, 429 storms, 5xx and a 401 in the middle of a
// list, and the retry timing.
import { PAGE_SIZE } from '../nodes/AlteryxAnalyticsCloud/transport/paging';
import { backoffMs, retryAfterMs } from '../nodes/AlteryxAnalyticsCloud/transport/retryPolicy';
import {
	useStandIn,
	REQUEST_ID,
	TOKEN_TTL_SECONDS,
	standIn,
	api,
	served,
	runNode,
} from './helpers/readOperations';

useStandIn();

describe('a list whose pages do not advance (a server or cache that ignores offset)', () => {
	afterEach(async () => {
		await api.configure({ ignoreOffset: false });
	});

	test('Get Many stops at the first page served twice, with an error, instead of repeating items until the page limit', async () => {
		await api.reset({ plans: 250 });
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10 });
		await api.startRun({ kind: 'plan', id: 1, count: 250 });
		await api.configure({ ignoreOffset: true });
		for (const [resource, endpoint] of [
			['plan', 'listPlans'],
			['planRun', 'listPlanSnapshotRuns'],
		] as const) {
			await api.resetCounters();
			const { result, json } = await runNode({ resource, operation: 'getMany', returnAll: true });
			expect([resource, (result.nodeError('AAC') as Error).message]).toEqual([
				resource,
				expect.stringMatching(
					/^AAC served the same page of \/v4\/\w+ twice \(at offset \d+ and \d+\)$/,
				),
			]);
			expect(json).toEqual([]);
			expect((await api.counters()).requests[endpoint]).toBeLessThanOrEqual(3);
		}
	});
});

describe('paging', () => {
	const allIds = Array.from({ length: 1234 }, (_, i) => i + 1);

	test(`Return All over 1,234 plans returns every plan once, in ceil(1234 / page) requests (page: ${PAGE_SIZE} asked, the world's cap served)`, async () => {
		await api.reset({ plans: 1234 });
		const { json, result } = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
		});
		expect(result.error).toBeUndefined();
		expect(json.map((p) => p.id)).toEqual(allIds);
		expect((await api.counters()).requests.listPlans).toBe(
			Math.ceil(1234 / (await served(PAGE_SIZE))),
		);
	});

	test('a server that serves 40 when asked for more: still all 1,234, and no empty page asked for', async () => {
		await api.reset({ plans: 1234 });
		await api.configure({ maxPageSize: 40 });
		const { json } = await runNode({ resource: 'plan', operation: 'getMany', returnAll: true });
		expect(json.map((p) => p.id)).toEqual(allIds);
		expect((await api.counters()).requests.listPlans).toBe(Math.ceil(1234 / 40));
	});

	test('Limit: exactly that many, in as few requests as the limit needs', async () => {
		await api.reset({ plans: 1234 });
		const seven = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: false,
			limit: 7,
		});
		expect(seven.json.map((p) => p.id)).toEqual(allIds.slice(0, 7));
		expect((await api.counters()).requests.listPlans).toBe(1);
		await api.resetCounters();
		const more = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: false,
			limit: PAGE_SIZE + 30,
		});
		expect(more.json.map((p) => p.id)).toEqual(allIds.slice(0, PAGE_SIZE + 30));
		expect((await api.counters()).requests.listPlans).toBe(
			Math.ceil((PAGE_SIZE + 30) / (await served(PAGE_SIZE))),
		);
	});
});

describe('429, 5xx and 401 while listing', () => {
	test('a 429 storm of two answers: both honoured (x-retry-after, at least 1 s each), then the whole list', async () => {
		await api.reset({ plans: 250 });
		await api.addFault({ endpoint: 'listPlans', status: 429, retryAfterSeconds: 1, times: 2 });
		const started = Date.now();
		const { json, result } = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
		});
		const elapsed = Date.now() - started;
		expect(result.error).toBeUndefined();
		expect(json).toHaveLength(250);
		const counters = await api.counters();
		expect(counters.faultsServed).toBe(2);
		expect(counters.tooManyRequests).toBe(2);
		expect(counters.responses['200']).toBe(Math.ceil(250 / (await served(PAGE_SIZE)))); // generous: 100, 100, 50
		expect(elapsed).toBeGreaterThanOrEqual(2000);
		expect(elapsed).toBeLessThan(6000);
	});

	test('a 429 storm that does not end: 4 attempts, 3 waits, then an error that says what to do, with the request ID', async () => {
		await api.addFault({ endpoint: 'listPlans', status: 429, retryAfterSeconds: 0, times: null });
		const started = Date.now();
		const { result } = await runNode({ resource: 'plan', operation: 'getMany', returnAll: true });
		const elapsed = Date.now() - started;
		const counters = await api.counters();
		expect(counters.faultsServed).toBe(4);
		expect(elapsed).toBeGreaterThanOrEqual(3000); // x-retry-after 0 is clamped to 1 s
		expect(elapsed).toBeLessThan(7000);
		const error = result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('429');
		expect(error.message).toContain('TooManyRequestsException');
		expect(error.description).toContain('Tried 4 times');
		expect(error.description).toMatch(REQUEST_ID);
	});

	test('502 then 503: retried with backoff, no error', async () => {
		await api.addFault({ endpoint: 'getCurrentPerson', status: 502, times: 1 });
		await api.addFault({ endpoint: 'getCurrentPerson', status: 503, times: 1 });
		const { json, result } = await runNode({ resource: 'user', operation: 'getCurrent' });
		expect(result.error).toBeUndefined();
		expect(json[0]).toMatchObject({ id: 1 });
		expect((await api.counters()).faultsServed).toBe(2);
	});

	test('401 in the middle of a list while the stored token still looks valid: exactly one refresh, saved, the list completes', async () => {
		await api.reset({ plans: 1234 });
		await api.configure({ maxPageSize: 10 });
		let expiredAfterPages = 0;
		const run = await runNode(
			{ resource: 'plan', operation: 'getMany', returnAll: true },
			{
				// AAC stops accepting the token mid-list (its clock moved past the token's expiry)
				// while this n8n's clock still says it is valid for minutes.
				whileRunning: async () => {
					for (let polls = 0; polls < 2000; polls++) {
						const pages = (await api.counters()).requests.listPlans ?? 0;
						if (pages >= 3) {
							expiredAfterPages = pages;
							await api.advance((TOKEN_TTL_SECONDS + 1) * 1000);
							return;
						}
					}
				},
			},
		);
		expect(run.result.error).toBeUndefined();
		expect(expiredAfterPages).toBeGreaterThanOrEqual(3);
		expect(expiredAfterPages).toBeLessThan(124);
		expect(run.json.map((p) => p.id)).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1));
		const stats = await standIn.stats();
		expect(stats).toMatchObject({
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
			invalidGrants: 0,
			maxUsesOfOneRefreshToken: 1,
			apiUnauthorized: 1,
		});
		const stored = run.stored();
		expect(stored.refreshToken).not.toBe(run.pair.refreshToken);
		expect(stored.accessToken).not.toBe(run.pair.accessToken);
		expect(stored.refreshStartedAt).toBe('');
		expect(await standIn.familyAlive(stored.refreshToken as string)).toBe(true);
	});

	test('401 in Refresh Operation Only mode: no refresh, an error that points at the keep-alive', async () => {
		await api.addFault({ endpoint: 'listPlans', status: 401, times: 1 });
		const run = await runNode(
			{ resource: 'plan', operation: 'getMany', returnAll: true },
			{ credential: { refreshMode: 'refreshOperationOnly' } },
		);
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('401');
		expect(error.description).toContain('keep-alive');
		expect((await standIn.stats()).tokenRequests).toBe(0);
		expect(run.store.saves).toHaveLength(0);
	});

	test('an expired access token in Refresh Operation Only mode: no refresh, no request to AAC, the keep-alive named', async () => {
		const expired = await standIn.mint({ accessTokenExpired: true });
		const run = await runNode(
			{ resource: 'user', operation: 'getCurrent' },
			{ credential: { ...expired, refreshMode: 'refreshOperationOnly' } },
		);
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
		};
		expect(error.message).toContain('Refresh Operation Only');
		expect(error.description).toContain('keep-alive');
		expect((await standIn.stats()).tokenRequests).toBe(0);
		expect((await api.counters()).requests.getCurrentPerson).toBeUndefined();
		expect(run.store.saves).toHaveLength(0);
	});
});

describe('retry timing (pure)', () => {
	test('x-retry-after / Retry-After are clamped to 1–60 s; dates work; none gives undefined', () => {
		expect(retryAfterMs({ 'x-retry-after': '0' })).toBe(1000);
		expect(retryAfterMs({ 'x-retry-after': '7' })).toBe(7000);
		expect(retryAfterMs({ 'retry-after': '120' })).toBe(60_000);
		expect(
			retryAfterMs(
				{ 'retry-after': new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() },
				Date.UTC(2030, 0, 1),
			),
		).toBe(10_000);
		expect(retryAfterMs({})).toBeUndefined();
		expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
	});

	test('backoff: 250 ms doubling to 8 s, within ±20 %', () => {
		expect([1, 2, 3, 6, 10].map((attempt) => backoffMs(attempt, () => 0.5))).toEqual([
			250, 500, 1000, 8000, 8000,
		]);
		expect(backoffMs(1, () => 0)).toBe(200);
		expect(backoffMs(1, () => 1)).toBe(300);
	});
});
