// Proves the AAC stand-in behaves like AAC where it matters to the credential:
// rotating refresh tokens, reuse detection that kills the family, JWT access
// tokens accepted/rejected by the API, form-only token endpoint.
import { sleep } from 'n8n-workflow';

import { startStandIn, StandIn } from './helpers/standin';

interface TokenResponse {
	access_token?: string;
	refresh_token?: string;
	token_type?: string;
	expires_in?: number;
	error?: string;
}

let standIn: StandIn;

beforeAll(async () => {
	standIn = await startStandIn({ contract: 'off' });
});

afterAll(async () => {
	await standIn?.stop();
});

beforeEach(async () => {
	await standIn.resetStats();
});

async function refresh(refreshToken: string): Promise<{ status: number; body: TokenResponse }> {
	const res = await fetch(standIn.tokenEndpoint, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
		body: new URLSearchParams({
			grant_type: 'refresh_token',
			refresh_token: refreshToken,
			client_id: standIn.clientId,
		}),
	});
	return { status: res.status, body: (await res.json()) as TokenResponse };
}

async function callApi(path: string, accessToken: string) {
	return fetch(`${standIn.apiBaseUrl}${path}`, {
		headers: { authorization: `Bearer ${accessToken}` },
	});
}

function jwtPayload(token: string): Record<string, unknown> {
	const parts = token.split('.');
	expect(parts).toHaveLength(3);
	return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

test('rotation, reuse detection and family revocation', async () => {
	const first = await standIn.mint();
	expect(await standIn.familyAlive(first.refreshToken)).toBe(true);

	const rotated = await refresh(first.refreshToken);
	expect(rotated.status).toBe(200);
	expect(rotated.body).toEqual(expect.objectContaining({ token_type: 'Bearer', expires_in: 300 }));
	expect(typeof rotated.body.access_token).toBe('string');
	expect(typeof rotated.body.refresh_token).toBe('string');
	expect(rotated.body.refresh_token).not.toBe(first.refreshToken);
	const newest = rotated.body.refresh_token as string;

	// The old refresh token is consumed, the new one is live.
	expect(await standIn.familyAlive(first.refreshToken)).toBe(false);
	expect(await standIn.familyAlive(newest)).toBe(true);
	expect((await callApi('/v4/plans', rotated.body.access_token as string)).status).toBe(200);

	// Reusing the consumed token revokes the whole family, newest token included.
	const reused = await refresh(first.refreshToken);
	expect(reused.status).toBe(400);
	expect(reused.body.error).toBe('invalid_grant');
	expect(await standIn.familyAlive(newest)).toBe(false);
	const afterRevoke = await refresh(newest);
	expect(afterRevoke.status).toBe(400);
	expect(afterRevoke.body.error).toBe('invalid_grant');

	expect(await standIn.stats()).toEqual({
		tokenRequests: 3,
		refreshGrantsOk: 1,
		invalidGrants: 2,
		reuseDetections: 1,
		apiRequests: 1,
		apiOk: 1,
		apiUnauthorized: 0,
		maxUsesOfOneRefreshToken: 2,
		refreshTokensPresented: 3,
	});

	const issued = await standIn.issuedRefreshTokens();
	expect(issued).toEqual(expect.arrayContaining([first.refreshToken, newest]));
});

test('API accepts fresh JWTs and rejects expired or missing ones', async () => {
	const fresh = await standIn.mint();
	const expired = await standIn.mint({ accessTokenExpired: true });

	const ok = await callApi('/v4/people/current', fresh.accessToken);
	expect(ok.status).toBe(200);
	expect(await ok.json()).toEqual({ id: 1, email: 'standin@example.com', name: 'Stand-in User' });

	const plans = await callApi('/v4/plans', fresh.accessToken);
	expect(await plans.json()).toEqual({ data: [{ id: 1, name: 'Demo plan' }] });

	const rejected = await callApi('/v4/people/current', expired.accessToken);
	expect(rejected.status).toBe(401);
	expect(rejected.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
	expect(await rejected.json()).toEqual({ error: 'invalid_token' });

	// A tampered signature is rejected too.
	const [h, p, s] = fresh.accessToken.split('.');
	const tampered = `${h}.${p}.${s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`}`;
	expect((await callApi('/v4/people/current', tampered)).status).toBe(401);
	expect((await fetch(`${standIn.apiBaseUrl}/v4/plans`)).status).toBe(401);
	expect((await fetch(`${standIn.apiBaseUrl}/v4/nope`)).status).toBe(404);

	// The expired token is properly signed and the refresh token still works.
	const payload = jwtPayload(expired.accessToken);
	expect(payload.exp as number).toBeLessThan(Date.now() / 1000);
	expect((await refresh(expired.refreshToken)).status).toBe(200);

	expect(await standIn.stats()).toEqual(
		expect.objectContaining({
			apiRequests: 5,
			apiOk: 2,
			apiUnauthorized: 3,
			refreshGrantsOk: 1,
			invalidGrants: 0,
			reuseDetections: 0,
		}),
	);
});

test('JWT payload carries iss, client_id, exp, iat, sub', async () => {
	const { accessToken } = await standIn.mint();
	const payload = jwtPayload(accessToken);
	expect(payload.iss).toBe(standIn.issuer);
	expect(payload.client_id).toBe(standIn.clientId);
	expect(payload.sub).toBe('standin-user');
	expect(typeof payload.iat).toBe('number');
	expect((payload.exp as number) - (payload.iat as number)).toBe(300);
	expect(standIn.tokenEndpoint).toBe(`${standIn.issuer}/token`);
});

test('admin revoke-family kills the family', async () => {
	const pair = await standIn.mint();
	expect(await standIn.revokeFamily(pair.refreshToken)).toBe(true);
	expect(await standIn.familyAlive(pair.refreshToken)).toBe(false);
	const res = await refresh(pair.refreshToken);
	expect(res.status).toBe(400);
	expect(res.body.error).toBe('invalid_grant');
	expect(await standIn.stats()).toEqual(
		expect.objectContaining({
			tokenRequests: 1,
			invalidGrants: 1,
			reuseDetections: 0,
			refreshGrantsOk: 0,
		}),
	);
});

test('token endpoint rejects a JSON body', async () => {
	const pair = await standIn.mint();
	const res = await fetch(standIn.tokenEndpoint, {
		method: 'POST',
		headers: { 'content-type': 'application/json', accept: 'application/json' },
		body: JSON.stringify({
			grant_type: 'refresh_token',
			refresh_token: pair.refreshToken,
			client_id: standIn.clientId,
		}),
	});
	expect(res.status).toBe(400);
	expect(((await res.json()) as TokenResponse).error).toBe('invalid_request');
	// The refresh token was not consumed by the rejected request.
	expect(await standIn.familyAlive(pair.refreshToken)).toBe(true);
	expect(await standIn.stats()).toEqual(
		expect.objectContaining({
			tokenRequests: 1,
			refreshTokensPresented: 0,
			refreshGrantsOk: 0,
		}),
	);
});

test('access token TTL can be changed at runtime', async () => {
	await standIn.setAccessTokenTtl(42);
	try {
		const pair = await standIn.mint();
		const minted = jwtPayload(pair.accessToken);
		expect((minted.exp as number) - (minted.iat as number)).toBe(42);
		const res = await refresh(pair.refreshToken);
		expect(res.body.expires_in).toBe(42);
		const refreshed = jwtPayload(res.body.access_token as string);
		expect((refreshed.exp as number) - (refreshed.iat as number)).toBe(42);
	} finally {
		await standIn.setAccessTokenTtl(300);
	}
});

test('a short idle lifetime for refresh tokens: used in time, each rotation starts it anew; unused, it expires and the family is gone; the refresh log says so', async () => {
	// oidc-provider counts whole seconds: a 3-s lifetime ends 2 to 3 s after the issue.
	await standIn.setRefreshTokenTtl(3);
	try {
		const pair = await standIn.mint();
		let refreshToken = pair.refreshToken;
		// Used every 1.2 s, inside its idle lifetime: 3 rotations, 3.6 s in all, more than one lifetime.
		for (let round = 0; round < 3; round++) {
			await sleep(1200);
			const rotated = await refresh(refreshToken);
			expect(rotated.status).toBe(200);
			refreshToken = rotated.body.refresh_token as string;
		}
		expect(await standIn.familyAlive(refreshToken)).toBe(true);
		// Then left alone for longer than its idle lifetime.
		await sleep(3500);
		expect(await standIn.familyAlive(refreshToken)).toBe(false);
		const late = await refresh(refreshToken);
		expect(late.status).toBe(400);
		expect(late.body.error).toBe('invalid_grant');
		const log = await standIn.refreshLog();
		expect(log.map((entry) => entry.ok)).toEqual([true, true, true, false]);
		expect(log[1].at - log[0].at).toBeGreaterThanOrEqual(1100);
		expect(JSON.stringify(log)).not.toContain(refreshToken);
	} finally {
		await standIn.setRefreshTokenTtl(30 * 86400);
	}
});
