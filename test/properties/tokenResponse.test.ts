// Property-based tests (fast-check) over the runtime-agnostic token core: token-response parsing and retries (requestNewTokens).
// Every property runs RUNS (10,000) generated inputs. On a failure fast-check prints the seed, the
// path and the shrunk counterexample; rerun one with fc.assert(property, { seed, path, numRuns }).
// Generators: arbitraries.ts; oracles and cheap assertions: checks.ts.
import fc from 'fast-check';
import {
	readCredential,
	requestNewTokens,
	type TokenHttpRequest,
	type TokenHttpResponse,
	type TokenSet,
} from '../../nodes/AlteryxAnalyticsCloud/core';
import { NOT_SENT_PATTERN, jwt, secretFrom, secretSeed, step } from './arbitraries';
import {
	ANSWER_CODES,
	RUNS,
	TOKEN_ENDPOINT_CODES,
	check,
	expectAacError,
	expectNoSecretsIn,
	expectPrintableEpochMs,
	same,
} from './checks';
import { materialize, type Materialized } from './tokenAnswers';

describe('token-response parsing (property-based)', () => {
	const scenario = fc.record({
		sentRefresh: secretSeed,
		sentSignature: secretSeed,
		steps: fc.array(step, { minLength: 1, maxLength: 3 }), // never more than 3 attempts
		now: fc.oneof(
			fc.constant(Date.now()),
			fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
		),
		backoffBaseMs: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
	});

	test('any answers: a TokenSet from the body or a known AacTokenError; at most 3 attempts; no secret in any error', async () => {
		const outcomes = new Map<string, number>();
		await fc.assert(
			fc.asyncProperty(
				scenario,
				async ({ sentRefresh, sentSignature, steps, now, backoffBaseMs }) => {
					const refreshToken = secretFrom(sentRefresh.seed ^ 0x5a5a5a5a, sentRefresh.length);
					const signature = secretFrom(sentSignature.seed ^ 0x3c3c3c3c, sentSignature.length);
					const accessToken = jwt(
						{
							iss: 'https://pingauth.alteryxcloud.com/as',
							client_id: 'property-client',
							exp: 1,
							jti: 'property',
						},
						signature,
					);
					const settings = readCredential({ accessToken, refreshToken });
					// The script's last step repeats; each answer is built when it is asked for.
					const seen: Materialized[] = [];
					const requests: TokenHttpRequest[] = [];
					const waits: number[] = [];
					const transport = jest.fn(
						async (request: TokenHttpRequest): Promise<TokenHttpResponse> => {
							requests.push(request);
							const index = Math.min(requests.length - 1, steps.length - 1);
							const answer = materialize(steps[index], index, { refreshToken, accessToken });
							seen.push(answer);
							if (answer.response) return answer.response;
							throw answer.failure;
						},
					);
					let result: TokenSet | undefined;
					let rejection: unknown;
					try {
						result = await requestNewTokens(settings, {
							transport,
							sleep: async (ms) => {
								waits.push(ms);
							},
							now: () => now,
							backoffBaseMs,
						});
					} catch (error) {
						rejection = error;
					}

					// Attempts: at most 3, one wait between two, each wait bounded; only repeatable outcomes repeated.
					const calls = requests.length;
					check(calls >= 1 && calls <= 3, 'attempts out of 1..3', calls);
					same(transport.mock.calls.length, calls, 'transport calls');
					same(waits.length, calls - 1, 'waits between attempts');
					for (const ms of waits)
						check(Number.isFinite(ms) && ms >= 0 && ms <= 60_000, 'a wait out of 0..60 s', ms);
					const form = `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}&client_id=property-client`;
					for (const request of requests) {
						same(request.url, 'https://pingauth.alteryxcloud.com/as/token', 'request url');
						same(request.body, form, 'request body');
					}
					for (const answer of seen.slice(0, -1)) {
						// Repeated only: 429/503 answers (not processed), and failures that say the request was never sent.
						if (answer.response)
							check(
								answer.response.status === 429 || answer.response.status === 503,
								'repeated after an answer that may have been processed',
								answer.response.status,
							);
						else
							check(
								NOT_SENT_PATTERN.test(JSON.stringify(answer.failure ?? null)),
								'repeated after a failure that may have been sent',
								answer.failure,
							);
					}
					const last = seen[seen.length - 1];

					if (rejection === undefined) {
						// Success: only from a 2xx whose body carries non-empty access_token and refresh_token strings.
						outcomes.set('resolved', (outcomes.get('resolved') ?? 0) + 1);
						const status = last.response?.status ?? 0;
						check(status >= 200 && status < 300, 'resolved from a non-2xx answer', status);
						const body = last.parsed ?? {};
						check(result !== undefined, 'no result');
						if (!result) return;
						check(
							typeof result.accessToken === 'string' && result.accessToken.length > 0,
							'empty accessToken',
						);
						same(result.accessToken, body.access_token, 'accessToken taken from the body');
						// The new refresh token, or (RFC 6749 §6: the server kept it) the one that was sent.
						const kept =
							body.refresh_token === undefined ||
							body.refresh_token === null ||
							body.refresh_token === '';
						same(
							result.refreshToken,
							kept ? refreshToken : body.refresh_token,
							'refreshToken taken from the body',
						);
						same(result.refreshTokenRotated, !kept, 'refreshTokenRotated');
						same(result.receivedAt, now, 'receivedAt');
						expectPrintableEpochMs(result.accessTokenExpiresAt, 'accessTokenExpiresAt');
						expectPrintableEpochMs(result.accessTokenIssuedAt, 'accessTokenIssuedAt');
						return;
					}

					expectAacError(rejection, TOKEN_ENDPOINT_CODES);
					outcomes.set(rejection.code, (outcomes.get(rejection.code) ?? 0) + 1);
					if (last.response) {
						same(rejection.httpStatus, last.response.status, 'httpStatus');
						const success = last.response.status >= 200 && last.response.status < 300;
						if (success) same(rejection.code, 'BAD_TOKEN_RESPONSE', 'error for an unusable 2xx');
						else
							check(
								ANSWER_CODES.includes(rejection.code),
								'error code for an error answer',
								rejection.code,
							);
						// A 2xx, and a 5xx other than 503 (a gateway may have forwarded it), may have rotated the
						// refresh token; any other error answer surely did not.
						const status = last.response.status;
						const oauthRejection =
							rejection.code === 'REFRESH_TOKEN_REJECTED' || rejection.code === 'CLIENT_REJECTED';
						same(
							rejection.refreshTokenMaybeSpent,
							success || (status >= 500 && status !== 503 && !oauthRejection),
							'refreshTokenMaybeSpent',
						);
					} else {
						same(rejection.code, 'TOKEN_ENDPOINT_UNREACHABLE', 'error for a transport failure');
						same(rejection.httpStatus, undefined, 'httpStatus without an answer');
					}
					// Whole tokens: the ones sent and the ones in the answer the error is about (an earlier
					// answer's token could only show if this answer echoed it, which the core cannot know).
					// Random secrets: those of every answer, which no other text can contain by accident.
					expectNoSecretsIn(
						rejection,
						[refreshToken, accessToken, ...last.tokens],
						[refreshToken, signature, ...seen.flatMap((answer) => answer.opaque)],
					);
				},
			),
			{ numRuns: RUNS },
		);
		// Every kind of outcome must actually occur, or the generators have drifted.
		const kinds = [
			'resolved',
			'BAD_TOKEN_RESPONSE',
			'TOKEN_ENDPOINT_ERROR',
			'REFRESH_TOKEN_REJECTED',
			'CLIENT_REJECTED',
			'TOKEN_ENDPOINT_UNREACHABLE',
		];
		expect(kinds.filter((kind) => (outcomes.get(kind) ?? 0) < RUNS / 200)).toEqual([]);
	});

	test('a well-formed answer is always accepted and read exactly', async () => {
		await fc.assert(
			fc.asyncProperty(
				secretSeed,
				secretSeed,
				fc.integer({ min: 1, max: 4_102_444_800 }),
				fc.constantFrom(200, 201, 299),
				fc.constantFrom(undefined, 'Bearer', 'bearer'),
				fc.boolean(),
				fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }),
				async (newRefreshSeed, signatureSeed, exp, okStatus, tokenType, asText, now) => {
					const newRefresh = secretFrom(newRefreshSeed.seed, newRefreshSeed.length);
					const newAccess = jwt(
						{ exp, iss: 'https://pingauth.alteryxcloud.com/as' },
						secretFrom(signatureSeed.seed, signatureSeed.length),
					);
					const settings = readCredential({
						accessToken: jwt({
							iss: 'https://pingauth.alteryxcloud.com/as',
							client_id: 'property-client',
							exp: 1,
						}),
						refreshToken: 'refresh-token-for-property-tests',
					});
					const value = {
						access_token: newAccess,
						refresh_token: newRefresh,
						expires_in: 300,
						...(tokenType ? { token_type: tokenType } : {}),
					};
					const transport = jest.fn(
						async (): Promise<TokenHttpResponse> => ({
							status: okStatus,
							headers: {},
							body: asText ? JSON.stringify(value) : value,
						}),
					);
					const result = await requestNewTokens(settings, {
						transport,
						sleep: async () => {},
						now: () => now,
					});
					same(transport.mock.calls.length, 1, 'requests');
					same(
						JSON.stringify(result),
						JSON.stringify({
							accessToken: newAccess,
							refreshToken: newRefresh,
							// expires_in is relative, so it wins over exp: the lifetime is measured on the local clock.
							accessTokenExpiresAt: now + 300_000,
							accessTokenIssuedAt: now,
							receivedAt: now,
							refreshTokenRotated: true,
							issuerClaim: 'https://pingauth.alteryxcloud.com/as',
						}),
						'token set',
					);
				},
			),
			{ numRuns: RUNS },
		);
	});
});
