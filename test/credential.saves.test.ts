// The token hardening, where a user meets it: what the package saves. Every write carries the newest
// pair; what it accepts, the next run can read; another issuer does not move the next refresh; two
// credentials holding one pair.
import {
	RefreshCoordinator,
	readCredential,
	requestNewTokens,
	sharedCoordinator,
	type TokenSettings,
} from '../nodes/AlteryxAnalyticsCloud/core';
import type { FaultStep } from './fakes/faultyTokenEndpoint';
import {
	useTokenServers,
	standIn,
	fake,
	seen,
	madeUpRefreshToken,
	fakeAccessToken,
	setUp,
	get,
	refresh,
	fetchDeps,
	rejection,
	fakeSettings,
} from './helpers/credentialHardening';
import { dateOnlyAt } from './helpers/clock';

useTokenServers();

describe('every write the node makes carries the newest pair this process knows', () => {
	// Two steps in every case: another execution rotates P0 → P1 and saves P1, then the node runs
	// with the credential as it was read before that save landed (P0).
	test.each(['n8n1', 'n8n2'] as const)(
		'%s: a Refresh that read the credential before the last save writes its refresh record and its clean-up with the newest pair',
		async (semantics) => {
			for (const { script, maybeSpent } of [
				{ script: ['pass', 'htmlPage:500'] as FaultStep[], maybeSpent: true }, // the record stays (AAC may have rotated)
				{ script: ['pass', 'status:503:1'] as FaultStep[], maybeSpent: false }, // not processed: the record is cleaned up
			]) {
				fake.setScript(script);
				const original = madeUpRefreshToken();
				const { store, run, stored } = setUp(semantics, {
					accessToken: fakeAccessToken(),
					refreshToken: original,
					requestTimeoutSeconds: 1,
				});
				const beforeSave = stored();

				const other = await run(get);
				expect(other.error).toBeUndefined();
				const newest = stored();
				expect(newest.refreshToken).not.toBe(original);

				store.serveNextReadFrom(beforeSave);
				const savesBefore = store.saves.length;
				const result = await run(refresh);
				expect(store.servedFromSnapshot).toBe(1);
				expect(result.error?.message).toMatch(maybeSpent ? /HTTP 500/ : /HTTP 503/);
				// The record, and the clean-up when there is one, each carry the newest pair: with 1.x's
				// whole-object save, a write built from what the node read would put P0 back.
				const nodeSaves = store.saves.slice(savesBefore);
				for (const save of nodeSaves)
					expect(save.data).toMatchObject({
						refreshToken: newest.refreshToken,
						accessToken: newest.accessToken,
					});
				expect(stored()).toMatchObject({
					refreshToken: newest.refreshToken,
					accessToken: newest.accessToken,
				});
				expect(Boolean(stored().refreshStartedAt)).toBe(maybeSpent);
				expect(nodeSaves).toHaveLength(maybeSpent ? 1 : 2);
				// Only the newest refresh token was sent, never the spent one the node had read.
				expect(fake.requests.slice(1).map((request) => request.form.refresh_token)).toEqual(
					Array(maybeSpent ? 1 : 3).fill(newest.refreshToken),
				);
			}
		},
	);

	test.each(['n8n1', 'n8n2'] as const)(
		'%s: in Refresh Operation Only mode Get never writes, even when this process rotated since the credential was read',
		async (semantics) => {
			const pair = await standIn.mint();
			const { store, run, stored } = setUp(semantics, {
				...pair,
				refreshMode: 'refreshOperationOnly',
			});
			const beforeSave = stored();
			const keepAlive = await run(refresh);
			expect(keepAlive.error).toBeUndefined();
			const newest = stored();
			expect(newest.refreshToken).not.toBe(pair.refreshToken);

			store.serveNextReadFrom(beforeSave);
			const savesBefore = store.saves.length;
			const reader = await run(get);
			expect(store.servedFromSnapshot).toBe(1);
			expect(reader.error).toBeUndefined();
			// It hands out the newest access token this process knows, and saves nothing.
			expect(reader.output('AAC')[0]).toMatchObject({
				accessToken: newest.accessToken,
				refreshed: false,
			});
			expect(store.saves.length).toBe(savesBefore);
			expect(stored()).toEqual(newest);
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
		},
	);
});

describe('what the package accepts, the next run can read', () => {
	afterEach(() => {
		jest.useRealTimers();
	});

	/** Moves n8n's clock (Date only; timers stay real) `ms` ahead of now, running on from there. */
	function clockAhead(ms: number): void {
		dateOnlyAt(Date.now() + ms);
	}

	interface Accepted {
		answer: FaultStep;
		/** The credential's fields beside the tokens. */
		fields?: Record<string, unknown>;
	}
	const accepted: Accepted[] = [
		{ answer: 'noIss', fields: { issuer: '' } },
		{ answer: 'noClientId', fields: { clientId: '' } },
		{ answer: 'expAsString' },
		{ answer: 'opaqueAccessToken' },
		// A new token naming another issuer: the issuer in use is kept, the next refresh goes there.
		{ answer: 'foreignIss', fields: { issuer: '' } },
	];

	describe.each(['n8n1', 'n8n2'] as const)('%s', (semantics) => {
		test.each(accepted)(
			'an answer with $answer is saved, the next run sends nothing, the one after expiry refreshes with the new refresh token',
			async ({ answer, fields }) => {
				fake.setScript([answer, 'pass']);
				const original = madeUpRefreshToken();
				const { run, stored } = setUp(semantics, {
					accessToken: fakeAccessToken(),
					refreshToken: original,
					...fields,
				});

				const first = await run(get);
				expect(first.error).toBeUndefined();
				expect(fake.requests).toHaveLength(1);
				const saved = stored();
				expect(saved.refreshToken).toBe(fake.issuedRefreshTokens.at(-1));
				expect(first.output('AAC')[0]).toMatchObject({
					accessToken: saved.accessToken,
					refreshed: true,
				});

				// Fresh: read from what was stored, nothing sent, nothing saved.
				const second = await run(get);
				expect(second.error).toBeUndefined();
				expect(second.output('AAC')[0]).toMatchObject({
					accessToken: saved.accessToken,
					refreshed: false,
					issuer: fake.issuer,
					clientId: 'fake-client',
				});
				expect(fake.requests).toHaveLength(1);
				expect(stored()).toEqual(saved);

				// The access tokens live 300 s: five minutes and a bit later the run refreshes with the saved refresh token.
				clockAhead(301_000);
				const third = await run(get);
				expect(third.error).toBeUndefined();
				expect(third.output('AAC')[0]).toMatchObject({ refreshed: true });
				expect(fake.requests).toHaveLength(2);
				expect(fake.requests[1].form).toMatchObject({
					refresh_token: saved.refreshToken,
					client_id: 'fake-client',
				});
				expect(stored().refreshToken).toBe(fake.issuedRefreshTokens.at(-1));
			},
		);

		test.each(['spacedRefreshToken', 'alreadyExpired'] as const)(
			'an answer with %s is refused before anything is saved',
			async (answer) => {
				fake.setScript([answer]);
				const original = madeUpRefreshToken();
				const accessToken = fakeAccessToken();
				const { run, stored, store } = setUp(semantics, { accessToken, refreshToken: original });
				const result = await run(get);
				expect(result.error?.message).toMatch(/answered HTTP 200 but .*Nothing was saved/);
				expect(fake.requests).toHaveLength(1);
				expect(stored()).toMatchObject({ accessToken, refreshToken: original });
				// Only the refresh record: a 200 means AAC may have rotated, so it stays.
				expect(store.saves.map((save) => save.data.refreshToken)).toEqual([original]);
			},
		);
	});

	test.each(['spacedRefreshToken', 'alreadyExpired'] as const)(
		'the core refuses an answer with %s as BAD_TOKEN_RESPONSE',
		async (answer) => {
			fake.setScript([answer]);
			const { deps } = fetchDeps();
			const error = await rejection(requestNewTokens(fakeSettings(), deps));
			expect(error).toMatchObject({ code: 'BAD_TOKEN_RESPONSE', refreshTokenMaybeSpent: true });
			expect(fake.requests).toHaveLength(1);
		},
	);
});

// With the Issuer field empty, a 200 whose new access token names another issuer that the issuer
// policy allows (any https host, or loopback, with Allow Custom Issuer) must not move where the
// next refresh goes: the issuer used so far is written into the Issuer field.
test('an answer naming another issuer does not move where the next refresh goes', async () => {
	fake.setScript(['issElsewhere']);
	const settings = fakeSettings({ issuer: '' });
	expect(settings.issuerSource).toBe('access token');
	const { deps } = fetchDeps();
	let next: TokenSettings | undefined;
	try {
		const result = await new RefreshCoordinator().obtain(settings, deps, {
			intent: 'refreshIfDue',
		});
		next = readCredential({ ...settings.input, ...result.update });
	} catch (error) {
		seen.errors.push(error);
		expect(error).toMatchObject({ code: 'BAD_TOKEN_RESPONSE' });
	}
	expect(fake.requests).toHaveLength(1);
	expect(next?.tokenEndpoint).toBe(settings.tokenEndpoint);
});

describe('two credentials holding the same pair', () => {
	test("revoke each other's token family once the process restarts", async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const first = setUp('n8n2', pair);
		const second = setUp('n8n2', pair);
		expect((await first.run(get)).error).toBeUndefined();
		const rotated = first.stored().refreshToken as string;
		expect(rotated).not.toBe(pair.refreshToken);

		// Inside one process the second credential would be answered from the rotation memory; a
		// restart (a new coordinator: this process's one, emptied) forgets it.
		sharedCoordinator.clear();
		const result = await second.run(get);
		expect(result.error?.message).toMatch(/rejected the refresh token/);
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 2,
			refreshGrantsOk: 1,
			reuseDetections: 1,
		});
		// The first credential's pair died with the family.
		expect(await standIn.familyAlive(rotated)).toBe(false);
		const afterwards = await first.run(refresh);
		expect(afterwards.error?.message).toMatch(/rejected the refresh token/);
	});
});
