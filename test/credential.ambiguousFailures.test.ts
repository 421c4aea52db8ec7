// Issue 9, cases 1 and 2: failures after which AAC may have rotated the refresh token.
//
// Case 1: a gateway that forwards the refresh to AAC and then answers 500, 502 or 504, or resets
// the connection, has spent the refresh token without handing over the new pair. The rule: a
// refresh token is sent a second time only when it surely was not used (never sent, or 429/503
// "not processed"). Everything else is sent once; the error says AAC may have rotated; the node
// keeps its crash record so the next run's invalid_grant can say what happened.
// Case 2: n8n 2.x keeps a credential field that holds an expression, so on the HTTP Request path
// every rotated pair is silently lost. A refresh token this process rotated more than 30 s ago
// arriving again means the save did not land: fail loudly instead of serving from memory.
//
// Real parts: the oidc-provider stand-in (rotation, reuse detection) and n8n-core's WorkflowExecute
// (test/harness/). Hand-written: the fault proxy in between (test/fakes/faultProxy.js).
import {
	sleep,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeType,
} from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import {
	AacTokenError,
	RefreshCoordinator,
	createFetchTransport,
	readCredential,
	sharedCoordinator,
	type ObtainResult,
	type RefreshDependencies,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { CredentialStore, createHarness, type RunResult } from './harness/n8n';
import { StartNode, makeApiCallerNode } from './harness/testNodes';
import { startFaultProxy, type FaultProxy, type FaultStep } from './fakes/faultProxy';
import { collectSecrets, expectNoSecrets } from './helpers/secrets';
import { startStandIn, type StandIn, type TokenPair } from './helpers/standin';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	'test.apiCaller': makeApiCallerNode(CRED),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};

let standIn: StandIn;
let proxy: FaultProxy;
const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };

beforeAll(async () => {
	standIn = await startStandIn();
	proxy = await startFaultProxy({ upstream: standIn.issuer });
});

afterAll(async () => {
	// Across this file: no error, log line or output carries a refresh token.
	expectNoSecrets(await collectSecrets(standIn), seen);
	await Promise.all([proxy?.close(), standIn?.stop()]);
});

beforeEach(async () => {
	await standIn.resetStats();
});

/** The failures after which the stand-in has rotated but the client never got the new pair. */
const AMBIGUOUS: Array<{ step: FaultStep; status?: number }> = [
	{ step: 'forwardThen:500', status: 500 },
	{ step: 'forwardThen:502', status: 502 },
	{ step: 'forwardThen:504', status: 504 },
	{ step: 'forwardThenReset' },
];
/** Answers that mean "not processed": the refresh token was surely not used. */
const NOT_PROCESSED: FaultStep[] = ['status:503:1', 'status:429:1'];

const MAY_HAVE_ROTATED = /may have rotated/;
const NEVER_SAVED = /never saved its result/;
const NOT_SAVED_INTO_CREDENTIAL = /^The rotated tokens could not be saved into the credential/;

/** The credential fields for a pair whose token requests go through the proxy. */
const viaProxy = (pair: TokenPair): IDataObject => ({
	...pair,
	issuer: proxy.issuer,
	allowCustomIssuer: true,
	apiBaseUrl: standIn.apiBaseUrl,
});

/**
 * Which stored token fields still hold what was pasted, as words: a failed assertion then prints
 * no token (jest shows both sides of a failed comparison).
 */
function tokenFields(
	data: { accessToken?: unknown; refreshToken?: unknown },
	pasted: { accessToken: string; refreshToken: string },
) {
	return {
		accessToken: data.accessToken === pasted.accessToken ? 'as pasted' : 'changed',
		refreshToken: data.refreshToken === pasted.refreshToken ? 'as pasted' : 'changed',
	};
}
const UNCHANGED = { accessToken: 'as pasted', refreshToken: 'as pasted' };

/** What the stand-in must have seen after one ambiguous failure: the token presented once, rotated. */
async function expectPresentedOnce() {
	expect(await standIn.stats()).toMatchObject({
		refreshTokensPresented: 1,
		maxUsesOfOneRefreshToken: 1,
		refreshGrantsOk: 1,
		reuseDetections: 0,
	});
}

// --- through the core, as a program outside n8n uses it ---------------------------------------

/** The core with the web-standard fetch, as createRefreshClient (index.js) wires it; sleeps recorded, not waited. */
function coreClient() {
	const coordinator = new RefreshCoordinator();
	const waits: number[] = [];
	const deps: RefreshDependencies = {
		transport: createFetchTransport(),
		sleep: async (ms) => {
			waits.push(ms);
		},
	};
	// Refresh when due, as createRefreshClient's getAccessToken does.
	const getAccessToken = (data: IDataObject): Promise<ObtainResult> =>
		coordinator.obtain(readCredential(data), deps, { intent: 'refreshIfDue' });
	return { getAccessToken, waits };
}

async function rejection(promise: Promise<unknown>): Promise<AacTokenError> {
	try {
		await promise;
	} catch (error) {
		seen.errors.push(error);
		expect(error).toBeInstanceOf(AacTokenError);
		return error as AacTokenError;
	}
	throw new Error('expected a rejection');
}

describe('the core: a gateway that forwards the refresh, then loses the answer', () => {
	test.each(AMBIGUOUS)(
		'$step: sent once, never repeated; the error says AAC may have rotated',
		async ({ step, status }) => {
			// The step repeats: a second attempt would be forwarded too, and the stand-in would see it.
			proxy.setScript([step]);
			const pair = await standIn.mint({ accessTokenExpired: true });
			const client = coreClient();
			const error = await rejection(client.getAccessToken(viaProxy(pair)));
			expect(proxy.requests).toHaveLength(1);
			expect(proxy.forwarded).toBe(1);
			await expectPresentedOnce();
			expect(client.waits).toEqual([]);
			if (status !== undefined) expect(error.message).toContain(`HTTP ${status}`);
			expect(error.description).toMatch(MAY_HAVE_ROTATED);
		},
	);

	test.each(NOT_PROCESSED)(
		'%s, then forwarded: retried after Retry-After, the new pair returned, the token presented once',
		async (step) => {
			proxy.setScript([step, 'pass']);
			const pair = await standIn.mint({ accessTokenExpired: true });
			const client = coreClient();
			const result = await client.getAccessToken(viaProxy(pair));
			expect(result).toMatchObject({ refreshed: true, changed: true });
			expect(tokenFields(result, pair)).toEqual({
				accessToken: 'changed',
				refreshToken: 'changed',
			});
			expect(client.waits).toEqual([1000]);
			expect(proxy.requests.map((entry) => entry.forwarded)).toEqual([false, true]);
			expect(await standIn.stats()).toMatchObject({
				refreshTokensPresented: 1,
				maxUsesOfOneRefreshToken: 1,
				refreshGrantsOk: 1,
				reuseDetections: 0,
			});
			expect(await standIn.familyAlive(result.refreshToken)).toBe(true);
		},
	);
});

// --- through n8n-core's WorkflowExecute --------------------------------------------------------

let credentialCounter = 0;

/** A credential holding `data` in a store that saves like n8n 2.x, and a runner for Start → nodes. */
function setUp(data: IDataObject) {
	const id = `amb-${++credentialCounter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...data } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});

	async function run(node: {
		name: string;
		type: string;
		parameters: IDataObject;
	}): Promise<RunResult> {
		const nodes: INode[] = [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: 1 },
			},
			{
				id: 'n1',
				name: node.name,
				type: node.type,
				typeVersion: 1,
				position: [200, 0],
				parameters: node.parameters as INode['parameters'],
				credentials: { [CRED]: { id, name: 'AAC' } },
			},
		];
		const connections: IConnections = {
			Start: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
		};
		const logStart = harness.logs.length;
		const result = await harness.runWorkflow({ nodes, connections });
		seen.logs.push(...harness.logs.slice(logStart));
		seen.outputs.push(result.output(node.name));
		if (result.error) seen.errors.push(result.error);
		return result;
	}
	return { run, store, stored: () => store.read(id) };
}

const refresh = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'refresh' },
};
const apiCall = () => ({
	name: 'HTTP Request',
	type: 'test.apiCaller',
	parameters: { url: `${standIn.apiBaseUrl}/v4/people/current`, helper: 'legacy' },
});
const descriptionOf = (result: RunResult) =>
	String((result.error as { description?: unknown } | undefined)?.description ?? '');

describe("the node's Refresh operation in n8n-core (n8n 2.x saves)", () => {
	test.each(AMBIGUOUS)(
		'$step: sent once, pair unchanged, record kept; the next run says the earlier refresh never saved its result',
		async ({ step, status }) => {
			proxy.setScript([step]);
			const pair = await standIn.mint();
			const { run, stored } = setUp(viaProxy(pair));

			const result = await run(refresh);
			expect(result.error).toBeDefined();
			expect(proxy.requests).toHaveLength(1);
			await expectPresentedOnce();
			if (status !== undefined) expect(result.error?.message).toContain(`HTTP ${status}`);
			expect(descriptionOf(result)).toMatch(MAY_HAVE_ROTATED);
			expect(tokenFields(stored(), pair)).toEqual(UNCHANGED);
			const startedAt = stored().refreshStartedAt;
			expect(startedAt).toEqual(expect.any(String));
			expect(Number.isNaN(Date.parse(startedAt as string))).toBe(false);

			// The next run, in a fresh n8n process (nothing remembered: a restart, or another
			// `n8n execute`), without the fault: the spent token is sent once, AAC revokes the family
			// (as it must), and the message explains why.
			sharedCoordinator.clear();
			proxy.setScript(['pass']);
			await standIn.resetStats();
			const next = await run(refresh);
			expect(next.error?.message).toMatch(NEVER_SAVED);
			expect(next.error?.message).toContain(String(startedAt));
			expect(proxy.requests).toHaveLength(1);
			expect(await standIn.stats()).toMatchObject({
				tokenRequests: 1,
				refreshTokensPresented: 1,
				reuseDetections: 1,
				refreshGrantsOk: 0,
			});
			expect(tokenFields(stored(), pair)).toEqual(UNCHANGED);
		},
	);

	test.each(NOT_PROCESSED)(
		'%s, then forwarded: ok, the new pair saved, the record cleared, the token presented once',
		async (step) => {
			proxy.setScript([step, 'pass']);
			const pair = await standIn.mint();
			const { run, stored } = setUp(viaProxy(pair));
			const result = await run(refresh);
			expect(result.error).toBeUndefined();
			expect(result.output('AAC').map((item) => item.refreshed)).toEqual([true]);
			expect(proxy.requests.map((entry) => entry.forwarded)).toEqual([false, true]);
			expect(await standIn.stats()).toMatchObject({
				refreshTokensPresented: 1,
				maxUsesOfOneRefreshToken: 1,
				refreshGrantsOk: 1,
				reuseDetections: 0,
			});
			expect(tokenFields(stored(), pair)).toEqual({
				accessToken: 'changed',
				refreshToken: 'changed',
			});
			expect(stored().refreshStartedAt || undefined).toBeUndefined();
			expect(await standIn.familyAlive(stored().refreshToken as string)).toBe(true);
		},
	);
});

describe('the HTTP Request node with the predefined credential in n8n-core (n8n 2.x saves)', () => {
	test.each(AMBIGUOUS)(
		'$step: sent once (n8n calls preAuthentication again after the error), nothing saved',
		async ({ step, status }) => {
			proxy.setScript([step]);
			const pair = await standIn.mint({ accessTokenExpired: true });
			const { run, stored, store } = setUp(viaProxy(pair));
			const result = await run(apiCall());
			expect(result.error).toBeDefined();
			expect(proxy.requests).toHaveLength(1);
			await expectPresentedOnce();
			if (status !== undefined) expect(result.error?.message).toContain(`HTTP ${status}`);
			expect(descriptionOf(result)).toMatch(MAY_HAVE_ROTATED);
			expect(store.saves).toHaveLength(0);
			expect(tokenFields(stored(), pair)).toEqual(UNCHANGED);
			expect((await standIn.stats()).apiRequests).toBe(0);
		},
	);

	test.each(NOT_PROCESSED)(
		'%s, then forwarded: the API call succeeds, the new pair saved, the token presented once',
		async (step) => {
			proxy.setScript([step, 'pass']);
			const pair = await standIn.mint({ accessTokenExpired: true });
			const { run, stored } = setUp(viaProxy(pair));
			const result = await run(apiCall());
			expect(result.error).toBeUndefined();
			expect(result.output('HTTP Request')).toEqual([expect.objectContaining({ ok: true })]);
			expect(proxy.requests.map((entry) => entry.forwarded)).toEqual([false, true]);
			expect(await standIn.stats()).toMatchObject({
				refreshTokensPresented: 1,
				maxUsesOfOneRefreshToken: 1,
				refreshGrantsOk: 1,
				reuseDetections: 0,
				apiOk: 1,
			});
			expect(tokenFields(stored(), pair)).toEqual({
				accessToken: 'changed',
				refreshToken: 'changed',
			});
			expect(await standIn.familyAlive(stored().refreshToken as string)).toBe(true);
		},
	);
});

// --- case 2 ------------------------------------------------------------------------------------

describe('the HTTP Request path when n8n 2.x keeps an expression in the Refresh Token field', () => {
	// The window runs on the monotonic clock (moving Date does not move it): shortened to 2 s here,
	// so the test waits it out in real time.
	const WINDOW_MS = 2_000;
	beforeEach(() => {
		sharedCoordinator.saveGraceMs = WINDOW_MS;
	});
	afterEach(() => {
		sharedCoordinator.saveGraceMs = 30_000;
	});

	test('within the window after the rotation the newest pair is served from memory; after it: "could not be saved", nothing sent', async () => {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const expression = `={{ "${pair.refreshToken}" }}`;
		// Straight to the stand-in: no fault here.
		const { run, stored, store } = setUp({
			accessToken: pair.accessToken,
			refreshToken: expression,
			apiBaseUrl: standIn.apiBaseUrl,
		});

		// Run 1: the expression resolves to the pasted token, which is due: one refresh, 200.
		const first = await run(apiCall());
		const rotatedAt = Date.now();
		expect(first.error).toBeUndefined();
		expect(first.output('HTTP Request')).toEqual([expect.objectContaining({ ok: true })]);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1, apiOk: 1 });
		// n8n 2.x saved the plain Access Token field and kept the expression: the rotated refresh token is lost.
		expect(store.saves).toHaveLength(1);
		expect(tokenFields(stored(), { ...pair, refreshToken: expression })).toEqual({
			accessToken: 'changed',
			refreshToken: 'as pasted',
		});
		const rotated = (await standIn.issuedRefreshTokens()).at(-1) as string;
		expect(rotated === pair.refreshToken).toBe(false);

		// At once (a reader that read the credential just before the save landed): the newest pair
		// from memory, no token request.
		const soon = await run(apiCall());
		expect(soon.error).toBeUndefined();
		expect(soon.output('HTTP Request')).toEqual([expect.objectContaining({ ok: true })]);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, apiOk: 2, reuseDetections: 0 });

		// After the window the spent token still arrives: the save cannot have landed.
		await sleep(rotatedAt + WINDOW_MS + 100 - Date.now());
		const late = await run(apiCall());
		expect(late.error?.message).toMatch(NOT_SAVED_INTO_CREDENTIAL);
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			refreshTokensPresented: 1,
			reuseDetections: 0,
			apiOk: 2,
		});
		expect(tokenFields(stored(), { ...pair, refreshToken: expression }).refreshToken).toBe(
			'as pasted',
		);
		// The family is alive: the newest pair was never sent away, so pasting it fixes the credential.
		expect(await standIn.familyAlive(rotated)).toBe(true);
	});
});
