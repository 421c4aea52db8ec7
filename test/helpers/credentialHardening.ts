// What the credential.{saves,timing,messages} tests share (they were hardening.test.ts): the core
// with the real fetch transport, and the node and the HTTP Request path in n8n-core's real
// WorkflowExecute (test/harness/), against the real oidc-provider stand-in or, for answers a real
// OAuth server cannot be made to give, the hand-written fake token endpoint; and the check that no
// error, log line or output in the file carries a refresh token.
import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import {
	AacTokenError,
	createFetchTransport,
	readCredential,
	type RefreshDependencies,
	type TokenHttpRequest,
	type TokenSettings,
} from '../../nodes/AlteryxAnalyticsCloud/core';
import { CredentialStore, type RunResult, type SaveSemantics } from '../harness/n8n';
import {
	fakeJwt,
	startFaultyTokenEndpoint,
	type FaultyTokenEndpoint,
} from '../fakes/faultyTokenEndpoint';
import { AAC_NODE, credentialChain, type ChainNode } from './chain';
import { startRecordingServer, type RecordingServer } from './recordingServer';
import { collectSecrets, describeError, expectNoSecrets } from './secrets';
import { startStandIn, type StandIn } from './standin';

export const credentialType = new AlteryxAnalyticsCloudOAuth2Api();

export let standIn: StandIn;
export let fake: FaultyTokenEndpoint;
export let api: RecordingServer;
/** Authorization headers the recording API server received. */
export const apiAuthorizations: string[] = [];
export const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };
const madeUpRefreshTokens: string[] = [];

/** A refresh token for the fake server, distinct per call (the process remembers rotations), 53 characters like AAC's. */
export function madeUpRefreshToken(): string {
	const token = `fake-refresh-original-${madeUpRefreshTokens.length + 1}-`.padEnd(53, 'q');
	madeUpRefreshTokens.push(token);
	return token;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
/** An access token of the fake issuer; expired unless claims say otherwise. */
export const fakeAccessToken = (claims: Record<string, unknown> = {}) =>
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

type NodeSpec = ChainNode;

/** A credential holding `data`, a harness saving like `semantics`, and a runner for Start → nodes. */
export function setUp(semantics: SaveSemantics, data: object) {
	const chain = credentialChain(
		semantics,
		{ allowCustomIssuer: true, ...data },
		{ idPrefix: 'hcred', store: (rows) => new SlowReadStore(rows), seen },
	);
	const run = async (...nodes: NodeSpec[]): Promise<RunResult> => await chain.run(1, ...nodes);
	return { id: chain.id, store: chain.store, run, logs: chain.harness.logs, stored: chain.stored };
}

export const aacNode = (
	operation: 'get' | 'refresh' | 'inspect',
	continueOnFail?: boolean,
): NodeSpec => ({
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation },
	continueOnFail,
});
export const get = aacNode('get');
export const refresh = aacNode('refresh');
export const inspect = aacNode('inspect');
export const apiCall = (url: string): NodeSpec => ({
	name: 'HTTP Request',
	type: 'test.apiCaller',
	parameters: { url, helper: 'legacy' },
});

/** Real fetch, counted; sleeps are recorded, not waited for. */
export function fetchDeps(options: { now?: () => number } = {}) {
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

export async function rejection(promise: Promise<unknown>): Promise<AacTokenError> {
	try {
		await promise;
	} catch (error) {
		seen.errors.push(error);
		expect(error).toBeInstanceOf(AacTokenError);
		return error as AacTokenError;
	}
	throw new Error('expected a rejection');
}

export function fakeSettings(data: Record<string, unknown> = {}, now?: number): TokenSettings {
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
export function leakedPieces(text: string, secret: string): string[] {
	const pieces: string[] = [];
	for (let start = 0; start + 12 <= secret.length; start++) {
		const piece = secret.slice(start, start + 12);
		if (text.includes(piece)) pieces.push(piece);
	}
	return pieces;
}

/** Error text as n8n keeps it: message, description, the JSON copy, causes. */
export const errorText = (error: unknown) => `${describeError(error)}\n${JSON.stringify(error)}`;

/** Starts the stand-in, the fake token endpoint and the recording API server for this file; stops them and checks everything seen for secrets. */
export function useTokenServers(): void {
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
}
