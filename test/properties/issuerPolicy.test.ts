// Property-based tests (fast-check) over the runtime-agnostic token core: the issuer policy (checkIssuer, and what a transport is sent).
// Every property runs RUNS (10,000) generated inputs. On a failure fast-check prints the seed, the
// path and the shrunk counterexample; rerun one with fc.assert(property, { seed, path, numRuns }).
// Generators: arbitraries.ts; oracles and cheap assertions: checks.ts.
import fc from 'fast-check';
import {
	checkIssuer,
	readCredential,
	requestNewTokens,
	type TokenHttpRequest,
	type TokenHttpResponse,
} from '../../nodes/AlteryxAnalyticsCloud/core';
import { describeError } from '../helpers/secrets';
import { hostileIssuer, jwt, lowerAlnum } from './arbitraries';
import {
	AAC_TOKEN_ENDPOINT,
	RUNS,
	SETTINGS_CODES,
	TOKEN_ENDPOINT_CODES,
	allowedTokenEndpoint,
	check,
	expectAacError,
	mayBeInvalidField,
	parsedUrl,
	same,
} from './checks';

function checkIssuerProperty(allowCustomIssuer: boolean) {
	return fc.property(hostileIssuer, (raw) => {
		let info: ReturnType<typeof checkIssuer>;
		try {
			info = checkIssuer(raw, allowCustomIssuer, 'issuer');
		} catch (error) {
			expectAacError(error, SETTINGS_CODES);
			if (error.code === 'INVALID_FIELD')
				check(mayBeInvalidField(raw), 'an http(s) URL called invalid instead of refused', raw);
			return;
		}
		check(
			allowedTokenEndpoint(info.tokenEndpoint, allowCustomIssuer),
			'token endpoint outside the policy',
			info.tokenEndpoint,
		);
		same(info.tokenEndpoint, `${info.issuer}/token`, 'tokenEndpoint');
		same(info.isAacIdentityHost, AAC_TOKEN_ENDPOINT.test(info.tokenEndpoint), 'isAacIdentityHost');
		if (!allowCustomIssuer)
			same(info.isAacIdentityHost, true, 'accepted without the opt-in but no AAC identity host');
		// The host we send to is the host a URL parser reads from the raw value: no parser differential.
		const url = parsedUrl(raw);
		check(url !== undefined, 'accepted an unparsable issuer', raw);
		same(new URL(info.issuer).host, url?.host, 'issuer host');
		if (info.isAacIdentityHost)
			check(
				/^https:\/\/[a-z0-9]+\.alteryxcloud\.com$/.test(info.defaultApiBaseUrl),
				'defaultApiBaseUrl',
				info.defaultApiBaseUrl,
			);
		else same(info.defaultApiBaseUrl, url?.origin, 'defaultApiBaseUrl');
	});
}

describe('issuer policy (property-based)', () => {
	test('without the opt-in: ISSUER_NOT_ALLOWED / INVALID_FIELD, or an AAC identity host over https', () => {
		fc.assert(checkIssuerProperty(false), { numRuns: RUNS });
	});

	test('with Allow Custom Issuer: https or loopback http only, never credentials, query or fragment', () => {
		fc.assert(checkIssuerProperty(true), { numRuns: RUNS });
	});

	test('every request a recording transport receives goes to a host the policy allows; a refused issuer sends nothing', async () => {
		const REFRESH = 'refresh-token-for-issuer-property';
		const answers: TokenHttpResponse[] = [
			{ status: 503, headers: {}, body: '<html>busy</html>' },
			{ status: 429, headers: { 'retry-after': '0' }, body: '' },
			{ status: 302, headers: {}, body: '' },
			{ status: 400, headers: {}, body: { error: 'invalid_grant' } },
			{
				status: 200,
				headers: {},
				body: {
					access_token: 'opaque-access-token',
					refresh_token: 'next-refresh-token',
					expires_in: 300,
				},
			},
		];
		let accepted = 0;
		await fc.assert(
			fc.asyncProperty(
				hostileIssuer,
				fc.boolean(),
				fc.constantFrom('claim', 'field', 'field with spaces'),
				fc.array(fc.constantFrom(...answers), { minLength: 1, maxLength: 4 }),
				async (raw, allowCustomIssuer, source, script) => {
					const urls: string[] = [];
					const transport = jest.fn(
						async (request: TokenHttpRequest): Promise<TokenHttpResponse> => {
							urls.push(request.url);
							return script[Math.min(urls.length - 1, script.length - 1)];
						},
					);
					const claims = {
						client_id: 'c',
						exp: 1,
						iss: source === 'claim' ? raw : 'https://evil.example/as',
					};
					const data: Record<string, unknown> = {
						accessToken: jwt(claims),
						refreshToken: REFRESH,
						allowCustomIssuer,
					};
					if (source === 'field') data.issuer = raw;
					if (source === 'field with spaces') data.issuer = `  ${raw}\t`;
					// Settings and request together, as the credential does: a refusal must come before any request.
					const attempt = async () =>
						requestNewTokens(readCredential(data), {
							transport,
							sleep: async () => {},
							now: () => 1_700_000_000_000,
						});
					let outcome: unknown = 'resolved';
					try {
						await attempt();
					} catch (error) {
						outcome = error;
					}
					for (const url of urls)
						check(
							allowedTokenEndpoint(url, allowCustomIssuer),
							'a request went outside the policy',
							url,
						);
					const calls = transport.mock.calls.length;
					check(calls <= 3, 'more than 3 requests', calls);
					if (outcome === 'resolved') {
						check(calls > 0, 'resolved without a request');
						return;
					}
					expectAacError(outcome, [...SETTINGS_CODES, ...TOKEN_ENDPOINT_CODES]);
					if (SETTINGS_CODES.includes(outcome.code))
						same(calls, 0, `requests despite ${outcome.code}`);
					else {
						check(calls > 0, 'a token endpoint error without a request');
						accepted++;
					}
					check(!describeError(outcome).includes(REFRESH), 'the refresh token is in the error');
				},
			),
			{ numRuns: RUNS },
		);
		// The generator must reach the accepting side too, or the property says little.
		expect(accepted).toBeGreaterThan(RUNS / 20);
	});

	test('genuine AAC identity issuers are always accepted and mapped to their region', () => {
		const genuine = fc.record({
			name: fc.option(fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 8 }), {
				nil: undefined,
			}),
			upper: fc.boolean(),
			slashes: fc.nat({ max: 3 }),
			defaultPort: fc.boolean(),
			allowCustomIssuer: fc.boolean(),
		});
		fc.assert(
			fc.property(genuine, ({ name, upper, slashes, defaultPort, allowCustomIssuer }) => {
				const hostName =
					name === undefined ? 'pingauth.alteryxcloud.com' : `pingauth-${name}.alteryxcloud.com`;
				const raw = `https://${upper ? hostName.toUpperCase() : hostName}${defaultPort ? ':443' : ''}/as${'/'.repeat(slashes)}`;
				const info = checkIssuer(raw, allowCustomIssuer, 'issuer');
				same(info.issuer, `https://${hostName}/as`, 'issuer');
				same(info.tokenEndpoint, `https://${hostName}/as/token`, 'tokenEndpoint');
				same(info.isAacIdentityHost, true, 'isAacIdentityHost');
				same(
					info.defaultApiBaseUrl,
					`https://${name ?? 'us1'}.alteryxcloud.com`,
					'defaultApiBaseUrl',
				);
			}),
			{ numRuns: RUNS },
		);
	});
});
