// What the core tests share: the real oidc-provider stand-in and the hand-written fake token
// endpoint, started once per test file, real fetch counted, and the check that no error raised in
// the file carries a refresh token the servers issued.
import {
	AacTokenError,
	createFetchTransport,
	readCredential,
	type RefreshDependencies,
	type TokenHttpRequest,
	type TokenSettings,
} from '../../nodes/AlteryxAnalyticsCloud/core';
import {
	fakeJwt,
	startFaultyTokenEndpoint,
	type FaultyTokenEndpoint,
} from '../fakes/faultyTokenEndpoint';
import { startStandIn, type StandIn } from './standin';
import { collectSecrets, expectNoSecrets } from './secrets';

export let standIn: StandIn;
export let fake: FaultyTokenEndpoint;
const errorsSeen: unknown[] = [];

/** Real fetch, counted, with no real waiting between retries. */
export function countingDeps(extra: Partial<RefreshDependencies> = {}) {
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
		...extra,
	};
	return { deps, sent, waits };
}

export async function rejection(promise: Promise<unknown>): Promise<AacTokenError> {
	try {
		await promise;
	} catch (error) {
		errorsSeen.push(error);
		expect(error).toBeInstanceOf(AacTokenError);
		return error as AacTokenError;
	}
	throw new Error('expected a rejection');
}

export function fakeSettings(overrides: Record<string, unknown> = {}): TokenSettings {
	return readCredential({
		accessToken: fakeJwt({
			iss: fake.issuer,
			client_id: 'fake-client',
			exp: Math.floor(Date.now() / 1000) - 10,
		}),
		refreshToken: 'fake-refresh-original',
		allowCustomIssuer: true,
		requestTimeoutSeconds: 1,
		...overrides,
	});
}

/** Starts the stand-in and the fake token endpoint for this file; stops them and checks every error seen for secrets. */
export function useCoreServers(): void {
	beforeAll(async () => {
		[standIn, fake] = await Promise.all([startStandIn(), startFaultyTokenEndpoint()]);
	});
	afterAll(async () => {
		// No error raised in this file carries a refresh token the servers issued
		expectNoSecrets(await collectSecrets(standIn, fake), { errors: errorsSeen });
		await Promise.all([standIn?.stop(), fake?.close()]);
	});
}
