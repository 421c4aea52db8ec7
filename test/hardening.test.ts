// The promises of the token hardening, each checked where a user meets it: the core with the real
// fetch transport, and the node and the HTTP Request path in n8n-core's real WorkflowExecute
// (test/harness/), against the real oidc-provider stand-in or, for answers a real OAuth server
// cannot be made to give, the hand-written fake token endpoint.
import { type IConnections, type IDataObject, type INode, type INodeType } from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import {
	AacTokenError,
	FIELD,
	FIELD_LABEL,
	RefreshCoordinator,
	createFetchTransport,
	readCredential,
	requestNewTokens,
	sharedCoordinator,
	type RefreshDependencies,
	type TokenHttpRequest,
	type TokenSettings,
	type TokenTransport,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { CredentialStore, createHarness, type RunResult, type SaveSemantics } from './harness/n8n';
import { StartNode, makeApiCallerNode } from './harness/testNodes';
import {
	fakeJwt,
	refusedIssuer,
	startFaultyTokenEndpoint,
	type FaultStep,
	type FaultyTokenEndpoint,
} from './fakes/faultyTokenEndpoint';
import { startRecordingServer, type RecordingServer } from './helpers/recordingServer';
import { collectSecrets, describeError, expectNoSecrets } from './helpers/secrets';
import { startStandIn, type StandIn } from './helpers/standin';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const credentialType = new AlteryxAnalyticsCloudOAuth2Api();
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	'test.apiCaller': makeApiCallerNode(CRED),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};

let standIn: StandIn;
let fake: FaultyTokenEndpoint;
let api: RecordingServer;
/** Authorization headers the recording API server received. */
const apiAuthorizations: string[] = [];
const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };
const madeUpRefreshTokens: string[] = [];

beforeAll(async () => {
	[standIn, fake, api] = await Promise.all([
		startStandIn(),
		startFaultyTokenEndpoint(),
		startRecordingServer((request) => {
			apiAuthorizations.push(String(request.headers.authorization));
		}),
	]);
});

afterAll(async () => {
	// Across this file: no error, log line or output carries a refresh token.
	expectNoSecrets(await collectSecrets(standIn, fake, madeUpRefreshTokens), seen);
	await Promise.all([standIn?.stop(), fake?.close(), api?.close()]);
});

beforeEach(async () => {
	await standIn.resetStats();
	apiAuthorizations.length = 0;
});

/** A refresh token for the fake server, distinct per call (the process remembers rotations), 53 characters like AAC's. */
function madeUpRefreshToken(): string {
	const token = `fake-refresh-original-${madeUpRefreshTokens.length + 1}-`.padEnd(53, 'q');
	madeUpRefreshTokens.push(token);
	return token;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
/** An access token of the fake issuer; expired unless claims say otherwise. */
const fakeAccessToken = (claims: Record<string, unknown> = {}) =>
	fakeJwt({ iss: fake.issuer, client_id: 'fake-client', exp: 1, ...claims });

/**
 * The credentials table with one addition for races: `serveNextReadFrom(snapshot)` makes the
 * next read return an older copy of the row. That models n8n's getCredentials() reading the
 * database just before another execution's save landed (a slow read, which n8n does not lock
 * against): the reader then holds data that was true a moment ago. Writes always go to the row.
 */
class SlowReadStore extends CredentialStore {
	private snapshot?: Record<string, unknown>;
	servedFromSnapshot = 0;

	serveNextReadFrom(snapshot: Record<string, unknown>): void {
		this.snapshot = structuredClone(snapshot);
	}

	read(id: string): Record<string, unknown> {
		const snapshot = this.snapshot;
		if (!snapshot) return super.read(id);
		this.snapshot = undefined;
		this.servedFromSnapshot++;
		return snapshot;
	}
}

let credentialCounter = 0;

interface NodeSpec {
	name: string;
	type: string;
	parameters?: IDataObject;
	continueOnFail?: boolean;
}

/** A credential holding `data`, a harness saving like `semantics`, and a runner for Start → nodes. */
function setUp(semantics: SaveSemantics, data: object) {
	const id = `hcred-${++credentialCounter}`;
	const store = new SlowReadStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...data } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: credentialType },
		store,
		saveSemantics: semantics,
	});

	async function run(...nodes: NodeSpec[]): Promise<RunResult> {
		const all: INode[] = [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: 1 },
			},
			...nodes.map((node, index) => ({
				id: `n${index}`,
				name: node.name,
				type: node.type,
				typeVersion: 1,
				position: [200 * (index + 1), 0] as [number, number],
				parameters: (node.parameters ?? {}) as INode['parameters'],
				continueOnFail: node.continueOnFail,
				credentials: { [CRED]: { id, name: 'AAC' } },
			})),
		];
		const connections: IConnections = {};
		all.slice(0, -1).forEach((node, index) => {
			connections[node.name] = { main: [[{ node: all[index + 1].name, type: 'main', index: 0 }]] };
		});
		const logStart = harness.logs.length;
		const result = await harness.runWorkflow({ nodes: all, connections });
		seen.logs.push(...harness.logs.slice(logStart));
		for (const node of all) {
			seen.outputs.push(result.output(node.name));
			if (result.nodeError(node.name)) seen.errors.push(result.nodeError(node.name));
		}
		if (result.error) seen.errors.push(result.error);
		return result;
	}
	return { id, store, run, logs: harness.logs, stored: () => store.read(id) };
}

const aacNode = (operation: 'get' | 'refresh' | 'inspect', continueOnFail?: boolean): NodeSpec => ({
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation },
	continueOnFail,
});
const get = aacNode('get');
const refresh = aacNode('refresh');
const inspect = aacNode('inspect');
const apiCall = (url: string): NodeSpec => ({
	name: 'HTTP Request',
	type: 'test.apiCaller',
	parameters: { url, helper: 'legacy' },
});

/** Real fetch, counted; sleeps are recorded, not waited for. */
function fetchDeps(options: { now?: () => number } = {}) {
	const sent: TokenHttpRequest[] = [];
	const waits: number[] = [];
	const fetchTransport = createFetchTransport();
	const deps: RefreshDependencies = {
		transport: async (request) => {
			sent.push(request);
			return fetchTransport(request);
		},
		sleep: async (ms) => {
			waits.push(ms);
		},
		now: options.now,
	};
	return { deps, sent, waits };
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

function fakeSettings(data: Record<string, unknown> = {}, now?: number): TokenSettings {
	return readCredential(
		{
			accessToken: fakeAccessToken(),
			refreshToken: madeUpRefreshToken(),
			allowCustomIssuer: true,
			requestTimeoutSeconds: 1,
			...data,
		},
		now,
	);
}

/**
 * The pieces of `secret` (12 characters, the redaction's unit) that occur in `text`: written
 * here independently of redact.ts, so the test does not check the redaction with itself.
 */
function leakedPieces(text: string, secret: string): string[] {
	const pieces: string[] = [];
	for (let start = 0; start + 12 <= secret.length; start++) {
		const piece = secret.slice(start, start + 12);
		if (text.includes(piece)) pieces.push(piece);
	}
	return pieces;
}

/** Error text as n8n keeps it: message, description, the JSON copy, causes. */
const errorText = (error: unknown) => `${describeError(error)}\n${JSON.stringify(error)}`;

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

describe('what the package accepts, the next run can read', () => {
	afterEach(() => {
		jest.useRealTimers();
	});

	/** Moves n8n's clock (Date only; timers stay real) `ms` ahead of now, running on from there. */
	function clockAhead(ms: number): void {
		jest.useFakeTimers({
			now: Date.now() + ms,
			advanceTimers: true,
			doNotFake: [
				'hrtime',
				'nextTick',
				'performance',
				'queueMicrotask',
				'setImmediate',
				'clearImmediate',
				'setInterval',
				'clearInterval',
				'setTimeout',
				'clearTimeout',
			],
		});
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

describe('no piece of a secret in any message or output', () => {
	test("a server echoing 30 characters of the refresh token: no 12-character piece of it in the core's error", async () => {
		fake.setScript(['echoRefreshPrefix']);
		const settings = fakeSettings();
		const { deps } = fetchDeps();
		const error = await rejection(requestNewTokens(settings, deps));
		expect(error.code).toBe('REFRESH_TOKEN_REJECTED');
		expect(error.message).toMatch(/unknown token/); // the server's text is shown, redacted
		expect(leakedPieces(errorText(error), settings.refreshToken)).toEqual([]);
		expect(leakedPieces(errorText(error), settings.accessToken)).toEqual([]);
	});

	test.each(['n8n1', 'n8n2'] as const)(
		"%s: the same echo leaves no piece in the node's error, nor in its error output",
		async (semantics) => {
			for (const continueOnFail of [false, true]) {
				fake.setScript(['echoRefreshPrefix']);
				const original = madeUpRefreshToken();
				const accessToken = fakeAccessToken();
				const { run, logs } = setUp(semantics, { accessToken, refreshToken: original });
				const result = await run(aacNode('get', continueOnFail));
				const observed = continueOnFail
					? JSON.stringify(result.output('AAC'))
					: `${errorText(result.error)}\n${errorText(result.nodeError('AAC'))}`;
				expect(observed).toMatch(/rejected the refresh token/);
				expect(leakedPieces(logs.join('\n'), original)).toEqual([]);
				expect(leakedPieces(observed, original)).toEqual([]);
				expect(leakedPieces(observed, accessToken)).toEqual([]);
			}
		},
	);

	test('two overlapping secrets in one server text: no 12-character piece of either', async () => {
		// A HAND-WRITTEN transport: an answer no real server gives on purpose, a text holding the
		// refresh token sent and, overlapping it by 21 characters, a token of the answer itself.
		const settings = fakeSettings();
		const sent = settings.refreshToken;
		const other = `${sent.slice(32)}${'y'.repeat(32)}`;
		const transport: TokenTransport = async () => ({
			status: 400,
			headers: {},
			body: JSON.stringify({
				error: 'invalid_grant',
				error_description: `seen ${sent}${'y'.repeat(32)}`,
				refresh_token: other,
			}),
		});
		const error = await rejection(
			requestNewTokens(settings, { transport, sleep: async () => undefined }),
		);
		expect(error.message).toMatch(/seen/);
		expect(leakedPieces(errorText(error), sent)).toEqual([]);
		expect(leakedPieces(errorText(error), other)).toEqual([]);
	});

	test.each(['refresh token', 'access token'] as const)(
		'a %s pasted into Client ID is a field error naming "Client ID", and no output carries it',
		async (which) => {
			const pair = await standIn.mint();
			const pasted = which === 'refresh token' ? pair.refreshToken : pair.accessToken;
			expect(() => readCredential({ ...pair, clientId: pasted, allowCustomIssuer: true })).toThrow(
				/Credential field "Client ID" holds a token/,
			);
			for (const semantics of ['n8n1', 'n8n2'] as const) {
				const { run, store } = setUp(semantics, { ...pair, clientId: pasted });
				for (const operation of ['get', 'inspect'] as const) {
					for (const continueOnFail of [false, true]) {
						const result = await run(aacNode(operation, continueOnFail));
						const observed = `${JSON.stringify(result.output('AAC'))}\n${errorText(result.error)}\n${errorText(result.nodeError('AAC'))}`;
						expect(observed).toMatch(/Client ID.{0,2} holds a token/);
						expect(leakedPieces(observed, pair.refreshToken)).toEqual([]);
						expect(leakedPieces(observed, pair.accessToken)).toEqual([]);
					}
				}
				expect(store.saves).toHaveLength(0);
			}
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 0 });
		},
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

			jest.useFakeTimers({
				now: Date.now() + 270_000, // Date only (timers stay real): n8n's clock moves on 4.5 minutes
				advanceTimers: true,
				doNotFake: [
					'hrtime',
					'nextTick',
					'performance',
					'queueMicrotask',
					'setImmediate',
					'clearImmediate',
					'setInterval',
					'clearInterval',
					'setTimeout',
					'clearTimeout',
				],
			});
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

describe('messages name fields as the credential form shows them', () => {
	const valid = () => ({
		accessToken: fakeAccessToken({ exp: nowSeconds() + 600 }),
		refreshToken: 'fake-refresh-field-names',
		allowCustomIssuer: true,
	});
	test.each([
		{ field: 'Access Token', data: { accessToken: '' } },
		{ field: 'Refresh Token', data: { refreshToken: '  ' } },
		{ field: 'Refresh Margin (Seconds)', data: { refreshMarginSeconds: 'soon' } },
		{ field: 'Token Request Timeout (Seconds)', data: { requestTimeoutSeconds: 0 } },
		{ field: 'API Base URL', data: { apiBaseUrl: 'not a url' } },
	])('a bad $field names "$field"', ({ field, data }) => {
		let error: unknown;
		try {
			readCredential({ ...valid(), ...data });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(AacTokenError);
		expect((error as AacTokenError).message).toContain(`Credential field "${field}"`);
	});

	test("the labels messages use are the credential form's display names", () => {
		const shown = new Map(
			credentialType.properties.map((property) => [property.name, property.displayName]),
		);
		for (const [key, label] of Object.entries(FIELD_LABEL))
			expect([key, shown.get(FIELD[key as keyof typeof FIELD_LABEL])]).toEqual([key, label]);
		expect(Object.keys(FIELD_LABEL).length).toBeGreaterThanOrEqual(7);
	});

	test('in n8n, a missing refresh token names "Refresh Token"', async () => {
		const { run } = setUp('n8n2', {
			accessToken: fakeAccessToken({ exp: nowSeconds() + 600 }),
			refreshToken: '',
		});
		const result = await run(get);
		expect(result.error?.message).toMatch(/^Credential field "Refresh Token" is empty/);
	});
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
