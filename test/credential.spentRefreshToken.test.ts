// A refresh token this package spent is never sent again, even when n8n keeps handing it back
// after the process forgot it (issue #19, item 19). n8n 2.x keeps an expression in the Refresh
// Token field when it saves a rotated pair, so the field goes on resolving to the spent token.
// Process memory caught that for a while (30 s, then "could not be saved"), but not after a
// restart or after 1,000 other rotations pushed it out: the spent token was sent and AAC revoked
// the family. The credential now keeps a fingerprint (SHA-256, never the token) of the refresh
// token each rotation spent, and no path sends a token with that fingerprint.
import { sleep } from 'n8n-workflow';

import {
	AacTokenError,
	RefreshCoordinator,
	readCredential,
	sharedCoordinator,
	type RefreshDependencies,
	type TokenHttpResponse,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { aacNode, credentialChain, httpRequestNode } from './helpers/chain';
import { fakeJwt } from './fakes/faultyTokenEndpoint';
import { startStandIn, type StandIn } from './helpers/standin';

let standIn: StandIn;
beforeAll(async () => {
	standIn = await startStandIn();
});
afterAll(async () => {
	await standIn?.stop();
});
beforeEach(async () => {
	await standIn.resetStats();
	await standIn.setAccessTokenTtl(300);
	sharedCoordinator.clear();
});

const NOT_SAVED = /^The rotated tokens could not be saved into the credential/;
/** What a restart leaves of the process: nothing in memory. */
const restart = () => sharedCoordinator.clear();

/** An expired pasted pair whose Refresh Token field is an expression resolving to the token. */
async function expressionCredential(semantics: 'n8n1' | 'n8n2') {
	const pair = await standIn.mint({ accessTokenExpired: true });
	const chain = credentialChain(semantics, {
		accessToken: pair.accessToken,
		refreshToken: `={{ "${pair.refreshToken}" }}`,
		allowCustomIssuer: true,
		apiBaseUrl: standIn.apiBaseUrl,
	});
	return { pair, ...chain };
}

/** The access tokens the next refresh issues live 2 s: due again (1 s margin) after a short wait. */
async function shortTokens() {
	await standIn.setAccessTokenTtl(2);
}

describe('n8n 2.x keeps the expression: the spent refresh token comes back', () => {
	test('HTTP Request path, after a restart: "could not be saved", nothing sent, the family alive', async () => {
		const { run, stored } = await expressionCredential('n8n2');
		await shortTokens();
		const first = await run(1, httpRequestNode(`${standIn.apiBaseUrl}/v4/people/current`));
		expect(first.error).toBeUndefined();
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1 });
		const rotated = (await standIn.issuedRefreshTokens()).at(-1) as string;
		expect(String(stored().refreshToken)).toMatch(/^=\{\{/); // n8n kept the expression
		// What the credential stores about the spent token is a fingerprint, not the token.
		expect(JSON.stringify(stored())).not.toContain(rotated);

		restart();
		await sleep(1500); // the 2-s access token is inside its margin now
		const second = await run(1, httpRequestNode(`${standIn.apiBaseUrl}/v4/people/current`));
		expect(second.error?.message).toMatch(NOT_SAVED);
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			refreshTokensPresented: 1,
			reuseDetections: 0,
		});
		expect(await standIn.familyAlive(rotated)).toBe(true);
	});

	test('Refresh operation, after a restart: "could not be saved", nothing sent, the family alive', async () => {
		const { run } = await expressionCredential('n8n2');
		const first = await run(1, aacNode({ resource: 'accessToken', operation: 'refresh' }));
		// The rotation happened, the save could not replace the expression: the node says so.
		expect(first.error?.message).toMatch(NOT_SAVED);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1 });
		const rotated = (await standIn.issuedRefreshTokens()).at(-1) as string;

		restart();
		const second = await run(1, aacNode({ resource: 'accessToken', operation: 'refresh' }));
		expect(second.error?.message).toMatch(NOT_SAVED);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
		expect(await standIn.familyAlive(rotated)).toBe(true);
	});

	test('n8n 1.x writes the value over the expression: after a restart the next refresh simply works', async () => {
		const { run, stored } = await expressionCredential('n8n1');
		await shortTokens();
		expect(
			(await run(1, httpRequestNode(`${standIn.apiBaseUrl}/v4/people/current`))).error,
		).toBeUndefined();
		const rotated = (await standIn.issuedRefreshTokens()).at(-1) as string;
		expect(stored().refreshToken).toBe(rotated);

		restart();
		await sleep(1500);
		const second = await run(1, httpRequestNode(`${standIn.apiBaseUrl}/v4/people/current`));
		expect(second.error).toBeUndefined();
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 2,
			refreshGrantsOk: 2,
			reuseDetections: 0,
		});
	});
});

test('after other rotations pushed it out of memory (a bounded memory of 2 here, 1,000 in n8n), the spent token is still not sent', async () => {
	const issuer = 'https://issuer.example/as';
	const sent: string[] = [];
	let issued = 0;
	const deps: RefreshDependencies = {
		sleep: async () => undefined,
		transport: async (request): Promise<TokenHttpResponse> => {
			sent.push(new URLSearchParams(request.body).get('refresh_token') ?? '');
			const iat = Math.floor(Date.now() / 1000);
			return {
				status: 200,
				headers: {},
				body: {
					access_token: fakeJwt({ iss: issuer, client_id: 'c', iat, exp: iat + 300 }),
					refresh_token: `rotated-${++issued}`,
					token_type: 'Bearer',
					expires_in: 300,
				},
			};
		},
	};
	const expired = (refreshToken: string) => ({
		accessToken: fakeJwt({ iss: issuer, client_id: 'c', exp: Math.floor(Date.now() / 1000) - 5 }),
		refreshToken,
		allowCustomIssuer: true,
	});
	const coordinator = new RefreshCoordinator(2);

	// Credential A rotates; n8n 2.x saves every field but the Refresh Token (an expression).
	const a = expired('refresh-of-credential-a');
	const rotatedA = await coordinator.obtain(readCredential(a), deps, { intent: 'rotate' });
	const savedWithoutRefreshToken: Record<string, string> = { ...rotatedA.update };
	delete savedWithoutRefreshToken.refreshToken;
	const storedA = { ...a, ...savedWithoutRefreshToken };
	// Two other credentials rotate: A's tokens leave the memory.
	for (const other of ['refresh-of-credential-b', 'refresh-of-credential-c'])
		await coordinator.obtain(readCredential(expired(other)), deps, { intent: 'rotate' });
	expect(coordinator.newestKnown('refresh-of-credential-a')).toBeUndefined();
	expect(sent).toHaveLength(3);

	// A's access token is due again; its field still resolves to the spent token.
	const dueA = readCredential({
		...storedA,
		accessToken: expired('x').accessToken,
		accessTokenTiming: '',
	});
	expect(dueA.refreshToken).toBe('refresh-of-credential-a');
	const error = await coordinator.obtain(dueA, deps, { intent: 'refreshIfDue' }).then(
		() => undefined,
		(caught: unknown) => caught as AacTokenError,
	);
	expect(error?.code).toBe('ROTATION_NOT_SAVED');
	expect(sent).toHaveLength(3);
});
