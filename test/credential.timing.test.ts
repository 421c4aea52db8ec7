// The token hardening, where a user meets it: time. One overall deadline per token request, an
// outage inside the refresh margin, and a clock 10 minutes behind the issuer's.
import {
	RefreshCoordinator,
	readCredential,
	requestNewTokens,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { fakeJwt, refusedIssuer } from './fakes/faultyTokenEndpoint';
import {
	useTokenServers,
	fake,
	api,
	apiAuthorizations,
	madeUpRefreshToken,
	nowSeconds,
	fakeAccessToken,
	setUp,
	get,
	refresh,
	inspect,
	apiCall,
	fetchDeps,
	rejection,
	fakeSettings,
} from './helpers/credentialHardening';
import { dateOnlyAt } from './helpers/clock';

useTokenServers();

describe('one overall deadline per token request', () => {
	// The fake answers headers at once, then one byte every 500 ms for 30 s: an idle timeout of 1 s never fires.
	test('the core with the fetch transport gives up on a trickling answer after the timeout, sent once', async () => {
		fake.setScript(['trickle']);
		const { deps, sent } = fetchDeps();
		const started = Date.now();
		const error = await rejection(requestNewTokens(fakeSettings(), deps));
		expect(Date.now() - started).toBeLessThan(4000);
		expect(error).toMatchObject({
			code: 'TOKEN_ENDPOINT_UNREACHABLE',
			refreshTokenMaybeSpent: true,
		});
		expect(error.message).toMatch(/did not answer within 1 s/);
		expect(sent).toHaveLength(1);
		expect(fake.requests).toHaveLength(1);
	});

	test.each([
		{ path: "the node's Refresh", nodes: () => [refresh] },
		{
			path: 'the HTTP Request node with the credential',
			nodes: () => [apiCall(`${api.baseUrl}/v4/people/current`)],
		},
	])(
		'in n8n, $path gives up on a trickling answer after the 1 s timeout, sent once',
		async ({ nodes }) => {
			fake.setScript(['trickle']);
			const original = madeUpRefreshToken();
			const { run, stored } = setUp('n8n2', {
				accessToken: fakeAccessToken(),
				refreshToken: original,
				requestTimeoutSeconds: 1,
			});
			const started = Date.now();
			const result = await run(...nodes());
			expect(Date.now() - started).toBeLessThan(4000);
			expect(result.error?.message).toMatch(/did not answer within 1 s/);
			expect(fake.requests).toHaveLength(1);
			expect(apiAuthorizations).toEqual([]);
			expect(stored().refreshToken).toBe(original);
		},
		15_000,
	);
});

describe('an outage inside the refresh margin does not fail a still-valid access token', () => {
	// The access token lives 50 s more; the default margin of 60 s makes it due.
	const inTheMargin = () => fakeAccessToken({ iat: nowSeconds() - 250, exp: nowSeconds() + 50 });

	test('the core hands out the still-valid token on a 503 with Retry-After 60, without waiting', async () => {
		fake.setScript(['status:503:60']);
		const accessToken = inTheMargin();
		const settings = fakeSettings({ accessToken });
		const { deps, waits } = fetchDeps();
		const result = await new RefreshCoordinator().obtain(settings, deps, {
			intent: 'refreshIfDue',
		});
		expect(result).toMatchObject({
			accessToken,
			refreshToken: settings.refreshToken,
			refreshed: false,
			changed: false,
			update: {},
		});
		expect(result.refreshDeferred).toMatchObject({
			code: 'TOKEN_ENDPOINT_ERROR',
			httpStatus: 503,
			transient: true,
		});
		expect(waits).toEqual([]);
		expect(fake.requests).toHaveLength(1);
	});

	test('the core still fails a Refresh (rotate) loudly', async () => {
		fake.setScript(['status:503:60']);
		const settings = fakeSettings({ accessToken: inTheMargin() });
		const { deps, waits } = fetchDeps();
		const error = await rejection(
			new RefreshCoordinator().obtain(settings, deps, { intent: 'rotate' }),
		);
		expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_ERROR', httpStatus: 503 });
		// Rotating has no valid token to fall back on: it waits what the server asked, 3 attempts in all.
		expect(waits).toEqual([60_000, 60_000]);
		expect(fake.requests).toHaveLength(3);
	});

	test.each(['n8n1', 'n8n2'] as const)(
		'%s: Get and the HTTP Request node use the still-valid token on a 503 with Retry-After 60; Get says so; nothing changes',
		async (semantics) => {
			for (const nodes of [[get], [apiCall(`${api.baseUrl}/v4/people/current`)]]) {
				fake.setScript(['status:503:60']);
				apiAuthorizations.length = 0;
				const accessToken = inTheMargin();
				const original = madeUpRefreshToken();
				const { run, stored, store } = setUp(semantics, { accessToken, refreshToken: original });
				const started = Date.now();
				const result = await run(...nodes);
				expect(Date.now() - started).toBeLessThan(5000);
				// Get records the refresh before sending and clears the record again (AAC surely did not
				// rotate), both times with the unchanged pair; the HTTP Request path saves nothing.
				expect(
					store.saves.map((save) => [save.data.refreshToken, Boolean(save.data.refreshStartedAt)]),
				).toEqual(
					nodes[0] === get
						? [
								[original, true],
								[original, false],
							]
						: [],
				);
				expect(result.error).toBeUndefined();
				expect(fake.requests).toHaveLength(1);
				if (nodes[0] === get) {
					const [output] = result.output('AAC');
					expect(output).toMatchObject({ accessToken, refreshed: false });
					expect(output.refreshWarning).toMatch(/HTTP 503.*still valid until/);
				} else {
					expect(apiAuthorizations).toEqual([`Bearer ${accessToken}`]);
				}
				expect(stored()).toMatchObject({ accessToken, refreshToken: original });
				expect(stored().refreshStartedAt || '').toBe('');
			}
		},
		20_000,
	);

	test.each(['n8n1', 'n8n2'] as const)(
		'%s: a refused connection inside the margin: Get hands out the still-valid token and says so; Refresh fails loudly',
		async (semantics) => {
			const issuer = await refusedIssuer();
			const accessToken = fakeJwt({
				iss: issuer,
				client_id: 'fake-client',
				iat: nowSeconds() - 250,
				exp: nowSeconds() + 50,
			});
			const original = madeUpRefreshToken();
			const { run, stored } = setUp(semantics, { accessToken, refreshToken: original });

			const result = await run(get);
			expect(result.error).toBeUndefined();
			const [output] = result.output('AAC');
			expect(output).toMatchObject({ accessToken, refreshed: false });
			expect(output.refreshWarning).toMatch(
				/could not be reached \(3 attempts\).*still valid until/,
			);
			expect(stored()).toMatchObject({ accessToken, refreshToken: original, refreshStartedAt: '' });

			const rotate = await run(refresh);
			expect(rotate.error?.message).toMatch(/could not be reached \(3 attempts\)/);
			expect(rotate.output('AAC')).toEqual([]);
			expect(stored()).toMatchObject({ accessToken, refreshToken: original, refreshStartedAt: '' });
		},
		20_000,
	);
});

describe("clock skew: n8n's clock 10 minutes behind the issuer's", () => {
	test("a received token's expiry is measured on the local clock: due after about 5 minutes, not 15", async () => {
		// The fake issues iat/exp on a clock 10 minutes ahead of this one, without expires_in.
		fake.setScript(['clockAhead10min']);
		const t0 = Date.now();
		let now = t0;
		const coordinator = new RefreshCoordinator();
		const data = {
			accessToken: fakeAccessToken(),
			refreshToken: madeUpRefreshToken(),
			allowCustomIssuer: true,
		};
		const { deps } = fetchDeps({ now: () => now });
		const first = await coordinator.obtain(readCredential(data, now), deps, {
			intent: 'refreshIfDue',
		});
		expect(first.refreshed).toBe(true);
		expect(first.accessTokenExpiresAt - t0).toBeGreaterThanOrEqual(299_000);
		expect(first.accessTokenExpiresAt - t0).toBeLessThanOrEqual(301_000);
		const stored = { ...data, ...first.update };

		// 3 minutes on: fresh.
		now = t0 + 180_000;
		const fresh = readCredential(stored, now);
		expect(fresh.accessTokenExpirySource).toBe('received');
		expect(fresh.accessTokenExpiresAt).toBe(first.accessTokenExpiresAt);
		expect(coordinator.isCurrent(fresh, now)).toBe(true);
		expect((await coordinator.obtain(fresh, deps, { intent: 'refreshIfDue' })).refreshed).toBe(
			false,
		);
		expect(fake.requests).toHaveLength(1);

		// 4.5 minutes on (inside the 60 s margin of a 5-minute token): due, refreshed with the new refresh token.
		fake.setScript(['pass']);
		now = t0 + 270_000;
		const due = readCredential(stored, now);
		expect(coordinator.isCurrent(due, now)).toBe(false);
		const second = await coordinator.obtain(due, deps, { intent: 'refreshIfDue' });
		expect(second.refreshed).toBe(true);
		expect(fake.requests).toHaveLength(1);
		expect(fake.requests[0].form.refresh_token).toBe(first.refreshToken);
	});

	test.each(['n8n1', 'n8n2'] as const)(
		'%s: a token received from a clock 10 minutes ahead is refreshed by Get 4.5 minutes later',
		async (semantics) => {
			fake.setScript(['clockAhead10min', 'pass']);
			const { run, stored } = setUp(semantics, {
				accessToken: fakeAccessToken(),
				refreshToken: madeUpRefreshToken(),
			});
			const first = await run(get);
			expect(first.error).toBeUndefined();
			expect(first.output('AAC')[0]).toMatchObject({ refreshed: true });
			expect(first.output('AAC')[0].expiresIn).toBeLessThanOrEqual(300);
			const received = stored();
			expect(received.refreshToken).toBe(fake.issuedRefreshTokens.at(-1));

			dateOnlyAt(Date.now() + 270_000); // n8n's clock moves on 4.5 minutes
			try {
				const later = await run(get);
				expect(later.error).toBeUndefined();
				expect(later.output('AAC')[0]).toMatchObject({ refreshed: true });
			} finally {
				jest.useRealTimers();
			}
			expect(fake.requests).toHaveLength(2);
			expect(fake.requests[1].form.refresh_token).toBe(received.refreshToken);
		},
	);

	test('a pasted token whose iat lies 10 minutes ahead is flagged, and its expiry moved earlier by as much', async () => {
		const now = Date.now();
		const iat = Math.floor(now / 1000) + 600;
		const accessToken = fakeAccessToken({ iat, exp: iat + 900 });
		const settings = readCredential(
			{ accessToken, refreshToken: madeUpRefreshToken(), allowCustomIssuer: true },
			now,
		);
		// Expires 15 minutes after it was issued, which on this clock was about now (its exp is 25 minutes away).
		expect(settings.accessTokenExpiresAt - now).toBeGreaterThan(895_000);
		expect(settings.accessTokenExpiresAt - now).toBeLessThanOrEqual(900_000);
		expect(settings.clockBehindMs! / 1000).toBeCloseTo(600, -1);
		expect(settings.accessTokenExpirySource).toBe('claims');

		const { run } = setUp('n8n2', { accessToken, refreshToken: madeUpRefreshToken() });
		const [info] = (await run(inspect)).output('AAC');
		expect(info.clockBehindSeconds).toBeGreaterThanOrEqual(598);
		expect(info.clockBehindSeconds).toBeLessThanOrEqual(601);
		// Not at its exp (25 minutes from now on this clock) but 15 minutes from now.
		expect(Date.parse(info.accessTokenExpiresAt as string) - now).toBeLessThan(905_000);
	});
});
