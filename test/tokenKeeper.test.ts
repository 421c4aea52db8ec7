// The Alteryx Analytics Cloud Token Keeper in n8n-core's real PollContext (the harness's poller:
// one context per activation, its poll() run again and again, as n8n's cron does) against the
// real oidc-provider stand-in. Counted at the stand-in: token requests, refresh grants, reuse
// detections; in the credential store: what was saved. Every poll must return null (no item, so
// no execution) outside Fetch Test Event.
import { sleep, type IDataObject, type INode, type INodeType } from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { sharedCoordinator } from '../nodes/AlteryxAnalyticsCloud/core';
import { AlteryxAnalyticsCloudTokenKeeper } from '../nodes/AlteryxAnalyticsCloudTokenKeeper/AlteryxAnalyticsCloudTokenKeeper.node';
import { CredentialStore, createHarness, type SaveSemantics } from './harness/n8n';
import { fakeJwt, refusedIssuer } from './fakes/faultyTokenEndpoint';
import { startStandIn, type StandIn } from './helpers/standin';
import { dateOnlyAt } from './helpers/clock';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const KEEPER = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudTokenKeeper';
const nodeTypes: Record<string, INodeType> = { [KEEPER]: new AlteryxAnalyticsCloudTokenKeeper() };
const HOUR = 3_600_000;
const GENERATE = /User Preferences → OAuth 2\.0 API Tokens → Generate/;

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
afterEach(() => {
	jest.useRealTimers();
});

let counter = 0;

/** A credential holding `data` and a Token Keeper workflow on it. */
function keeperOn(
	data: IDataObject,
	options: { semantics?: SaveSemantics; idleHours?: number } = {},
) {
	const id = `keeper-cred-${++counter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...data } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: options.semantics ?? 'n8n2',
	});
	const node: INode = {
		id: `keeper-node-${counter}`,
		name: 'Token Keeper',
		type: KEEPER,
		typeVersion: 1,
		position: [0, 0],
		parameters: {
			pollTimes: { item: [{ mode: 'everyMinute' }] },
			...(options.idleHours === undefined ? {} : { idleHours: options.idleHours }),
		},
		credentials: { [CRED]: { id, name: 'AAC' } },
	};
	const workflow = { nodes: [node], connections: {} };
	const staticData: IDataObject = {};
	return {
		id,
		store,
		stored: () => store.read(id),
		/** n8n activating the workflow ('init': at start; 'activate': a person switched it on). */
		activate: (activation: 'init' | 'activate' = 'init') =>
			harness.poller(workflow, 'Token Keeper', staticData, { activation }),
		/** Fetch Test Event in the editor. */
		fetchTestEvent: () =>
			harness.pollOnce(workflow, 'Token Keeper', staticData, { mode: 'manual' }),
	};
}

async function pollError(poll: () => Promise<unknown>): Promise<Error & { description?: string }> {
	try {
		await poll();
	} catch (error) {
		return error as Error & { description?: string };
	}
	throw new Error('expected the poll to throw');
}

describe.each([
	{ semantics: 'n8n2' as const, seconds: 9 },
	{ semantics: 'n8n1' as const, seconds: 5 },
])(
	'Refresh Operation Only ($semantics saves): 3-s access tokens, a poll every 200 ms for $seconds s',
	({ semantics, seconds }) => {
		test('one token request per lifetime, each once a third of it was left; readers never found it expired; no poll emits an item', async () => {
			await standIn.setAccessTokenTtl(3);
			const pair = await standIn.mint({ accessTokenTtlSeconds: 3 });
			const keeper = keeperOn({ ...pair, refreshMode: 'refreshOperationOnly' }, { semantics });
			const { poll } = keeper.activate();
			const started = Date.now();
			/** Per poll: when, and the stored access token's timing as the keeper saved it. */
			const seen: Array<{ at: number; token: string; receivedAt?: number; expiresAt?: number }> =
				[];
			while (Date.now() - started < seconds * 1000) {
				expect(await poll()).toBeNull();
				const stored = keeper.stored();
				const timing = stored.accessTokenTiming
					? (JSON.parse(String(stored.accessTokenTiming)) as {
							receivedAt: string;
							expiresAt: string;
						})
					: undefined;
				seen.push({
					at: Date.now(),
					token: String(stored.accessToken),
					receivedAt: timing ? Date.parse(timing.receivedAt) : undefined,
					expiresAt: timing ? Date.parse(timing.expiresAt) : undefined,
				});
				await sleep(200);
			}
			const stats = await standIn.stats();
			// The pasted pair (expiry judged by its exp claim, on AAC's clock) is replaced at once.
			expect(seen[0].token).not.toBe(pair.accessToken);
			const tokens = [...new Set(seen.map((entry) => entry.token))];
			expect(stats).toMatchObject({
				refreshGrantsOk: tokens.length,
				tokenRequests: tokens.length,
				reuseDetections: 0,
				maxUsesOfOneRefreshToken: 1,
			});
			// Each later refresh came once the token in use had a third of its 3 s or less left.
			for (let index = 1; index < tokens.length; index++) {
				const previous = seen.find((entry) => entry.token === tokens[index - 1])!;
				const replacedAt = seen.find((entry) => entry.token === tokens[index])!.receivedAt!;
				const age = replacedAt - previous.receivedAt!;
				expect(age).toBeGreaterThanOrEqual(2000);
				expect(age).toBeLessThan(3000);
			}
			// At every poll, the stored access token was still valid.
			for (const entry of seen) expect(entry.expiresAt! - entry.at).toBeGreaterThan(0);
			// As many refreshes as lifetimes spanned: one for the pasted pair, then one per 2-3 s.
			expect(tokens.length).toBeGreaterThanOrEqual(1 + Math.floor(seconds / 3));
			expect(tokens.length).toBeLessThanOrEqual(1 + Math.ceil(seconds / 2));
			expect(await standIn.familyAlive(String(keeper.stored().refreshToken))).toBe(true);
		}, 30_000);
	},
);

describe('Automatic mode: the keeper refreshes a refresh token nobody used for the idle limit', () => {
	test('not while it was used recently, nor for an access token that merely expired; once the limit passed, one refresh, then none until it passes again', async () => {
		const recent = await standIn.mint();
		const keeper = keeperOn({ ...recent }, { idleHours: 1 });
		const { poll } = keeper.activate();
		expect(await poll()).toBeNull();
		expect((await standIn.stats()).tokenRequests).toBe(0);

		// An expired access token issued a few minutes ago: requests refresh it when they need it.
		const expired = keeperOn({ ...(await standIn.mint({ accessTokenExpired: true })) });
		expect(await expired.activate().poll()).toBeNull();
		expect((await standIn.stats()).tokenRequests).toBe(0);

		dateOnlyAt(Date.now() + HOUR + 60_000);
		expect(await poll()).toBeNull();
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1 });
		expect(keeper.stored().refreshToken).not.toBe(recent.refreshToken);
		for (let round = 0; round < 3; round++) expect(await poll()).toBeNull();
		expect((await standIn.stats()).tokenRequests).toBe(1);

		dateOnlyAt(Date.now() + HOUR + 60_000);
		expect(await poll()).toBeNull();
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 2, reuseDetections: 0 });
	});
});

describe('a refresh token AAC rejected (the family revoked)', () => {
	test('the poll throws once with the fix; then nothing is sent and nothing reported, across a restart, until a day has passed; a new pair works at once', async () => {
		const pair = await standIn.mint();
		await standIn.revokeFamily(pair.refreshToken);
		const keeper = keeperOn({ ...pair, refreshMode: 'refreshOperationOnly' });
		const { poll } = keeper.activate();

		const error = await pollError(poll);
		expect(error.message).toMatch(/^Alteryx Analytics Cloud rejected the refresh token/);
		expect(error.description).toMatch(GENERATE);
		expect(error.description).toMatch(/does not send this refresh token again/);
		expect((await standIn.stats()).tokenRequests).toBe(1);
		// Recorded in the credential: a fingerprint, never the token.
		const record = String(keeper.stored().refreshTokenRejection);
		expect(record).toMatch(/"hash":"[0-9a-f]{64}"/);
		expect(record).not.toContain(pair.refreshToken);

		for (let round = 0; round < 3; round++) expect(await poll()).toBeNull();
		sharedCoordinator.clear(); // a restart: the memory is gone, the credential's record stays
		const afterRestart = keeper.activate();
		for (let round = 0; round < 3; round++) expect(await afterRestart.poll()).toBeNull();
		expect((await standIn.stats()).tokenRequests).toBe(1);

		dateOnlyAt(Date.now() + 25 * HOUR);
		const reminder = await pollError(afterRestart.poll);
		expect(reminder.message).toMatch(/rejected this refresh token at .*not sent again/);
		expect(reminder.description).toMatch(GENERATE);
		expect(await afterRestart.poll()).toBeNull();
		expect((await standIn.stats()).tokenRequests).toBe(1);
		jest.useRealTimers();

		// A person pastes a new pair: the next poll refreshes it (it was pasted) and says nothing.
		const fresh = await standIn.mint();
		keeper.store.write(keeper.id, {
			...keeper.stored(),
			accessToken: fresh.accessToken,
			refreshToken: fresh.refreshToken,
			accessTokenTiming: '',
		});
		expect(await afterRestart.poll()).toBeNull();
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 2, refreshGrantsOk: 1 });
		expect(await standIn.familyAlive(String(keeper.stored().refreshToken))).toBe(true);
	});

	test('a person switching the workflow on hears of it at once, even when it was reported an hour ago', async () => {
		const pair = await standIn.mint();
		await standIn.revokeFamily(pair.refreshToken);
		const keeper = keeperOn({ ...pair, refreshMode: 'refreshOperationOnly' });
		await pollError(keeper.activate().poll);
		expect((await standIn.stats()).tokenRequests).toBe(1);

		const switchedOn = keeper.activate('activate');
		const error = await pollError(switchedOn.poll);
		expect(error.description).toMatch(GENERATE);
		expect(await switchedOn.poll()).toBeNull();
		expect((await standIn.stats()).tokenRequests).toBe(1);
	});
});

describe('failures that pass', () => {
	test('an unreachable token endpoint: quiet while the access token is valid, retried at every poll; reported once when it has expired', async () => {
		const issuer = await refusedIssuer();
		const seconds = Math.floor(Date.now() / 1000);
		const valid = fakeJwt({ iss: issuer, client_id: 'c', iat: seconds - 250, exp: seconds + 50 });
		const keeper = keeperOn({
			accessToken: valid,
			refreshToken: 'refresh-token-at-an-unreachable-issuer',
			refreshMode: 'refreshOperationOnly',
		});
		const { poll } = keeper.activate();
		expect(await poll()).toBeNull();
		expect(await poll()).toBeNull();

		const expired = keeperOn({
			accessToken: fakeJwt({ iss: issuer, client_id: 'c', iat: seconds - 400, exp: seconds - 100 }),
			refreshToken: 'another-refresh-token-at-an-unreachable-issuer',
			refreshMode: 'refreshOperationOnly',
		});
		const stuck = expired.activate();
		const error = await pollError(stuck.poll);
		expect(error.message).toMatch(
			/^The Token Keeper could not refresh the tokens, and the access token expired at /,
		);
		expect(await stuck.poll()).toBeNull();
	}, 30_000);

	test('Automatic mode, an unreachable token endpoint: quiet until the refresh token has gone unused for twice the idle limit, then reported once', async () => {
		const issuer = await refusedIssuer();
		const seconds = Math.floor(Date.now() / 1000);
		const keeper = keeperOn(
			{
				accessToken: fakeJwt({
					iss: issuer,
					client_id: 'c',
					iat: seconds - 4200,
					exp: seconds - 3900,
				}),
				refreshToken: ['refresh', 'token', 'unused', 'for', 'seventy', 'minutes'].join('-'),
			},
			{ idleHours: 1 },
		);
		const { poll } = keeper.activate();
		expect(await poll()).toBeNull(); // due (70 minutes unused), failed, quiet
		dateOnlyAt(Date.now() + 55 * 60_000);
		const error = await pollError(poll); // 125 minutes unused: more than twice the limit
		expect(error.message).toMatch(
			/^The Token Keeper could not refresh the tokens, and the refresh token was last used at /,
		);
		expect(await poll()).toBeNull();
	}, 30_000);

	test('n8n 2.x keeps an expression in the Refresh Token field: reported once ("could not be saved"), one token request, then quiet', async () => {
		const pair = await standIn.mint();
		const keeper = keeperOn(
			{
				accessToken: pair.accessToken,
				refreshToken: `={{ "${pair.refreshToken}" }}`,
				refreshMode: 'refreshOperationOnly',
			},
			{ semantics: 'n8n2' },
		);
		const { poll } = keeper.activate();
		const error = await pollError(poll);
		expect(error.message).toMatch(/^The rotated tokens could not be saved into the credential/);
		for (let round = 0; round < 3; round++) expect(await poll()).toBeNull();
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 });
	});
});

test('Fetch Test Event: one item describing the tokens, no token in it, nothing sent', async () => {
	const pair = await standIn.mint();
	const keeper = keeperOn({ ...pair, refreshMode: 'refreshOperationOnly' });
	const result = await keeper.fetchTestEvent();
	expect(result).toHaveLength(1);
	expect(result?.[0]).toHaveLength(1);
	const [item] = result![0];
	expect(item.json).toMatchObject({
		refreshMode: 'refreshOperationOnly',
		refreshed: false,
		dueNow: true, // a pasted pair: its expiry is only its exp claim
		accessTokenExpiryMeasured: "from the token's exp claim",
		refreshTokenRejectedAt: null,
	});
	expect(typeof item.json.accessTokenExpiresAt).toBe('string');
	const text = JSON.stringify(item.json);
	for (const token of [pair.accessToken, pair.refreshToken])
		for (let start = 0; start + 12 <= token.length; start += 6)
			expect(text).not.toContain(token.slice(start, start + 12));
	expect((await standIn.stats()).tokenRequests).toBe(0);
});
