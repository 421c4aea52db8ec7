// Property-based tests (fast-check) over the runtime-agnostic token core: JWT decoding, pasted tokens and readCredential.
// Every property runs RUNS (10,000) generated inputs. On a failure fast-check prints the seed, the
// path and the shrunk counterexample; rerun one with fc.assert(property, { seed, path, numRuns }).
// Generators: arbitraries.ts; oracles and cheap assertions: checks.ts.
import fc from 'fast-check';
import {
	decodeJwtPayload,
	normalizeToken,
	readCredential,
	readRefreshTokenExpiry,
	type TokenSettings,
} from '../../nodes/AlteryxAnalyticsCloud/core';
import {
	base64urlChar,
	credentialFields,
	jsonish,
	jwt,
	tokenString,
	wellFormedClaims,
} from './arbitraries';
import {
	AAC_TOKEN_ENDPOINT,
	RUNS,
	SETTINGS_CODES,
	allowedTokenEndpoint,
	check,
	expectAacError,
	expectPrintableEpochMs,
	isLoopback,
	parsedUrl,
	same,
} from './checks';

describe('JWT decoding (property-based)', () => {
	test('normalizeToken, decodeJwtPayload and readRefreshTokenExpiry never throw and return clean values', () => {
		fc.assert(
			fc.property(
				fc.oneof({ weight: 6, arbitrary: tokenString }, jsonish, fc.anything()),
				(raw) => {
					const normalized = normalizeToken(raw);
					check(typeof normalized === 'string', 'normalizeToken returned no string');
					same(normalizeToken(normalized), normalized, 'normalizeToken is idempotent');
					if (typeof raw !== 'string') {
						same(normalized, '', 'normalizeToken of a non-string');
						return;
					}
					if (/\s/.test(raw))
						check(!/\s/.test(normalized), 'whitespace left after normalizeToken', normalized);
					else same(normalized, raw, 'normalizeToken changed a value without whitespace');
					for (const token of [raw, normalized]) {
						const payload = decodeJwtPayload(token);
						if (payload !== undefined) {
							check(
								payload !== null && typeof payload === 'object' && !Array.isArray(payload),
								'payload is no object',
								payload,
							);
						}
						expectPrintableEpochMs(readRefreshTokenExpiry(token), 'readRefreshTokenExpiry');
					}
				},
			),
			{ numRuns: RUNS },
		);
	});

	test('readCredential with arbitrary access tokens and fields: valid settings or an AacTokenError naming a field', () => {
		fc.assert(
			fc.property(
				fc.oneof({ weight: 8, arbitrary: tokenString }, jsonish),
				credentialFields,
				(accessToken, fields) => {
					const data: Record<string, unknown> = { ...fields, accessToken };
					let settings: TokenSettings;
					try {
						settings = readCredential(data);
					} catch (error) {
						expectAacError(error, SETTINGS_CODES);
						if (error.code === 'INVALID_FIELD')
							check(
								error.message.startsWith('Credential field "'),
								'INVALID_FIELD names no field',
								error.message,
							);
						return;
					}
					same(settings.accessToken, normalizeToken(accessToken), 'accessToken');
					check(settings.accessToken.length > 0, 'empty accessToken');
					same(settings.refreshToken, normalizeToken(data.refreshToken), 'refreshToken');
					check(settings.refreshToken.length > 0, 'empty refreshToken');
					check(
						typeof settings.clientId === 'string' && settings.clientId.length > 0,
						'empty clientId',
					);
					check(
						settings.accessTokenExpiresAt > 0,
						'accessTokenExpiresAt not positive',
						settings.accessTokenExpiresAt,
					);
					expectPrintableEpochMs(settings.accessTokenExpiresAt, 'accessTokenExpiresAt');
					expectPrintableEpochMs(settings.accessTokenIssuedAt, 'accessTokenIssuedAt');
					same(settings.allowCustomIssuer, data.allowCustomIssuer === true, 'allowCustomIssuer');
					same(settings.tokenEndpoint, `${settings.issuer}/token`, 'tokenEndpoint');
					check(
						allowedTokenEndpoint(settings.tokenEndpoint, settings.allowCustomIssuer),
						'token endpoint outside the policy',
						settings.tokenEndpoint,
					);
					same(
						settings.isAacIdentityHost,
						AAC_TOKEN_ENDPOINT.test(settings.tokenEndpoint),
						'isAacIdentityHost',
					);
					const api = parsedUrl(settings.apiBaseUrl);
					check(
						api !== undefined &&
							(api.protocol === 'https:' || (api.protocol === 'http:' && isLoopback(api.hostname))),
						'apiBaseUrl',
						settings.apiBaseUrl,
					);
					check(
						settings.refreshMarginMs >= 0 && settings.refreshMarginMs <= 3_600_000,
						'refreshMarginMs out of range',
						settings.refreshMarginMs,
					);
					check(
						settings.timeoutMs >= 1000 && settings.timeoutMs <= 300_000,
						'timeoutMs out of range',
						settings.timeoutMs,
					);
					check(
						settings.refreshMode === 'automatic' || settings.refreshMode === 'refreshOperationOnly',
						'refreshMode',
						settings.refreshMode,
					);
				},
			),
			{ numRuns: RUNS },
		);
	});

	test('a well-formed JWT round-trips its claims through decoding, pasting and readCredential', () => {
		fc.assert(
			fc.property(
				wellFormedClaims,
				fc.string({ unit: base64urlChar, maxLength: 40 }),
				fc.constantFrom('', ' ', 'Bearer ', 'bearer\t', '\n'),
				fc.nat(),
				(generated, signature, prefix, breakAt) => {
					const token = jwt(generated.claims, signature);
					// JSON.parse keeps the key order, so equal JSON text means equal claims.
					same(
						JSON.stringify(decodeJwtPayload(token)),
						JSON.stringify(generated.claims),
						'decoded claims',
					);
					same(readRefreshTokenExpiry(token), generated.exp * 1000, 'readRefreshTokenExpiry');
					const index = breakAt % (token.length + 1);
					const pastedToken = `${prefix}${token.slice(0, index)}\r\n${token.slice(index)} \n`;
					same(normalizeToken(pastedToken), token, 'normalizeToken of a pasted token');
					const now = Date.now();
					const settings = readCredential(
						{ accessToken: pastedToken, refreshToken: ' refresh-token-for-property-tests\n' },
						now,
					);
					same(settings.accessToken, token, 'accessToken');
					same(settings.refreshToken, 'refresh-token-for-property-tests', 'refreshToken');
					// An iat more than a minute ahead of the local clock (in a sane token) shows the local clock
					// is behind by at least that much: the expiry moves earlier by as much.
					const iatMs = generated.iat === undefined ? undefined : generated.iat * 1000;
					const behind =
						iatMs !== undefined && generated.exp * 1000 > iatMs && iatMs > now + 60_000
							? iatMs - now
							: undefined;
					same(settings.clockBehindMs, behind, 'clockBehindMs');
					same(
						settings.accessTokenExpiresAt,
						generated.exp * 1000 - (behind ?? 0),
						'accessTokenExpiresAt',
					);
					same(
						settings.accessTokenIssuedAt,
						iatMs === undefined ? undefined : iatMs - (behind ?? 0),
						'accessTokenIssuedAt',
					);
					same(settings.clientId, generated.clientId, 'clientId');
					same(settings.clientIdSource, 'access token', 'clientIdSource');
					same(settings.issuer, generated.issuer.issuer, 'issuer');
					same(settings.issuerSource, 'access token', 'issuerSource');
					same(settings.tokenEndpoint, `${generated.issuer.issuer}/token`, 'tokenEndpoint');
					same(settings.isAacIdentityHost, true, 'isAacIdentityHost');
					same(settings.apiBaseUrl, generated.issuer.apiBaseUrl, 'apiBaseUrl');
				},
			),
			{ numRuns: RUNS },
		);
	});
});
