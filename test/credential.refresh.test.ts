// The credential's refresh inside n8n-core's real workflow engine, against the real oidc-provider
// stand-in, saving like n8n 1.x and like n8n 2.x; the credential test (testedBy) and the
// persist-only stop.
import { NodeApiError, sleep, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import {
	PersistOnlyStop,
	isPersistOnlyStop,
} from '../nodes/AlteryxAnalyticsCloud/helpers/credentialWriter';
import { fakeJwt } from './fakes/faultyTokenEndpoint';
import type { TokenPair } from './helpers/standin';
import {
	useTokenServers,
	CRED,
	AAC_NODE,
	standIn,
	madeUpRefreshToken,
	setUp,
	get,
	refresh,
	inspect,
	apiCall,
	headerCall,
} from './helpers/credentialWorkflow';

useTokenServers();

describe.each(['n8n1', 'n8n2'] as const)('with n8n %s save semantics', (semantics) => {
	test('first use with an expired access token: 1 refresh, new pair saved, downstream call 200', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { run, stored, store } = setUp(semantics, pair);
		const result = await run(1, get, headerCall());

		expect(result.error).toBeUndefined();
		const [token] = result.output('AAC');
		expect(token).toMatchObject({
			refreshed: true,
			tokenType: 'Bearer',
			clientId: standIn.clientId,
			issuer: standIn.issuer,
			apiBaseUrl: standIn.origin,
		});
		expect(token.authorization).toBe(`Bearer ${token.accessToken}`);
		expect(token.expiresIn).toBeGreaterThan(200);
		expect(Object.values(token)).not.toContain(stored().refreshToken);
		expect(result.output('Header Request')).toEqual([
			{ status: 200, body: expect.objectContaining({ email: 'standin@example.com' }) },
		]);

		expect(stored().refreshToken).not.toBe(pair.refreshToken);
		expect(stored().accessToken).toBe(token.accessToken);
		expect(stored().lastRotatedAt).toEqual(expect.any(String));
		// Two saves: "refresh started" with the old pair (made before the token request), then the
		// new pair with that record cleared. Never anything else.
		expect(
			store.saves.map((save) => [save.data.refreshToken, Boolean(save.data.refreshStartedAt)]),
		).toEqual([
			[pair.refreshToken, true],
			[stored().refreshToken, false],
		]);
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
			apiOk: 1,
		});
		expect(await standIn.familyAlive(stored().refreshToken as string)).toBe(true);
	});

	test('the HTTP Request path (predefined credential) refreshes and saves on its own', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { run, stored } = setUp(semantics, {
			...pair,
			accessToken: `  Bearer ${pair.accessToken}\n`,
		});
		const result = await run(1, apiCall());
		expect(result.error).toBeUndefined();
		expect(result.output('HTTP Request')).toEqual([expect.objectContaining({ ok: true })]);
		expect(stored().refreshToken).not.toBe(pair.refreshToken);
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			reuseDetections: 0,
			apiOk: 1,
			apiUnauthorized: 0,
		});
	});

	test('a run inside the access token lifetime: 0 refreshes, nothing saved', async () => {
		const pair = await standIn.mint();
		const { run, store } = setUp(semantics, pair);
		const result = await run(3, get, headerCall());
		expect(result.error).toBeUndefined();
		expect(result.output('AAC').map((item) => item.refreshed)).toEqual([false, false, false]);
		expect(result.output('AAC')[0].accessToken).toBe(pair.accessToken);
		const viaCredential = await run(3, apiCall('http'));
		expect(viaCredential.error).toBeUndefined();
		expect(store.saves).toHaveLength(0);
		// 3 header requests, 3 through the credential, and Get's one question to AAC: the pasted
		// token's expiry is only its exp claim, on AAC's clock, so Get asks whether AAC accepts it.
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0, apiOk: 7 });
	});

	test('20 runs across several expiries: every refresh token used once, family alive', async () => {
		// Access tokens that live 3 s, refreshed 1 s before expiry: a refresh every few runs.
		await standIn.setAccessTokenTtl(3);
		try {
			const pair = await standIn.mint({ accessTokenTtlSeconds: 3 });
			const { run, stored } = setUp(semantics, { ...pair, refreshMarginSeconds: 1 });
			// Get asks AAC once per run whether it accepts the pasted token (its expiry is only its exp
			// claim, on AAC's clock); the tokens n8n received are timed on its own clock.
			let pastedTokenChecks = 0;
			for (let round = 0; round < 20; round++) {
				const result = await run(2, ...(round % 2 === 0 ? [get, headerCall()] : [apiCall()]));
				expect(result.error).toBeUndefined();
				if (round % 2 === 0 && result.output('AAC')[0].accessToken === pair.accessToken)
					pastedTokenChecks += 1;
				await sleep(350);
			}
			expect(pastedTokenChecks).toBeGreaterThanOrEqual(1);
			const stats = await standIn.stats();
			expect(stats.refreshGrantsOk).toBeGreaterThanOrEqual(3);
			expect(stats).toMatchObject({
				reuseDetections: 0,
				invalidGrants: 0,
				maxUsesOfOneRefreshToken: 1,
				apiUnauthorized: 0,
				apiOk: 40 + pastedTokenChecks,
			});
			expect(stats.tokenRequests).toBe(stats.refreshGrantsOk);
			expect(await standIn.familyAlive(stored().refreshToken as string)).toBe(true);
		} finally {
			await standIn.setAccessTokenTtl(300);
		}
	});

	test('100 concurrent requests with an expired token: exactly 1 refresh, 0 reuse', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { run, stored } = setUp(semantics, pair);
		const result = await run(100, apiCall());
		expect(result.error).toBeUndefined();
		expect(result.output('HTTP Request')).toHaveLength(100);
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			reuseDetections: 0,
			apiOk: 100,
			apiUnauthorized: 0,
		});
		expect(await standIn.familyAlive(stored().refreshToken as string)).toBe(true);
	});

	test('100 items into Get with an expired token: exactly 1 refresh, one token for all', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { run } = setUp(semantics, pair);
		const result = await run(100, get);
		const output = result.output('AAC');
		expect(output).toHaveLength(100);
		expect(new Set(output.map((item) => item.accessToken)).size).toBe(1);
		expect(result.run.data.resultData.runData.AAC[0].data!.main[0]![99].pairedItem).toEqual({
			item: 99,
		});
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
	});

	test('a stale caller with an already-rotated refresh token gets the newest pair, 0 refreshes', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { id, run, stored, store } = setUp(semantics, pair);
		await run(1, get);
		const newest = stored();
		expect(newest.refreshToken).not.toBe(pair.refreshToken);
		await standIn.resetStats();

		// The credential as a stale reader saw it: the spent pair.
		store.write(id, { ...newest, ...pair });
		const viaNode = await run(1, get);
		expect(viaNode.output('AAC')[0]).toMatchObject({
			accessToken: newest.accessToken,
			refreshed: false,
		});
		store.write(id, { ...newest, ...pair });
		const viaCredential = await run(1, apiCall());
		expect(viaCredential.error).toBeUndefined();
		expect(stored().refreshToken).toBe(newest.refreshToken);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0, reuseDetections: 0, apiOk: 1 });
	});

	test('Refresh rotates a fresh token and saves it; Inspect makes no request and shows no secret', async () => {
		const pair = await standIn.mint();
		const { run, stored } = setUp(semantics, pair);
		const refreshed = await run(2, refresh);
		expect(refreshed.output('AAC').map((item) => item.refreshed)).toEqual([true, true]);
		expect(stored().refreshToken).not.toBe(pair.refreshToken);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1 });

		await standIn.resetStats();
		const inspected = await run(1, inspect);
		const [info] = inspected.output('AAC');
		expect(info).toMatchObject({
			clientId: standIn.clientId,
			clientIdSource: 'access token',
			issuer: standIn.issuer,
			issuerPolicy: expect.stringMatching(/custom issuer/),
			tokenEndpoint: `${standIn.issuer}/token`,
			accessTokenExpired: false,
			refreshMode: 'automatic',
			refreshMarginSeconds: 60,
			lastRotatedAt: stored().lastRotatedAt,
		});
		expect(JSON.stringify(info)).not.toContain(stored().accessToken as string);
		expect(JSON.stringify(info)).not.toContain(stored().refreshToken as string);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0, apiRequests: 0 });
	});

	test('invalid_grant after the family was revoked: the stated error, nothing saved, sent once', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		await standIn.revokeFamily(pair.refreshToken);
		for (const nodes of [[get], [apiCall()]]) {
			const { run, stored, store } = setUp(semantics, pair);
			const result = await run(3, ...nodes);
			expect(result.error?.message).toMatch(/Alteryx Analytics Cloud rejected the refresh token/);
			expect((result.error as { description?: string }).description).toMatch(
				/already used.*User Preferences → OAuth 2.0 API Tokens/s,
			);
			// The node records the refresh as started and, AAC having answered no, clears it again;
			// the HTTP Request path saves nothing. The pair is never touched.
			expect(store.saves.map((save) => save.data.refreshStartedAt)).toEqual(
				nodes[0] === get ? [expect.any(String), ''] : [],
			);
			expect(stored()).toMatchObject({
				refreshToken: pair.refreshToken,
				accessToken: pair.accessToken,
			});
			expect(stored().refreshStartedAt || undefined).toBeUndefined();
		}
		// n8n calls preAuthentication again after any error; the rejected token is not sent again.
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, invalidGrants: 1 });
	});

	test('invalid_grant after a refresh that never saved its result: the message says so', async () => {
		// What a crash between AAC's rotation and n8n's save leaves: the old pair plus the record.
		const pair = await standIn.mint({ accessTokenExpired: true });
		await standIn.revokeFamily(pair.refreshToken);
		const startedAt = '2026-11-29T10:31:02.000Z';
		const { run, stored } = setUp(semantics, { ...pair, refreshStartedAt: startedAt });
		const inspected = await run(1, inspect);
		expect(inspected.output('AAC')[0]).toMatchObject({ unsavedRefreshStartedAt: startedAt });
		const result = await run(1, refresh);
		expect(result.error?.message).toMatch(
			new RegExp(`an earlier refresh, started at ${startedAt}, never saved its result`),
		);
		expect((result.error as { description?: string }).description).toMatch(
			/n8n stopped .* before saving the new pair.*Generate a new token pair/s,
		);
		// Still unknown what became of that refresh: the record stays, the pair is untouched.
		expect(stored()).toMatchObject({
			refreshToken: pair.refreshToken,
			refreshStartedAt: startedAt,
		});
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, invalidGrants: 1 });
	});

	test('Inspect shows a refresh record written after an earlier Inspect of the same tokens', async () => {
		// The record is not one of the token fields, so settings read from the same tokens are
		// shared: Inspect must read the record from the credential's data, not from them.
		const pair = await standIn.mint();
		const { run, store, id, stored } = setUp(semantics, pair);
		const before = await run(1, inspect);
		expect(before.output('AAC')[0]).toMatchObject({ unsavedRefreshStartedAt: null });
		const startedAt = '2026-12-08T01:02:03.000Z';
		store.write(id, { ...stored(), refreshStartedAt: startedAt });
		const after = await run(1, inspect);
		expect(after.output('AAC')[0]).toMatchObject({ unsavedRefreshStartedAt: startedAt });
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0 });
	});

	test('hostile issuers in n8n: error, nothing saved (the core test counts 0 requests for 28 of them)', async () => {
		for (const iss of [
			'https://pingauth.alteryxcloud.com.evil.example/as',
			'https://evil.example/as',
			'http://169.254.169.254/as',
		]) {
			const { run, store } = setUp(semantics, {
				accessToken: fakeJwt({ iss, client_id: 'c', exp: 1 }),
				refreshToken: madeUpRefreshToken(),
				allowCustomIssuer: false,
			});
			const result = await run(1, apiCall());
			expect(result.error?.message).toMatch(/is not allowed: .*Nothing was sent/);
			expect(store.saves).toHaveLength(0);
		}
	});

	test('mode "Refresh Operation Only": readers fail with a pointer to the keep-alive, Refresh writes', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const { run, stored } = setUp(semantics, { ...pair, refreshMode: 'refreshOperationOnly' });
		for (const nodes of [[get], [apiCall()]]) {
			const result = await run(1, ...nodes);
			expect(result.error?.message).toMatch(/Refresh Operation Only/);
			expect((result.error as { description?: string }).description).toMatch(/keep-alive workflow/);
		}
		expect((await standIn.stats()).tokenRequests).toBe(0);
		const keepAlive = await run(1, refresh);
		expect(keepAlive.error).toBeUndefined();
		expect(stored().refreshToken).not.toBe(pair.refreshToken);
		const reader = await run(5, apiCall());
		expect(reader.error).toBeUndefined();
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, apiOk: 5 });
	});

	test('mode "Refresh Operation Only": a reader holding an older pair than this process knows never writes', async () => {
		// The stale read a queue-mode worker can make just before its own keep-alive saves: the
		// reader must not store the pair it knows of, which another worker may have rotated since.
		const pair = await standIn.mint();
		const writer = setUp(semantics, { ...pair, refreshMode: 'refreshOperationOnly' });
		expect((await writer.run(1, refresh)).error).toBeUndefined();
		const staleReader = setUp(semantics, { ...pair, refreshMode: 'refreshOperationOnly' });
		const result = await staleReader.run(3, apiCall());
		expect(result.error).toBeUndefined();
		expect(staleReader.store.saves).toHaveLength(0);
		expect(staleReader.stored().refreshToken).toBe(pair.refreshToken);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, apiOk: 3, reuseDetections: 0 });
	});
});

describe('credential test (testedBy on the node)', () => {
	const credentialTest = new AlteryxAnalyticsCloud().methods.credentialTest
		.alteryxAnalyticsCloudTokenTest;
	const testCredential = (data: IDataObject) =>
		credentialTest.call({ helpers: {} } as never, {
			id: 'x',
			name: 'AAC',
			type: CRED,
			data: { allowCustomIssuer: true, ...data },
		});

	test('a valid access token: asks AAC who we are, never the token endpoint', async () => {
		const pair: TokenPair = await standIn.mint();
		expect(await testCredential({ ...pair })).toMatchObject({
			status: 'OK',
			message: expect.stringMatching(/Connection successful/),
		});
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0, apiOk: 1 });
	});

	test('an expired access token: structure checked, no request at all', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const result = await testCredential({ ...pair });
		expect(result).toMatchObject({
			status: 'OK',
			message: expect.stringMatching(/no API call was made/),
		});
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0, apiRequests: 0 });
	});

	test('a malformed token or a hostile issuer: an error naming the problem, no request', async () => {
		expect(await testCredential({ accessToken: 'nope', refreshToken: 'r' })).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(/"Access Token" is not a JWT/),
		});
		const hostile = await testCredential({
			accessToken: fakeJwt({ iss: 'https://evil.example/as', client_id: 'c', exp: 9999999999 }),
			refreshToken: 'r',
			allowCustomIssuer: false,
		});
		expect(hostile).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(/not allowed/),
		});
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 0, apiRequests: 0 });
	});
});

test('the persist-only stop is recognised however n8n wraps it', () => {
	const node: INode = {
		id: 'x',
		name: 'AAC',
		type: AAC_NODE,
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
	};
	const stop = new PersistOnlyStop();
	// n8n 2.x: a NodeApiError whose cause is the stop.
	expect(isPersistOnlyStop(new NodeApiError(node, stop as unknown as JsonObject))).toBe(true);
	// n8n 1.x: its NodeApiError drops the cause (a class field resets it) and keeps the message.
	expect(isPersistOnlyStop({ name: 'NodeApiError', message: stop.message, cause: undefined })).toBe(
		true,
	);
	expect(
		isPersistOnlyStop(
			new NodeApiError(node, new Error('connect ECONNREFUSED') as unknown as JsonObject),
		),
	).toBe(false);
});
