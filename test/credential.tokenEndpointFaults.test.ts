// Token-endpoint faults through n8n: the credential's refresh in n8n-core's real workflow engine
// against the hand-written fake token endpoint (answers a real OAuth server cannot be made to give).
import { fakeJwt, type FaultStep } from './fakes/faultyTokenEndpoint';
import {
	useTokenServers,
	fake,
	madeUpRefreshToken,
	setUp,
	get,
} from './helpers/credentialWorkflow';

useTokenServers();

describe('token-endpoint faults through n8n (hand-written fake server)', () => {
	interface FaultCase {
		fault: string;
		/** What the fake answers, in order (the last one repeats). */
		script: FaultStep[];
		/** The run's error message, or undefined when the run succeeds. */
		message?: RegExp;
		tokenRequests: number;
		/** Whether AAC may have rotated: then the refresh record stays for the next run. */
		maybeSpent: boolean;
	}
	const cases: FaultCase[] = [
		{
			fault: '500 (a gateway may have forwarded it)',
			script: ['htmlPage:500', 'pass'],
			message: /HTTP 500/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: '502 (a gateway may have forwarded it)',
			script: ['htmlPage:502', 'pass'],
			message: /HTTP 502/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: '504 (a gateway may have forwarded it)',
			script: ['htmlPage:504', 'pass'],
			message: /HTTP 504/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: '503 with Retry-After, then ok',
			script: ['status:503:1', 'pass'],
			tokenRequests: 2,
			maybeSpent: false,
		},
		{
			fault: '429 with Retry-After, then ok',
			script: ['status:429:1', 'pass'],
			tokenRequests: 2,
			maybeSpent: false,
		},
		{
			fault: '503 every time',
			script: ['status:503:1'],
			message: /HTTP 503/,
			tokenRequests: 3,
			maybeSpent: false,
		},
		{
			fault: 'reset before the response',
			script: ['reset'],
			message: /closed the connection/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: 'stall past the timeout',
			script: ['stall'],
			message: /did not answer within 1 s/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: 'HTML page',
			script: ['htmlPage:200'],
			message: /HTML page instead of JSON/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: 'non-JSON body',
			script: ['nonJson'],
			message: /not JSON/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: 'truncated JSON',
			script: ['truncatedJson'],
			message: /not JSON/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: '200 without access_token',
			script: ['noAccessToken'],
			message: /without an access_token/,
			tokenRequests: 1,
			maybeSpent: true,
		},
		{
			fault: 'invalid_grant',
			script: ['invalidGrant'],
			message: /rejected the refresh token/,
			tokenRequests: 1,
			maybeSpent: false,
		},
		{
			fault: 'invalid_client',
			script: ['invalidClient'],
			message: /rejected the client ID "fake-client"/,
			tokenRequests: 1,
			maybeSpent: false,
		},
	];

	test.each(cases)('$fault', async ({ script, message, tokenRequests, maybeSpent }) => {
		fake.setScript(script);
		const original = madeUpRefreshToken();
		const accessToken = fakeJwt({ iss: fake.issuer, client_id: 'fake-client', exp: 1 });
		const { run, stored, store } = setUp('n8n2', {
			accessToken,
			refreshToken: original,
			requestTimeoutSeconds: 1,
		});
		const started = Date.now();
		const result = await run(1, get);
		expect(fake.requests).toHaveLength(tokenRequests);
		expect(fake.requests[0]).toMatchObject({
			path: '/as/token',
			contentType: 'application/x-www-form-urlencoded',
			form: { grant_type: 'refresh_token', refresh_token: original, client_id: 'fake-client' },
		});
		// The first save is always the "refresh started" record, made before the token request.
		expect(store.saves[0].data.refreshStartedAt).toEqual(expect.any(String));
		expect(Date.parse(store.saves[0].data.refreshStartedAt as string)).toBeGreaterThanOrEqual(
			started - 1000,
		);
		expect(store.saves[0].data.refreshToken).toBe(original);
		if (message === undefined) {
			expect(result.error).toBeUndefined();
			expect(stored().refreshToken).toMatch(/^fake-refresh-\d/);
			expect(stored().refreshStartedAt).toBe('');
			expect(store.saves).toHaveLength(2);
		} else {
			expect(result.error?.message).toMatch(message);
			expect(result.error?.message).toMatch(/Nothing was saved/);
			expect(stored()).toMatchObject({ refreshToken: original, accessToken });
			// The record stays only when AAC may have rotated: the next run can then explain.
			expect(Boolean(stored().refreshStartedAt)).toBe(maybeSpent);
			expect(store.saves).toHaveLength(maybeSpent ? 1 : 2);
		}
	});

	test.each(['n8n1', 'n8n2'] as const)(
		'200 without refresh_token (%s): the new access token is stored with the refresh token the server kept',
		async (semantics) => {
			fake.setScript(['noRefreshToken', 'pass']);
			const original = madeUpRefreshToken();
			const accessToken = fakeJwt({ iss: fake.issuer, client_id: 'fake-client', exp: 1 });
			const { run, stored } = setUp(semantics, { accessToken, refreshToken: original });
			const result = await run(1, get);
			expect(result.error).toBeUndefined();
			expect(fake.requests).toHaveLength(1);
			expect(stored().refreshToken).toBe(original);
			expect(stored().accessToken).not.toBe(accessToken);
			expect(stored().refreshStartedAt).toBe('');
			// The next run uses the stored pair as it is: nothing is due, nothing is sent.
			const next = await run(1, get);
			expect(next.error).toBeUndefined();
			expect(fake.requests).toHaveLength(1);
		},
	);
});
