// The runtime-agnostic core on its own, part 2: the refresh policy against the real oidc-provider
// stand-in, and token-endpoint faults against a hand-written fake (core.pastedValues.test.ts has
// parsing and the issuer policy).
import {
	RefreshCoordinator,
	readCredential,
	type RefreshDependencies,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { fakeJwt, refusedIssuer } from './fakes/faultyTokenEndpoint';
import {
	useCoreServers,
	standIn,
	fake,
	countingDeps,
	rejection,
	fakeSettings,
} from './helpers/coreServers';

useCoreServers();

describe('refresh policy against the real OAuth server', () => {
	const standInSettings = (pair: { accessToken: string; refreshToken: string }) =>
		readCredential({ ...pair, allowCustomIssuer: true });

	test('sends the request AAC documents and rotates', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { deps, sent } = countingDeps();
		const result = await new RefreshCoordinator().obtain(standInSettings(pair), deps, {
			intent: 'refreshIfDue',
		});
		expect(sent).toHaveLength(1);
		expect(sent[0].url).toBe(`${standIn.issuer}/token`);
		expect(sent[0].headers['Content-Type']).toBe('application/x-www-form-urlencoded');
		expect(Object.fromEntries(new URLSearchParams(sent[0].body))).toEqual({
			grant_type: 'refresh_token',
			refresh_token: pair.refreshToken,
			client_id: standIn.clientId,
		});
		expect(result).toMatchObject({ refreshed: true, changed: true });
		expect(result.refreshToken).not.toBe(pair.refreshToken);
		expect(result.accessTokenExpiresAt).toBeGreaterThan(Date.now());
		expect(await standIn.familyAlive(result.refreshToken)).toBe(true);
	});

	test('100 concurrent callers with an expired token: 1 token request; stale callers get the newest pair', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		await standIn.resetStats();
		const coordinator = new RefreshCoordinator();
		const { deps, sent } = countingDeps();
		const settings = standInSettings(pair);
		const results = await Promise.all(
			Array.from({ length: 100 }, () =>
				coordinator.obtain(settings, deps, { intent: 'refreshIfDue' }),
			),
		);
		expect(sent).toHaveLength(1);
		expect(new Set(results.map((r) => r.refreshToken)).size).toBe(1);
		// A caller still holding the spent refresh token later: newest pair, no request.
		const stale = await coordinator.obtain(settings, deps, { intent: 'refreshIfDue' });
		expect(stale).toMatchObject({
			refreshed: false,
			changed: true,
			refreshToken: results[0].refreshToken,
		});
		expect(sent).toHaveLength(1);
		const stats = await standIn.stats();
		expect(stats).toMatchObject({
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
			maxUsesOfOneRefreshToken: 1,
		});
	});

	test('the synchronous hot-path check agrees with obtain', async () => {
		const coordinator = new RefreshCoordinator();
		const fresh = standInSettings(await standIn.mint());
		const expired = standInSettings(await standIn.mint({ accessTokenExpired: true }));
		expect(coordinator.isCurrent(fresh)).toBe(true);
		expect(coordinator.isCurrent(expired)).toBe(false);
		await coordinator.obtain(expired, countingDeps().deps, { intent: 'refreshIfDue' });
		// The caller still holding the rotated pair is not current: the process knows a newer one.
		expect(coordinator.isCurrent(expired)).toBe(false);
	});

	test('a rejected refresh token is never sent again', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		await standIn.revokeFamily(pair.refreshToken);
		await standIn.resetStats();
		const coordinator = new RefreshCoordinator();
		const { deps, sent } = countingDeps();
		const first = await rejection(
			coordinator.obtain(standInSettings(pair), deps, { intent: 'refreshIfDue' }),
		);
		expect(first.code).toBe('REFRESH_TOKEN_REJECTED');
		expect(first.message).toMatch(/rejected the refresh token/);
		expect(first.description).toMatch(/User Preferences → OAuth 2.0 API Tokens/);
		const again = await rejection(
			coordinator.obtain(standInSettings(pair), deps, { intent: 'refreshIfDue' }),
		);
		expect(again.code).toBe('REFRESH_TOKEN_REJECTED');
		expect(sent).toHaveLength(1);
		expect((await standIn.stats()).tokenRequests).toBe(1);
	});

	test('readers in refresh-operation-only mode never refresh and say where to look', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { deps, sent } = countingDeps();
		const error = await rejection(
			new RefreshCoordinator().obtain(standInSettings(pair), deps, { intent: 'read' }),
		);
		expect(error.code).toBe('ACCESS_TOKEN_EXPIRED');
		expect(error.description).toMatch(/keep-alive workflow/);
		expect(sent).toHaveLength(0);
	});

	test('a margin longer than the token lifetime does not refresh every call', async () => {
		// Stand-in tokens live 300 s; a 600 s margin would make every fresh token due at once.
		const pair = await standIn.mint({ accessTokenExpired: true });
		const coordinator = new RefreshCoordinator();
		const { deps, sent } = countingDeps();
		const first = await coordinator.obtain(
			readCredential({ ...pair, allowCustomIssuer: true, refreshMarginSeconds: 600 }),
			deps,
			{ intent: 'refreshIfDue' },
		);
		const again = await coordinator.obtain(
			readCredential({
				accessToken: first.accessToken,
				refreshToken: first.refreshToken,
				allowCustomIssuer: true,
				refreshMarginSeconds: 600,
			}),
			deps,
			{ intent: 'refreshIfDue' },
		);
		expect(first.refreshed).toBe(true);
		expect(again).toMatchObject({ refreshed: false, changed: false });
		expect(sent).toHaveLength(1);
	});

	test('the coordinator memory is bounded', async () => {
		const coordinator = new RefreshCoordinator(50);
		for (let i = 0; i < 120; i++) {
			fake.setScript(['pass']);
			await coordinator.obtain(
				fakeSettings({ refreshToken: `distinct-${i}` }),
				countingDeps().deps,
				{ intent: 'refreshIfDue' },
			);
		}
		expect(coordinator.size).toBeLessThanOrEqual(50);
	});
});

describe('token endpoint faults (hand-written fake server)', () => {
	const obtain = (deps: RefreshDependencies, overrides: Record<string, unknown> = {}) =>
		new RefreshCoordinator().obtain(fakeSettings(overrides), deps, { intent: 'refreshIfDue' });

	test('HTTP 503 (not processed) is sent again after Retry-After, then succeeds', async () => {
		fake.setScript(['status:503:1', 'status:503:1', 'pass']);
		const { deps, waits } = countingDeps();
		const result = await obtain(deps);
		expect(fake.requests).toHaveLength(3);
		expect(result.refreshed).toBe(true);
		expect(waits).toEqual([1000, 1000]);
	});

	test.each(['500', '502', '504'] as const)(
		'HTTP %s is ambiguous (a gateway may have forwarded it): sent once, never again',
		async (status) => {
			fake.setScript([`htmlPage:${status}`, 'pass']);
			const { deps, waits } = countingDeps();
			const error = await rejection(obtain(deps));
			expect(fake.requests).toHaveLength(1);
			expect(waits).toEqual([]);
			expect(error).toMatchObject({
				code: 'TOKEN_ENDPOINT_ERROR',
				httpStatus: Number(status),
				refreshTokenMaybeSpent: true,
				transient: false,
			});
			expect(error.message).toMatch(
				new RegExp(`HTTP ${status} with an HTML page\\. Nothing was saved`),
			);
			expect(error.description).toMatch(
				/may have rotated the refresh token; it was not sent again/,
			);
		},
	);

	test('persistent 503 stops after 3 attempts with a clear error', async () => {
		fake.setScript(['status:503:1']);
		const { deps } = countingDeps();
		const error = await rejection(obtain(deps));
		expect(fake.requests).toHaveLength(3);
		expect(error).toMatchObject({
			code: 'TOKEN_ENDPOINT_ERROR',
			httpStatus: 503,
			refreshTokenMaybeSpent: false,
		});
		expect(error.description).toMatch(/did not process the refresh/);
	});

	test('429 waits Retry-After, then succeeds', async () => {
		fake.setScript(['status:429:1', 'pass']);
		const { deps, waits } = countingDeps();
		await obtain(deps);
		expect(waits).toEqual([1000]);
		expect(fake.requests).toHaveLength(2);
	});

	test('a refused connection is retried (nothing was sent) and then reported', async () => {
		const issuer = await refusedIssuer();
		const { deps, sent, waits } = countingDeps();
		const error = await rejection(
			new RefreshCoordinator().obtain(
				readCredential({
					accessToken: fakeJwt({ iss: issuer, client_id: 'c', exp: 1 }),
					refreshToken: 'r',
					allowCustomIssuer: true,
				}),
				deps,
				{ intent: 'refreshIfDue' },
			),
		);
		expect(sent).toHaveLength(3);
		expect(waits).toEqual([500, 1000]);
		expect(error.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
		expect(error.message).toMatch(/could not be reached \(3 attempts\)/);
		expect(error.description).toMatch(/ECONNREFUSED/);
	});

	test.each([
		{ step: 'reset', message: /closed the connection before answering/ },
		{ step: 'stall', message: /did not answer within 1 s/ },
	] as const)('$step after sending is ambiguous: not repeated', async ({ step, message }) => {
		fake.setScript([step]);
		const { deps } = countingDeps();
		const error = await rejection(obtain(deps));
		expect(fake.requests).toHaveLength(1);
		expect(error.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
		expect(error.message).toMatch(message);
		expect(error.description).toMatch(/may have rotated/);
		expect(error.refreshTokenMaybeSpent).toBe(true);
	});

	test.each([
		{ step: 'htmlPage:200', message: /HTML page instead of JSON/ },
		{ step: 'nonJson', message: /body that is not JSON/ },
		{ step: 'truncatedJson', message: /body that is not JSON/ },
		{ step: 'noAccessToken', message: /without an access_token/ },
	] as const)('200 with $step: clear error, no retry', async ({ step, message }) => {
		fake.setScript([step]);
		const { deps } = countingDeps();
		const error = await rejection(obtain(deps));
		expect(error.code).toBe('BAD_TOKEN_RESPONSE');
		expect(error.message).toMatch(message);
		expect(fake.requests).toHaveLength(1);
	});

	test('200 without refresh_token: the server kept the refresh token (RFC 6749 §6); the new access token is stored with it', async () => {
		fake.setScript(['noRefreshToken', 'pass']);
		const coordinator = new RefreshCoordinator();
		const settings = fakeSettings();
		const result = await coordinator.obtain(settings, countingDeps().deps, {
			intent: 'refreshIfDue',
		});
		expect(fake.requests).toHaveLength(1);
		expect(result).toMatchObject({
			refreshed: true,
			changed: true,
			refreshTokenRotated: false,
			refreshToken: 'fake-refresh-original',
		});
		expect(result.update).toMatchObject({
			accessToken: result.accessToken,
			refreshToken: 'fake-refresh-original',
		});
		// The next run reads what was stored and uses it as it is: nothing due, nothing sent.
		const next = readCredential({ ...settings.input, ...result.update });
		expect(next.accessToken).toBe(result.accessToken);
		const again = await coordinator.obtain(next, countingDeps().deps, { intent: 'refreshIfDue' });
		expect(again).toMatchObject({ refreshed: false, changed: false });
		expect(fake.requests).toHaveLength(1);
	});

	test('invalid_grant is never retried; invalid_client names the client id field', async () => {
		fake.setScript(['invalidGrant']);
		const grant = await rejection(obtain(countingDeps().deps));
		expect(grant.code).toBe('REFRESH_TOKEN_REJECTED');
		expect(fake.requests).toHaveLength(1);
		fake.setScript(['invalidClient']);
		const client = await rejection(obtain(countingDeps().deps));
		expect(client.code).toBe('CLIENT_REJECTED');
		expect(client.message).toContain('"fake-client"');
		expect(client.description).toMatch(/Client ID field/);
		expect(fake.requests).toHaveLength(1);
	});
});
