// What the credential.{refresh,tokenEndpointFaults} tests share (they were workflow.test.ts): the
// package inside n8n-core's real workflow engine, against the real oidc-provider stand-in and the
// hand-written fake token endpoint, with a credentials helper that saves like n8n 1.x and like
// n8n 2.x; and the check that no error, log line or output in the file carries a refresh token.
import { type SaveSemantics } from '../harness/n8n';
import { startFaultyTokenEndpoint, type FaultyTokenEndpoint } from '../fakes/faultyTokenEndpoint';
import { collectSecrets, expectNoSecrets } from './secrets';
import { AAC_NODE, CRED, credentialChain } from './chain';
import { startStandIn, type StandIn } from './standin';

export { AAC_NODE, CRED };

export let standIn: StandIn;
export let fake: FaultyTokenEndpoint;
const seen = { errors: [] as unknown[], outputs: [] as unknown[], logs: [] as string[] };

/** Refresh tokens the tests make up for the fake server; distinct, since the process remembers rotations. */
const madeUpRefreshTokens: string[] = [];
export function madeUpRefreshToken(): string {
	madeUpRefreshTokens.push(`fake-refresh-original-${madeUpRefreshTokens.length + 1}`);
	return madeUpRefreshTokens[madeUpRefreshTokens.length - 1];
}

/** A credential holding `data`, a harness saving like `semantics`, and helpers to run workflows. */
export function setUp(semantics: SaveSemantics, data: object) {
	return credentialChain(
		semantics,
		{ allowCustomIssuer: true, ...data },
		{ idPrefix: 'cred', seen },
	);
}

export const get = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'get' },
};
export const refresh = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'refresh' },
};
export const inspect = {
	name: 'AAC',
	type: AAC_NODE,
	parameters: { resource: 'accessToken', operation: 'inspect' },
};
export const apiCall = (helper: 'legacy' | 'http' = 'legacy') => ({
	name: 'HTTP Request',
	type: 'test.apiCaller',
	parameters: { url: `${standIn.apiBaseUrl}/v4/people/current`, helper },
});
export const headerCall = () => ({
	name: 'Header Request',
	type: 'test.headerRequest',
	parameters: {
		url: `={{ $json.apiBaseUrl }}/v4/people/current`,
		authorization: '={{ $json.authorization }}',
	},
});

/** Starts the stand-in and the fake token endpoint for this file; stops them and checks everything seen for secrets. */
export function useTokenServers(): void {
	beforeAll(async () => {
		[standIn, fake] = await Promise.all([startStandIn(), startFaultyTokenEndpoint()]);
	});
	afterAll(async () => {
		// Across this file: no error, log line or output carries a refresh token.
		expectNoSecrets(await collectSecrets(standIn, fake, madeUpRefreshTokens), seen);
		await Promise.all([standIn?.stop(), fake?.close()]);
	});
	beforeEach(async () => {
		await standIn.resetStats();
	});
}
