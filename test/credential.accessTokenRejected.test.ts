// AAC rejects an access token the package thinks valid (issue #19, item 18): n8n's clock minutes
// behind AAC's, so a pasted token's `exp` says it lives on while AAC already refuses it. The
// stand-in judges access-token expiry on its API clock here, and the tests move that clock 10
// minutes ahead of n8n's. A 401 for such a token must lead to one refresh, shared by every caller
// (single flight, as always), on every path: the HTTP Request node (n8n's legacy helper and
// httpRequestWithAuthentication), Access Token → Get, the node's operations. An error that is not
// a rejection must not refresh, and readers in Refresh Operation Only mode still never refresh.
import { sharedCoordinator } from '../nodes/AlteryxAnalyticsCloud/core';
import { aacNode, credentialChain, headerRequestNode, httpRequestNode } from './helpers/chain';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';

let standIn: StandIn;
let api: StandInApi;

beforeAll(async () => {
	standIn = await startStandIn({ accessTokenTtlSeconds: 300, tokenExpiryOnApiClock: true });
	api = standInApi(standIn);
});
afterAll(async () => {
	await standIn?.stop();
});
beforeEach(async () => {
	await api.clock({ setMs: Date.now() });
	await standIn.resetStats();
	sharedCoordinator.clear();
});

/** A freshly pasted pair (5 minutes left by its exp), then AAC's clock 10 minutes ahead: AAC rejects it. */
async function pastedPairAacRejects(extra: Record<string, unknown> = {}) {
	const pair = await standIn.mint();
	await api.advance(10 * 60_000);
	return {
		pair,
		data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl, ...extra },
	};
}

const whoAmI = () => `${standIn.apiBaseUrl}/v4/people/current`;

describe.each(['n8n1', 'n8n2'] as const)(
	'%s: AAC rejects an access token n8n thinks valid',
	(semantics) => {
		test('the HTTP Request node (legacy helper), 20 items at once: one refresh, every item answered 200', async () => {
			const { pair, data } = await pastedPairAacRejects();
			const { run, stored } = credentialChain(semantics, data);
			const result = await run(20, httpRequestNode(whoAmI()));
			expect(result.error).toBeUndefined();
			const items = result.output('HTTP Request');
			expect(items).toHaveLength(20);
			for (const item of items)
				expect(item).toMatchObject({ ok: true, body: { email: 'standin@example.com' } });
			const stats = await standIn.stats();
			expect(stats).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1, reuseDetections: 0 });
			// 20 requests refused, one probe (refused too) for all of them, 20 retries answered.
			expect(stats).toMatchObject({ apiUnauthorized: 21, apiOk: 20 });
			expect(stored().refreshToken).not.toBe(pair.refreshToken);
			expect(stored().refreshToken).toBe((await standIn.issuedRefreshTokens()).at(-1));
		});

		test('the HTTP Request node (httpRequestWithAuthentication): one refresh, 200', async () => {
			const { data } = await pastedPairAacRejects();
			const { run } = credentialChain(semantics, data);
			const result = await run(5, httpRequestNode(whoAmI(), 'http'));
			expect(result.error).toBeUndefined();
			expect(result.output('HTTP Request').every((item) => item.ok === true)).toBe(true);
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
		});

		test('Access Token → Get hands out a token AAC accepts: one refresh, the next node gets 200', async () => {
			const { pair, data } = await pastedPairAacRejects();
			const { run, stored } = credentialChain(semantics, data);
			const result = await run(
				1,
				aacNode({ resource: 'accessToken', operation: 'get' }),
				headerRequestNode(),
			);
			expect(result.error).toBeUndefined();
			const [token] = result.output('AAC');
			expect(token).toMatchObject({ refreshed: true });
			expect(token.accessToken).not.toBe(pair.accessToken);
			expect(result.output('Header Request')).toEqual([expect.objectContaining({ status: 200 })]);
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
			expect(stored().accessToken).toBe(token.accessToken);
		});

		test("the node's operations (User → Get Current): one refresh, 200", async () => {
			const { data } = await pastedPairAacRejects();
			const { run } = credentialChain(semantics, data);
			const result = await run(1, aacNode({ resource: 'user', operation: 'getCurrent' }));
			expect(result.error).toBeUndefined();
			expect(result.output('AAC')[0]).toMatchObject({ email: 'standin@example.com' });
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
		});

		test('an error that is not a rejection (404) refreshes nothing', async () => {
			const pair = await standIn.mint();
			const { run, stored } = credentialChain(semantics, {
				...pair,
				allowCustomIssuer: true,
				apiBaseUrl: standIn.apiBaseUrl,
			});
			const result = await run(
				3,
				httpRequestNode(`${standIn.apiBaseUrl}/v4/plans/999999`, 'legacy', true),
			);
			const items = result.output('HTTP Request');
			expect(items).toHaveLength(3);
			for (const item of items) expect(item).toMatchObject({ ok: false });
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 0 });
			expect(stored().refreshToken).toBe(pair.refreshToken);
		});

		test('Refresh Operation Only: readers still never refresh; Get says why instead of handing out the token', async () => {
			const { pair, data } = await pastedPairAacRejects({ refreshMode: 'refreshOperationOnly' });
			const { run, stored } = credentialChain(semantics, data);
			const viaHttp = await run(3, httpRequestNode(whoAmI(), 'legacy', true));
			for (const item of viaHttp.output('HTTP Request')) expect(item).toMatchObject({ ok: false });
			const viaGet = await run(1, aacNode({ resource: 'accessToken', operation: 'get' }));
			expect(viaGet.error?.message).toMatch(/rejected the access token/);
			expect(String((viaGet.error as { description?: string }).description)).toMatch(
				/Token Keeper/,
			);
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 0 });
			expect(stored().refreshToken).toBe(pair.refreshToken);
		});
	},
);
