// Property-based tests (fast-check) over the runtime-agnostic token core: JWT decoding, the issuer
// policy and token-response parsing. Every property runs at least 10,000 generated inputs. On a
// failure fast-check prints the seed, the path and the shrunk counterexample; rerun one with
// fc.assert(property, { seed, path, numRuns }) to reproduce it.
import fc from 'fast-check';
import {
	AacTokenError,
	checkIssuer,
	decodeJwtPayload,
	normalizeToken,
	readCredential,
	readRefreshTokenExpiry,
	requestNewTokens,
	type AacErrorCode,
	type TokenHttpRequest,
	type TokenHttpResponse,
	type TokenSet,
	type TokenSettings,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { describeError } from './helpers/secrets';

const RUNS = 10_000;

// ---------------------------------------------------------------------------------------------
// Shared helpers

// Jest runs this file in a vm context, where every lookup of a global (Math, String, Object…) is
// slow; the helpers that run thousands of times per property use these aliases instead.
const { fromCharCode } = String;
const { imul } = Math;
const { isArray } = Array;
const { entries, defineProperty } = Object;

const encoder = new TextEncoder();
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function base64(bytes: Uint8Array): string {
	let binary = '';
	for (let index = 0; index < bytes.length; index += 4096) binary += fromCharCode(...bytes.subarray(index, index + 4096));
	return btoa(binary);
}

function base64url(bytes: Uint8Array): string {
	return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeText = (text: string): string => base64url(encoder.encode(text));
const JWT_HEADER = encodeText(JSON.stringify({ alg: 'none', typ: 'JWT' }));

/** An unsigned JWT whose payload is exactly the given JSON text (which may be odd on purpose). */
function jwtFromText(payloadJson: string, signature = 'c2ln'): string {
	return `${JWT_HEADER}.${encodeText(payloadJson)}.${signature}`;
}

function jwt(claims: Record<string, unknown>, signature?: string): string {
	return jwtFromText(JSON.stringify(claims), signature);
}

const ERROR_CODES: readonly AacErrorCode[] = [
	'INVALID_FIELD',
	'ISSUER_NOT_ALLOWED',
	'ACCESS_TOKEN_EXPIRED',
	'REFRESH_TOKEN_REJECTED',
	'CLIENT_REJECTED',
	'TOKEN_ENDPOINT_ERROR',
	'TOKEN_ENDPOINT_UNREACHABLE',
	'BAD_TOKEN_RESPONSE',
];
const SETTINGS_CODES: readonly AacErrorCode[] = ['INVALID_FIELD', 'ISSUER_NOT_ALLOWED'];
const ANSWER_CODES: readonly AacErrorCode[] = ['REFRESH_TOKEN_REJECTED', 'CLIENT_REJECTED', 'TOKEN_ENDPOINT_ERROR'];
const TOKEN_ENDPOINT_CODES: readonly AacErrorCode[] = [...ANSWER_CODES, 'TOKEN_ENDPOINT_UNREACHABLE', 'BAD_TOKEN_RESPONSE'];

// Cheap assertions for the generated runs: jest's expect() captures a stack trace per call and
// would cost more than the code under test. A failed one throws, and fast-check shrinks and reports.
function show(value: unknown): string {
	if (typeof value === 'string') return JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}…` : value);
	try {
		return String(JSON.stringify(value)).slice(0, 300);
	} catch {
		return String(value);
	}
}

function check(condition: boolean, what: string, detail?: unknown): void {
	if (!condition) throw new Error(detail === undefined ? what : `${what}: ${show(detail)}`);
}

function same(actual: unknown, expected: unknown, what: string): void {
	if (!Object.is(actual, expected)) throw new Error(`${what}: expected ${show(expected)}, received ${show(actual)}`);
}

/** Anything but a clean AacTokenError with one of `codes` fails the property (a TypeError is rethrown as is). */
function expectAacError(error: unknown, codes: readonly AacErrorCode[]): asserts error is AacTokenError {
	if (!(error instanceof AacTokenError)) throw error;
	check(ERROR_CODES.includes(error.code), 'unknown error code', error.code);
	check(codes.includes(error.code), `error code not one of ${codes.join(', ')}`, error.code);
	same(error.name, 'AacTokenError', 'error name');
	check(typeof error.message === 'string' && error.message.length > 0, 'error without a message');
	check(typeof error.description === 'string' && error.description.length > 0, 'error without a description');
}

/** Epoch milliseconds the node turns into ISO dates: finite and inside the range a Date can hold. */
function expectPrintableEpochMs(value: number | undefined, what: string): void {
	if (value === undefined) return;
	check(typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e15, `${what} is no valid Date`, value);
}

/**
 * The issuer policy restated independently of issuer.ts, on the exact URL a transport receives:
 * AAC identity hosts over https; anything else only with the opt-in, and then https or loopback http,
 * never with credentials, a query or a fragment.
 */
const AAC_TOKEN_ENDPOINT = /^https:\/\/pingauth(?:-[a-z0-9]+)?\.alteryxcloud\.com\/as\/token$/;

function isLoopback(hostname: string): boolean {
	return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function allowedTokenEndpoint(endpoint: string, allowCustomIssuer: boolean): boolean {
	if (AAC_TOKEN_ENDPOINT.test(endpoint)) return true;
	if (!allowCustomIssuer) return false;
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		return false;
	}
	if (`${url.origin}${url.pathname}` !== endpoint) return false; // what is sent is what was checked
	if (url.username || url.password || url.search || url.hash) return false;
	if (url.protocol === 'https:') return true;
	return url.protocol === 'http:' && isLoopback(url.hostname);
}

function parsedUrl(raw: string): URL | undefined {
	try {
		return new URL(raw);
	} catch {
		return undefined;
	}
}

// ---------------------------------------------------------------------------------------------
// Generators: values a credential field or a JWT claim may hold

/** JSON objects whose keys shadow Object.prototype: Number() or String() throws on some of them. */
const protoishObject = fc.dictionary(
	fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'toJSON', 'then', 'length', 'hasOwnProperty'),
	fc.jsonValue({ maxDepth: 1 }),
	{ minKeys: 1, maxKeys: 3, noNullPrototype: true },
);

/** What JSON credential storage or a token endpoint may hand over where a scalar is expected. */
const jsonish: fc.Arbitrary<unknown> = fc.oneof(
	fc.jsonValue({ maxDepth: 2 }),
	protoishObject,
	protoishObject.map((value) => [value]),
	fc.constant(undefined),
);

/** A lighter mix of the same, for generators that need many such values per run. */
const oddJson: fc.Arbitrary<unknown> = fc.oneof(
	fc.constantFrom(null, true, false, 0, -0, 1, -1, 1.5, 1e308, '', ' ', '0', 'null', [], {}, [1]),
	protoishObject,
	fc.jsonValue({ maxDepth: 1 }),
);

const lowerAlnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const base64urlChar = fc.constantFrom(...BASE64URL_ALPHABET.split(''));

/** Raw JSON text for numbers, including ones JSON.parse turns into Infinity or -0. */
const oddNumberText = fc.oneof(
	fc.constantFrom(
		'0',
		'-0',
		'1',
		'-1',
		'0.5',
		'1e400',
		'-1e400',
		'1e308',
		'1.7976931348623157e308',
		'1e306',
		'1e20',
		'8640000000000',
		'8640000000001',
		'1e13',
		'-8640000000001',
		'9007199254740993',
		'1e-400',
		'5e-324',
		'1700000000',
		'4102444800',
	),
	fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
	fc.integer().map(String),
);

const oddValueText = fc.oneof(
	{ weight: 3, arbitrary: oddNumberText },
	fc.constantFrom(
		'null',
		'true',
		'false',
		'""',
		'"1700000000"',
		'"NaN"',
		'"Infinity"',
		'"-1"',
		'[]',
		'[1700000000]',
		'{}',
		'{"$numberLong":"1700000000"}',
		'{"valueOf":1,"toString":1}',
		'{"exp":{"exp":1}}',
	),
	fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
	protoishObject.map((value) => JSON.stringify(value)),
);

// Issuers built from hostile pieces. The benign piece of each slot is picked about two times in
// three, so a fair share of the generated issuers passes the policy and the accepting path is
// exercised as much as the refusing one.
function piece(benign: readonly string[], hostile: readonly string[]): fc.Arbitrary<string> {
	return fc.oneof(
		{ weight: 2 * hostile.length, arbitrary: fc.constantFrom(...benign) },
		{ weight: hostile.length, arbitrary: fc.constantFrom(...hostile) },
	);
}

const scheme = piece(
	['https://'],
	['http://', 'HTTPS://', 'HtTpS://', 'https:/', 'https:', 'https:\\\\', 'https:///', 'ftp://', 'wss://', 'javascript:', 'file://', '', '//', ' https://', 'https://\t', 'h\u200bttps://', 'https\uff1a//'],
);
const userinfo = piece(
	[''],
	['pingauth.alteryxcloud.com@', 'user:pass@', 'u@', ':@', '@', 'evil.com@', 'pingauth.alteryxcloud.com%40', '%40@', 'a:b:c@', 'pingauth.alteryxcloud.com:443@'],
);
const region = fc.oneof(
	fc.constantFrom('us1', 'eu1', 'au1', 'us2', 'x', '0', 'eu-1', 'EU1', '', 'eu_1', 'eu1.', 'xn--9ca'),
	fc.string({ unit: fc.constantFrom(...'abcxyz019-_.%'.split('')), maxLength: 6 }),
);
const aacHost = fc.oneof(fc.constant('pingauth.alteryxcloud.com'), region.map((name) => `pingauth-${name}.alteryxcloud.com`));
const host: fc.Arbitrary<string> = fc.oneof(
	{ weight: 12, arbitrary: aacHost },
	aacHost.map((name) => name.toUpperCase()),
	aacHost.map((name) => `${name}.`),
	aacHost.map((name) => `${name}.evil.com`),
	aacHost.map((name) => `evil${name}`),
	aacHost.map((name) => `evil.${name}`),
	aacHost.map((name) => name.replace(/\./g, '%2e')),
	aacHost.map((name) => name.replace('i', '\u0456')), // Cyrillic i
	aacHost.map((name) => name.replace(/\./g, '\u3002')), // ideographic full stop
	aacHost.map((name) => name.replace('alteryxcloud', 'alteryxcl0ud')),
	fc.constantFrom(
		'evilalteryxcloud.com',
		'alteryxcloud.com',
		'pingauth.alteryxcloud.co',
		'pingauth.alteryxcloud.com.evil.com',
		'pingauth--eu1.alteryxcloud.com',
		'xn--pngauth-5gb.alteryxcloud.com',
		'pingauth.alteryxcloud.com%00.evil.com',
		'pingauth.alteryxcloud.com\u0000',
		'pingauth.alteryxcloud.com%2f@evil.com',
		'localhost',
		'LOCALHOST',
		'localhost.',
		'127.0.0.1',
		'127.1',
		'0x7f.0.0.1',
		'2130706433',
		'017700000001',
		'[::1]',
		'[::ffff:127.0.0.1]',
		'[0:0:0:0:0:0:0:1]',
		'169.254.169.254',
		'10.0.0.1',
		'0.0.0.0',
		'[fe80::1%25eth0]',
		'evil.com',
		'',
	),
	fc.domain(),
	fc.ipV4(),
	fc.ipV4Extended(),
	fc.ipV6().map((ip) => `[${ip}]`),
);
const port = piece([''], [':443', ':80', ':8443', ':', ':0', ':65535', ':65536', ':443abc', ':0443', ':-1']);
const path = piece(
	['/as', '/as/'],
	['/as//', '', '/', '/AS', '/As', '/as/token', '/as/../evil', '/as/%2e%2e/evil', '/%61s', '/as;x', '/./as', '/as/.', '/as/./', '/evil/../as', '//evil.com/as', '/as%2f', '/as%00', '/as\\', '/as/ ', '/as\t', '/as@evil.com'],
);
const suffix = piece(
	[''],
	['?', '#', '?x=1', '#frag', '?next=https://evil.com', '#@evil.com', '@evil.com', '\\@evil.com', ' ', '%20', '\t', '\n', '/', '/.', '/..'],
);
const hostileChar = fc.constantFrom('@', '\\', ' ', '\t', '\n', '%', '%2e', '#', '?', '.', '/', ':', '[', ']', '\u0000', '\u00a0', '\u0130', '\u00df', '\uff0e', '@evil.com');

const issuerFromPieces = fc.tuple(scheme, userinfo, host, port, path, suffix).map((parts) => parts.join(''));
const hostileIssuer: fc.Arbitrary<string> = fc.oneof(
	{ weight: 8, arbitrary: issuerFromPieces },
	{
		weight: 3,
		arbitrary: fc.tuple(issuerFromPieces, fc.nat(), hostileChar).map(([raw, at, char]) => {
			const index = at % (raw.length + 1);
			return raw.slice(0, index) + char + raw.slice(index);
		}),
	},
	fc.mixedCase(issuerFromPieces),
	fc.webUrl({
		withQueryParameters: true,
		withFragments: true,
		authoritySettings: { withUserInfo: true, withPort: true, withIPv4: true, withIPv6: true, withIPv4Extended: true },
	}),
	fc.webUrl({ validSchemes: ['https'] }).map((url) => `${url.replace(/\/$/, '')}/as`),
	fc.string({ unit: 'binary', maxLength: 60 }),
	fc.string({ maxLength: 60 }),
);

/** Raw JSON text of a claims object; keys may repeat (JSON.parse keeps the last one). */
const claimKey = fc.oneof(
	fc.constantFrom('exp', 'iat', 'iss', 'client_id', 'nbf', 'sub', '__proto__', 'constructor', 'toString', 'valueOf'),
	fc.string({ maxLength: 8 }),
);
const claimsText = fc
	.array(fc.tuple(claimKey, fc.oneof(oddValueText, hostileIssuer.map((raw) => JSON.stringify(raw)))), { maxLength: 8 })
	.map((pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);
/** Claims that mostly get past the JWT checks, so the later ones (issuer, client id) run too. */
const plausibleClaimsText = fc
	.record({
		exp: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 4_102_444_800 }).map(String) }, oddValueText),
		iat: fc.option(oddValueText, { nil: undefined }),
		iss: fc.oneof({ weight: 2, arbitrary: hostileIssuer.map((raw) => JSON.stringify(raw)) }, oddValueText),
		clientId: fc.oneof({ weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((id) => JSON.stringify(id)) }, oddValueText),
		extra: claimsText,
	})
	.map(({ exp, iat, iss, clientId, extra }) => {
		const known = `"exp":${exp},${iat === undefined ? '' : `"iat":${iat},`}"iss":${iss},"client_id":${clientId}`;
		return extra === '{}' ? `{${known}}` : `{${known},${extra.slice(1)}`;
	});

const base64Chars = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/='.split('')), maxLength: 60 });
const segment: fc.Arbitrary<string> = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 40 }),
	base64Chars,
	fc.string({ unit: 'binary', maxLength: 40 }).map(encodeText),
	fc.uint8Array({ maxLength: 60 }).map(base64url),
	fc.uint8Array({ maxLength: 60 }).map(base64),
	fc.jsonValue({ maxDepth: 3 }).map((value) => encodeText(JSON.stringify(value))),
	claimsText.map(encodeText),
	{ weight: 3, arbitrary: plausibleClaimsText.map(encodeText) },
	claimsText.map((text) => `${encodeText(text)}=`),
	plausibleClaimsText.map((text) => base64(encoder.encode(text))),
	fc.constantFrom('', '=', '==', '===', 'eyJ', 'e30', 'W10', 'bnVsbA', 'MQ'),
);
const dotted = fc.tuple(segment, segment, segment).map((parts) => parts.join('.'));
const wellShaped = plausibleClaimsText.map((text) => jwtFromText(text));
const whitespace = fc.constantFrom(' ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\ufeff', '\u3000', '\v');
/** What a person might paste: surrounding space, "Bearer ", line breaks inside. */
const pasted = fc
	.tuple(
		fc.constantFrom('', ' ', 'Bearer ', 'bearer\t', '\n', 'BEARER  ', '\u00a0', '\ufeff', 'Bearer', 'Basic '),
		fc.oneof(dotted, wellShaped),
		fc.array(fc.tuple(fc.nat(), whitespace), { maxLength: 3 }),
		fc.constantFrom('', '\n', ' \r\n', '\u2028'),
	)
	.map(([before, token, breaks, after]) => {
		let text = token;
		for (const [at, space] of breaks) {
			const index = at % (text.length + 1);
			text = text.slice(0, index) + space + text.slice(index);
		}
		return before + text + after;
	});
const tokenString: fc.Arbitrary<string> = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 80 }),
	fc.string({ unit: 'grapheme', maxLength: 40 }),
	{ weight: 3, arbitrary: dotted },
	{ weight: 3, arbitrary: wellShaped },
	fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('.')),
	{ weight: 2, arbitrary: pasted },
);

// ---------------------------------------------------------------------------------------------
// 1. JWT decoding

describe('JWT decoding (property-based)', () => {
	test('normalizeToken, decodeJwtPayload and readRefreshTokenExpiry never throw and return clean values', () => {
		fc.assert(
			fc.property(fc.oneof({ weight: 6, arbitrary: tokenString }, jsonish, fc.anything()), (raw) => {
				const normalized = normalizeToken(raw);
				check(typeof normalized === 'string', 'normalizeToken returned no string');
				same(normalizeToken(normalized), normalized, 'normalizeToken is idempotent');
				if (typeof raw !== 'string') {
					same(normalized, '', 'normalizeToken of a non-string');
					return;
				}
				if (/\s/.test(raw)) check(!/\s/.test(normalized), 'whitespace left after normalizeToken', normalized);
				else same(normalized, raw, 'normalizeToken changed a value without whitespace');
				for (const token of [raw, normalized]) {
					const payload = decodeJwtPayload(token);
					if (payload !== undefined) {
						check(payload !== null && typeof payload === 'object' && !Array.isArray(payload), 'payload is no object', payload);
					}
					expectPrintableEpochMs(readRefreshTokenExpiry(token), 'readRefreshTokenExpiry');
				}
			}),
			{ numRuns: RUNS },
		);
	});

	const settingsNumber = fc.oneof(
		fc.constant(undefined),
		fc.double(),
		fc.integer({ min: -10, max: 4000 }),
		fc.constantFrom('', '30', ' 60 ', '1e3', '0x10', 'abc', 'Infinity', '-0'),
		jsonish,
	);
	const otherFields = fc.record(
		{
			refreshToken: fc.oneof({ weight: 4, arbitrary: fc.constant('refresh-token-for-property-tests') }, tokenString, jsonish),
			clientId: fc.oneof(fc.constant(undefined), fc.constant(''), fc.string({ maxLength: 12 }), jsonish),
			issuer: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, fc.constant(''), hostileIssuer, hostileIssuer.map((raw) => ` ${raw}\n`), jsonish),
			allowCustomIssuer: fc.oneof(fc.boolean(), jsonish),
			apiBaseUrl: fc.oneof(fc.constant(undefined), fc.constant(''), fc.constant('https://us1.alteryxcloud.com'), hostileIssuer, jsonish),
			refreshMode: fc.oneof(fc.constantFrom('automatic', 'refreshOperationOnly'), jsonish),
			refreshMarginSeconds: settingsNumber,
			requestTimeoutSeconds: settingsNumber,
			lastRotatedAt: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 30 }), jsonish),
			refreshStartedAt: fc.oneof(fc.constant(undefined), fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.string({ maxLength: 30 }), jsonish),
		},
		{ requiredKeys: [] },
	);

	test('readCredential with arbitrary access tokens and fields: valid settings or an AacTokenError naming a field', () => {
		fc.assert(
			fc.property(fc.oneof({ weight: 8, arbitrary: tokenString }, jsonish), otherFields, (accessToken, fields) => {
				const data: Record<string, unknown> = { ...fields, accessToken };
				let settings: TokenSettings;
				try {
					settings = readCredential(data);
				} catch (error) {
					expectAacError(error, SETTINGS_CODES);
					if (error.code === 'INVALID_FIELD') check(error.message.startsWith('Credential field "'), 'INVALID_FIELD names no field', error.message);
					return;
				}
				same(settings.accessToken, normalizeToken(accessToken), 'accessToken');
				check(settings.accessToken.length > 0, 'empty accessToken');
				same(settings.refreshToken, normalizeToken(data.refreshToken), 'refreshToken');
				check(settings.refreshToken.length > 0, 'empty refreshToken');
				check(typeof settings.clientId === 'string' && settings.clientId.length > 0, 'empty clientId');
				check(settings.accessTokenExpiresAt > 0, 'accessTokenExpiresAt not positive', settings.accessTokenExpiresAt);
				expectPrintableEpochMs(settings.accessTokenExpiresAt, 'accessTokenExpiresAt');
				expectPrintableEpochMs(settings.accessTokenIssuedAt, 'accessTokenIssuedAt');
				same(settings.allowCustomIssuer, data.allowCustomIssuer === true, 'allowCustomIssuer');
				same(settings.tokenEndpoint, `${settings.issuer}/token`, 'tokenEndpoint');
				check(allowedTokenEndpoint(settings.tokenEndpoint, settings.allowCustomIssuer), 'token endpoint outside the policy', settings.tokenEndpoint);
				same(settings.isAacIdentityHost, AAC_TOKEN_ENDPOINT.test(settings.tokenEndpoint), 'isAacIdentityHost');
				const api = parsedUrl(settings.apiBaseUrl);
				check(api !== undefined && (api.protocol === 'https:' || (api.protocol === 'http:' && isLoopback(api.hostname))), 'apiBaseUrl', settings.apiBaseUrl);
				check(settings.refreshMarginMs >= 0 && settings.refreshMarginMs <= 3_600_000, 'refreshMarginMs out of range', settings.refreshMarginMs);
				check(settings.timeoutMs >= 1000 && settings.timeoutMs <= 300_000, 'timeoutMs out of range', settings.timeoutMs);
				check(settings.refreshMode === 'automatic' || settings.refreshMode === 'refreshOperationOnly', 'refreshMode', settings.refreshMode);
			}),
			{ numRuns: RUNS },
		);
	});

	const aacIssuer = fc
		.record({ region: fc.option(fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 6 }), { nil: undefined }), slash: fc.boolean(), upper: fc.boolean() })
		.map(({ region: name, slash, upper }) => {
			const hostName = name === undefined ? 'pingauth.alteryxcloud.com' : `pingauth-${name}.alteryxcloud.com`;
			return {
				raw: `https://${upper ? hostName.toUpperCase() : hostName}/as${slash ? '/' : ''}`,
				issuer: `https://${hostName}/as`,
				apiBaseUrl: `https://${name ?? 'us1'}.alteryxcloud.com`,
			};
		});
	const claimsArb = fc
		.record({
			exp: fc.oneof(fc.integer({ min: 1, max: 4_102_444_800 }), fc.double({ min: 1, max: 1e11, noNaN: true })),
			iat: fc.option(fc.integer({ min: 0, max: 4_102_444_800 }), { nil: undefined }),
			issuer: aacIssuer,
			clientId: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
			extra: fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
		})
		.map(({ exp, iat, issuer, clientId, extra }) => ({
			claims: { ...extra, exp, ...(iat === undefined ? {} : { iat }), iss: issuer.raw, client_id: clientId } as Record<string, unknown>,
			exp,
			iat,
			issuer,
			clientId,
		}));

	test('a well-formed JWT round-trips its claims through decoding, pasting and readCredential', () => {
		fc.assert(
			fc.property(claimsArb, fc.string({ unit: base64urlChar, maxLength: 40 }), fc.constantFrom('', ' ', 'Bearer ', 'bearer\t', '\n'), fc.nat(), (generated, signature, prefix, breakAt) => {
				const token = jwt(generated.claims, signature);
				// JSON.parse keeps the key order, so equal JSON text means equal claims.
				same(JSON.stringify(decodeJwtPayload(token)), JSON.stringify(generated.claims), 'decoded claims');
				same(readRefreshTokenExpiry(token), generated.exp * 1000, 'readRefreshTokenExpiry');
				const index = breakAt % (token.length + 1);
				const pastedToken = `${prefix}${token.slice(0, index)}\r\n${token.slice(index)} \n`;
				same(normalizeToken(pastedToken), token, 'normalizeToken of a pasted token');
				const now = Date.now();
				const settings = readCredential({ accessToken: pastedToken, refreshToken: ' refresh-token-for-property-tests\n' }, now);
				same(settings.accessToken, token, 'accessToken');
				same(settings.refreshToken, 'refresh-token-for-property-tests', 'refreshToken');
				// An iat more than a minute ahead of the local clock (in a sane token) shows the local clock
				// is behind by at least that much: the expiry moves earlier by as much.
				const iatMs = generated.iat === undefined ? undefined : generated.iat * 1000;
				const behind = iatMs !== undefined && generated.exp * 1000 > iatMs && iatMs > now + 60_000 ? iatMs - now : undefined;
				same(settings.clockBehindMs, behind, 'clockBehindMs');
				same(settings.accessTokenExpiresAt, generated.exp * 1000 - (behind ?? 0), 'accessTokenExpiresAt');
				same(settings.accessTokenIssuedAt, iatMs === undefined ? undefined : iatMs - (behind ?? 0), 'accessTokenIssuedAt');
				same(settings.clientId, generated.clientId, 'clientId');
				same(settings.clientIdSource, 'access token', 'clientIdSource');
				same(settings.issuer, generated.issuer.issuer, 'issuer');
				same(settings.issuerSource, 'access token', 'issuerSource');
				same(settings.tokenEndpoint, `${generated.issuer.issuer}/token`, 'tokenEndpoint');
				same(settings.isAacIdentityHost, true, 'isAacIdentityHost');
				same(settings.apiBaseUrl, generated.issuer.apiBaseUrl, 'apiBaseUrl');
			}),
			{ numRuns: RUNS },
		);
	});
});

// ---------------------------------------------------------------------------------------------
// 2. Issuer policy

/** Whether checkIssuer may call `raw` "not an http(s) URL" (INVALID_FIELD) rather than refuse it. */
function mayBeInvalidField(raw: string): boolean {
	if (!/^[\x21-\x7e]+$/.test(raw) || raw.includes('\\')) return true;
	const url = parsedUrl(raw);
	return url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:');
}

function checkIssuerProperty(allowCustomIssuer: boolean) {
	return fc.property(hostileIssuer, (raw) => {
		let info: ReturnType<typeof checkIssuer>;
		try {
			info = checkIssuer(raw, allowCustomIssuer, 'issuer');
		} catch (error) {
			expectAacError(error, SETTINGS_CODES);
			if (error.code === 'INVALID_FIELD') check(mayBeInvalidField(raw), 'an http(s) URL called invalid instead of refused', raw);
			return;
		}
		check(allowedTokenEndpoint(info.tokenEndpoint, allowCustomIssuer), 'token endpoint outside the policy', info.tokenEndpoint);
		same(info.tokenEndpoint, `${info.issuer}/token`, 'tokenEndpoint');
		same(info.isAacIdentityHost, AAC_TOKEN_ENDPOINT.test(info.tokenEndpoint), 'isAacIdentityHost');
		if (!allowCustomIssuer) same(info.isAacIdentityHost, true, 'accepted without the opt-in but no AAC identity host');
		// The host we send to is the host a URL parser reads from the raw value: no parser differential.
		const url = parsedUrl(raw);
		check(url !== undefined, 'accepted an unparsable issuer', raw);
		same(new URL(info.issuer).host, url?.host, 'issuer host');
		if (info.isAacIdentityHost) check(/^https:\/\/[a-z0-9]+\.alteryxcloud\.com$/.test(info.defaultApiBaseUrl), 'defaultApiBaseUrl', info.defaultApiBaseUrl);
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
			{ status: 200, headers: {}, body: { access_token: 'opaque-access-token', refresh_token: 'next-refresh-token', expires_in: 300 } },
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
					const transport = jest.fn(async (request: TokenHttpRequest): Promise<TokenHttpResponse> => {
						urls.push(request.url);
						return script[Math.min(urls.length - 1, script.length - 1)];
					});
					const claims = { client_id: 'c', exp: 1, iss: source === 'claim' ? raw : 'https://evil.example/as' };
					const data: Record<string, unknown> = { accessToken: jwt(claims), refreshToken: REFRESH, allowCustomIssuer };
					if (source === 'field') data.issuer = raw;
					if (source === 'field with spaces') data.issuer = `  ${raw}\t`;
					// Settings and request together, as the credential does: a refusal must come before any request.
					const attempt = async () => requestNewTokens(readCredential(data), { transport, sleep: async () => {}, now: () => 1_700_000_000_000 });
					let outcome: unknown = 'resolved';
					try {
						await attempt();
					} catch (error) {
						outcome = error;
					}
					for (const url of urls) check(allowedTokenEndpoint(url, allowCustomIssuer), 'a request went outside the policy', url);
					const calls = transport.mock.calls.length;
					check(calls <= 3, 'more than 3 requests', calls);
					if (outcome === 'resolved') {
						check(calls > 0, 'resolved without a request');
						return;
					}
					expectAacError(outcome, [...SETTINGS_CODES, ...TOKEN_ENDPOINT_CODES]);
					if (SETTINGS_CODES.includes(outcome.code)) same(calls, 0, `requests despite ${outcome.code}`);
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
			name: fc.option(fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 8 }), { nil: undefined }),
			upper: fc.boolean(),
			slashes: fc.nat({ max: 3 }),
			defaultPort: fc.boolean(),
			allowCustomIssuer: fc.boolean(),
		});
		fc.assert(
			fc.property(genuine, ({ name, upper, slashes, defaultPort, allowCustomIssuer }) => {
				const hostName = name === undefined ? 'pingauth.alteryxcloud.com' : `pingauth-${name}.alteryxcloud.com`;
				const raw = `https://${upper ? hostName.toUpperCase() : hostName}${defaultPort ? ':443' : ''}/as${'/'.repeat(slashes)}`;
				const info = checkIssuer(raw, allowCustomIssuer, 'issuer');
				same(info.issuer, `https://${hostName}/as`, 'issuer');
				same(info.tokenEndpoint, `https://${hostName}/as/token`, 'tokenEndpoint');
				same(info.isAacIdentityHost, true, 'isAacIdentityHost');
				same(info.defaultApiBaseUrl, `https://${name ?? 'us1'}.alteryxcloud.com`, 'defaultApiBaseUrl');
			}),
			{ numRuns: RUNS },
		);
	});
});

// ---------------------------------------------------------------------------------------------
// 3. Token-response parsing

/** A secret no generated text can contain by accident: 16 to 320 characters from a seeded PRNG. */
const SECRET_CODES = BASE64URL_ALPHABET.split('').map((char) => char.charCodeAt(0));
function secretFrom(seed: number, length: number): string {
	let state = seed >>> 0;
	const codes: number[] = [];
	for (let index = 0; index < length; index++) {
		state = (state + 0x6d2b79f5) >>> 0;
		let mixed = state;
		mixed = imul(mixed ^ (mixed >>> 15), mixed | 1);
		mixed ^= mixed + imul(mixed ^ (mixed >>> 7), mixed | 61);
		codes.push(SECRET_CODES[((mixed ^ (mixed >>> 14)) >>> 0) % 64]);
	}
	return fromCharCode(...codes);
}
const secretSeed = fc.record({ seed: fc.integer(), length: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 16, max: 64 }) }, fc.integer({ min: 65, max: 320 })) });
type SecretSeed = { seed: number; length: number };

// Bodies are generated with markers where a secret goes; the markers are replaced per answer with
// that answer's own secrets (or the ones sent), so each answer carries distinct tokens.
const MARK = {
	sentRefresh: '\u0001SENT_REFRESH\u0001',
	sentAccess: '\u0001SENT_ACCESS\u0001',
	newRefresh: '\u0001NEW_REFRESH\u0001',
	newAccess: '\u0001NEW_ACCESS\u0001',
	newAccessJwt: '\u0001NEW_ACCESS_JWT\u0001',
} as const;
const anyMark = fc.constantFrom(...Object.values(MARK));

/** Server text, sometimes echoing a secret, sometimes long enough to be shortened around it. */
const serverText = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc.tuple(fc.string({ maxLength: 260, size: 'max' }), anyMark, fc.string({ maxLength: 40 })).map((parts) => parts.join('')),
	fc.tuple(fc.integer({ min: 150, max: 230 }), anyMark).map(([length, mark]) => `${'.'.repeat(length)}${mark} and more`),
	fc.constantFrom('x'.repeat(5000), ''),
);
const tokenField = (good: fc.Arbitrary<string>) =>
	fc.oneof(
		{ weight: 6, arbitrary: good },
		fc.constantFrom('', ' ', 'x'.repeat(50_000), MARK.sentRefresh),
		oddJson,
		serverText,
	);
const tokenObject = fc
	.tuple(
		fc.record(
			{
				access_token: tokenField(fc.constantFrom(MARK.newAccess, MARK.newAccessJwt)),
				refresh_token: tokenField(fc.constant(MARK.newRefresh)),
				expires_in: fc.oneof(
					{ weight: 3, arbitrary: fc.integer({ min: 1, max: 86_400 }) },
					fc.constantFrom(0, -5, 1e306, 1e300, 8.64e12, 1e-7, '3600', ' 3600 ', '0x10', '1e3', '1e400', 'Infinity', '', true, null, [60], {}),
					fc.double(),
					oddJson,
					protoishObject,
					protoishObject.map((value) => [value]),
				),
				token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'mac', 'DPoP', '', 1, null), serverText, oddJson),
				error: fc.oneof(
					{ weight: 3, arbitrary: fc.constantFrom('invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_request', 'server_error', 'temporarily_unavailable') },
					serverText,
					oddJson,
				),
				error_description: fc.oneof(serverText, oddJson),
				scope: fc.string({ maxLength: 20 }),
			},
			{ requiredKeys: [] },
		),
		fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'toString', 'valueOf', 'id_token')), oddJson, { maxKeys: 3 }),
	)
	.map(([known, extra]) => ({ ...extra, ...known }));
/** Answers close to a real rotation, so the success path is exercised as much as the failures. */
const rotationObject = fc.record(
	{
		access_token: fc.constantFrom(MARK.newAccess, MARK.newAccessJwt),
		refresh_token: fc.constant(MARK.newRefresh),
		expires_in: fc.oneof(fc.integer({ min: 1, max: 86_400 }), fc.constantFrom(1e306, 8.64e12, 1e-7, '3600', 0, null), protoishObject),
		token_type: fc.constantFrom('Bearer', 'bearer', 'BEARER'),
		scope: fc.string({ maxLength: 20 }),
	},
	{ requiredKeys: ['access_token', 'refresh_token'] },
);
type BodySpec =
	| { kind: 'object'; value: Record<string, unknown>; encoding: 'parsed' | 'json' | 'pretty' | 'truncated'; cut: number }
	| { kind: 'raw'; value: unknown };
const bodySpec: fc.Arbitrary<BodySpec> = fc.oneof(
	{
		weight: 8,
		arbitrary: fc.record({
			kind: fc.constant('object' as const),
			value: fc.oneof(tokenObject, rotationObject),
			encoding: fc.constantFrom('parsed' as const, 'json' as const, 'pretty' as const, 'truncated' as const),
			cut: fc.nat(),
		}),
	},
	fc.record({
		kind: fc.constant('raw' as const),
		value: fc.oneof(
			serverText.map((text) => `<!DOCTYPE html><html><body>${text}</body></html>`),
			serverText.map((text) => `  <html>${text}`),
			fc.string({ unit: 'binary', maxLength: 60 }),
			serverText,
			fc.constantFrom('', 'null', '[]', '{}', '"string"', '{"access_token":', 'x'.repeat(1_000_000), `{"access_token":"${'y'.repeat(200_000)}","expires_in":60}`),
			fc.array(tokenObject, { maxLength: 2 }),
			jsonish,
		),
	}),
);
const retryAfter = fc.oneof(
	{ weight: 3, arbitrary: fc.constant(undefined) },
	fc.constantFrom('0', '1', '60', '61', '0.5', ' 1 ', '-1', '1e400', 'NaN', 'Infinity', '', 'soon', '1e-9', '59.999'),
	fc.integer({ min: -100, max: 100_000 }).map(String),
	fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
	fc.string({ maxLength: 30 }),
);
const status = fc.oneof(
	{ weight: 3, arbitrary: fc.constantFrom(200, 201, 204, 299, 100, 301, 302, 307, 400, 401, 403, 404, 429, 500, 502, 503, 504, 599) },
	fc.integer({ min: 100, max: 599 }),
);

type FailureSpec = { asError: boolean; code?: unknown; name?: unknown; message: string; cause?: FailureSpec | null };
const failureCode = fc.constantFrom(
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'EADDRNOTAVAIL',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
	'ECONNRESET',
	'EPIPE',
	'UND_ERR_SOCKET',
	'ERR_STREAM_PREMATURE_CLOSE',
	'EPROTO',
	'ERR_INVALID_URL',
	'',
	undefined,
	42,
);
const { failure } = fc.letrec<{ failure: FailureSpec }>((tie) => ({
	failure: fc.record(
		{
			asError: fc.boolean(),
			code: failureCode,
			name: fc.constantFrom('Error', 'TypeError', 'TimeoutError', 'AbortError', 'FetchError', 'AxiosError', undefined, 5),
			message: fc.oneof(fc.string({ maxLength: 20 }), anyMark.map((mark) => `request failed: refresh_token=${mark}`)),
			cause: fc.option(tie('failure'), { depthSize: 'small' }),
		},
		{ requiredKeys: ['asError', 'message'] },
	),
}));
const NOT_SENT_PATTERN = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL/;

type StepSpec =
	| { kind: 'answer'; status: number; retryAfter?: string; body: BodySpec; jwtClaims: string; secrets: [SecretSeed, SecretSeed, SecretSeed] }
	| { kind: 'fail'; failure: FailureSpec | string | null };
const step: fc.Arbitrary<StepSpec> = fc.oneof(
	{
		weight: 5,
		arbitrary: fc.record({
			kind: fc.constant('answer' as const),
			status,
			retryAfter,
			body: bodySpec,
			jwtClaims: fc.oneof(
				fc.integer({ min: 1, max: 4_102_444_800 }).map((exp) => `{"exp":${exp},"iat":${exp - 300}}`),
				plausibleClaimsText,
				claimsText,
			),
			secrets: fc.tuple(secretSeed, secretSeed, secretSeed),
		}),
	},
	fc.record({
		kind: fc.constant('fail' as const),
		failure: fc.oneof({ weight: 4, arbitrary: failure }, fc.constantFrom(null, 'ECONNREFUSED', MARK.sentRefresh)),
	}),
);

interface Materialized {
	response?: TokenHttpResponse;
	/** The body as the core parses it (JSON text parsed), when it is an object. */
	parsed?: Record<string, unknown>;
	failure?: unknown;
	/** Token values this answer carries (access_token / refresh_token): must never show in an error. */
	tokens: string[];
	/** Random secrets inside those tokens (opaque tokens, JWT signatures): no 16 characters of them may show. */
	opaque: string[];
}

function replaceMarks(value: unknown, marks: Array<[string, string]>): unknown {
	if (typeof value === 'string') {
		if (!value.includes('\u0001')) return value;
		let text = value;
		for (const [mark, secret] of marks) if (text.includes(mark)) text = text.split(mark).join(secret);
		return text;
	}
	if (isArray(value)) return value.map((item) => replaceMarks(item, marks));
	if (value !== null && typeof value === 'object') {
		const copy: Record<string, unknown> = {};
		// defineProperty: a "__proto__" key stays an own property, as JSON.parse makes it.
		for (const [key, item] of entries(value)) defineProperty(copy, key, { value: replaceMarks(item, marks), enumerable: true, writable: true, configurable: true });
		return copy;
	}
	return value;
}

function buildFailure(spec: FailureSpec | string | null | undefined, marks: Array<[string, string]>): unknown {
	if (spec === null || spec === undefined || typeof spec === 'string') return replaceMarks(spec, marks);
	const fields: Record<string, unknown> = {};
	if (spec.code !== undefined) fields.code = spec.code;
	if (spec.name !== undefined) fields.name = spec.name;
	if (spec.cause) fields.cause = buildFailure(spec.cause, marks);
	const message = replaceMarks(spec.message, marks) as string;
	// Like an HTTP client's error: the request, refresh token included, hangs off it.
	fields.config = { data: replaceMarks(`grant_type=refresh_token&refresh_token=${MARK.sentRefresh}`, marks) };
	return spec.asError ? Object.assign(new Error(message), fields) : { message, ...fields };
}

function materialize(spec: StepSpec, stepIndex: number, sent: { refreshToken: string; accessToken: string }): Materialized {
	const base: Array<[string, string]> = [
		[MARK.sentRefresh, sent.refreshToken],
		[MARK.sentAccess, sent.accessToken],
	];
	if (spec.kind === 'fail') return { failure: buildFailure(spec.failure, base), tokens: [], opaque: [] };
	// Salted per role and per step, so no two secrets share a PRNG stream even when fast-check repeats a seed.
	const [newRefresh, newAccess, newSignature] = spec.secrets.map(({ seed, length }, role) => secretFrom(seed ^ imul(0x9e3779b9, stepIndex * 3 + role + 1), length));
	const marks: Array<[string, string]> = [
		...base,
		[MARK.newRefresh, newRefresh],
		[MARK.newAccess, newAccess],
		[MARK.newAccessJwt, jwtFromText(spec.jwtClaims, newSignature)],
	];
	let body: unknown;
	let parsed: Record<string, unknown> | undefined;
	if (spec.body.kind === 'object') {
		const value = replaceMarks(spec.body.value, marks) as Record<string, unknown>;
		if (spec.body.encoding === 'parsed') body = value;
		else if (spec.body.encoding === 'pretty') body = `\n ${JSON.stringify(value, null, 2)}\n`;
		else {
			const json = JSON.stringify(value);
			body = spec.body.encoding === 'json' ? json : json.slice(0, spec.body.cut % (json.length + 1));
		}
	} else {
		body = replaceMarks(spec.body.value, marks);
	}
	if (typeof body === 'string') {
		try {
			const value: unknown = JSON.parse(body);
			if (value !== null && typeof value === 'object' && !Array.isArray(value)) parsed = value as Record<string, unknown>;
		} catch {
			parsed = undefined;
		}
	} else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
		parsed = body as Record<string, unknown>;
	}
	const tokens = [parsed?.access_token, parsed?.refresh_token].filter((token): token is string => typeof token === 'string' && token.length >= 16);
	// A generated secret counts when a token field is exactly it (or a JWT signed with it); a field
	// that merely contains one among other text makes that whole text the token, not the secret.
	const opaque = [newRefresh, newAccess, newSignature].filter((secret) => tokens.some((token) => token === secret || token.endsWith(`.${secret}`)));
	return {
		response: { status: spec.status, headers: { 'retry-after': spec.retryAfter }, body },
		parsed,
		tokens,
		opaque,
	};
}

/** No secret, and no 16 characters in a row of a random one, in anything an error exposes. */
function expectNoSecretsIn(error: unknown, whole: string[], opaque: string[]): void {
	const text = describeError(error);
	for (const secret of whole) {
		if (text.includes(secret)) throw new Error(`a token leaked into the error: ${text.slice(0, 2000)}`);
	}
	for (const secret of opaque) {
		// Windows every 8 characters, plus the last one: any 24 leaked characters in a row are caught.
		const starts: number[] = [];
		for (let start = 0; start + 16 <= secret.length; start += 8) starts.push(start);
		starts.push(secret.length - 16);
		for (const start of starts) {
			const window = secret.slice(start, start + 16);
			if (text.includes(window)) throw new Error(`part of a secret (${window}) leaked into the error: ${text.slice(0, 2000)}`);
		}
	}
}

describe('token-response parsing (property-based)', () => {
	const scenario = fc.record({
		sentRefresh: secretSeed,
		sentSignature: secretSeed,
		steps: fc.array(step, { minLength: 1, maxLength: 3 }), // never more than 3 attempts
		now: fc.oneof(fc.constant(Date.now()), fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 })),
		backoffBaseMs: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
	});

	test('any answers: a TokenSet from the body or a known AacTokenError; at most 3 attempts; no secret in any error', async () => {
		const outcomes = new Map<string, number>();
		await fc.assert(
			fc.asyncProperty(scenario, async ({ sentRefresh, sentSignature, steps, now, backoffBaseMs }) => {
				const refreshToken = secretFrom(sentRefresh.seed ^ 0x5a5a5a5a, sentRefresh.length);
				const signature = secretFrom(sentSignature.seed ^ 0x3c3c3c3c, sentSignature.length);
				const accessToken = jwt({ iss: 'https://pingauth.alteryxcloud.com/as', client_id: 'property-client', exp: 1, jti: 'property' }, signature);
				const settings = readCredential({ accessToken, refreshToken });
				// The script's last step repeats; each answer is built when it is asked for.
				const seen: Materialized[] = [];
				const requests: TokenHttpRequest[] = [];
				const waits: number[] = [];
				const transport = jest.fn(async (request: TokenHttpRequest): Promise<TokenHttpResponse> => {
					requests.push(request);
					const index = Math.min(requests.length - 1, steps.length - 1);
					const answer = materialize(steps[index], index, { refreshToken, accessToken });
					seen.push(answer);
					if (answer.response) return answer.response;
					throw answer.failure;
				});
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
				for (const ms of waits) check(Number.isFinite(ms) && ms >= 0 && ms <= 60_000, 'a wait out of 0..60 s', ms);
				const form = `grant_type=refresh_token&refresh_token=${encodeURIComponent(refreshToken)}&client_id=property-client`;
				for (const request of requests) {
					same(request.url, 'https://pingauth.alteryxcloud.com/as/token', 'request url');
					same(request.body, form, 'request body');
				}
				for (const answer of seen.slice(0, -1)) {
					// Repeated only: 429/503 answers (not processed), and failures that say the request was never sent.
					if (answer.response) check(answer.response.status === 429 || answer.response.status === 503, 'repeated after an answer that may have been processed', answer.response.status);
					else check(NOT_SENT_PATTERN.test(JSON.stringify(answer.failure ?? null)), 'repeated after a failure that may have been sent', answer.failure);
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
					check(typeof result.accessToken === 'string' && result.accessToken.length > 0, 'empty accessToken');
					same(result.accessToken, body.access_token, 'accessToken taken from the body');
					// The new refresh token, or (RFC 6749 §6: the server kept it) the one that was sent.
					const kept = body.refresh_token === undefined || body.refresh_token === null || body.refresh_token === '';
					same(result.refreshToken, kept ? refreshToken : body.refresh_token, 'refreshToken taken from the body');
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
					else check(ANSWER_CODES.includes(rejection.code), 'error code for an error answer', rejection.code);
					// A 2xx, and a 5xx other than 503 (a gateway may have forwarded it), may have rotated the
					// refresh token; any other error answer surely did not.
					const status = last.response.status;
					const oauthRejection = rejection.code === 'REFRESH_TOKEN_REJECTED' || rejection.code === 'CLIENT_REJECTED';
					same(rejection.refreshTokenMaybeSpent, success || (status >= 500 && status !== 503 && !oauthRejection), 'refreshTokenMaybeSpent');
				} else {
					same(rejection.code, 'TOKEN_ENDPOINT_UNREACHABLE', 'error for a transport failure');
					same(rejection.httpStatus, undefined, 'httpStatus without an answer');
				}
				// Whole tokens: the ones sent and the ones in the answer the error is about (an earlier
				// answer's token could only show if this answer echoed it, which the core cannot know).
				// Random secrets: those of every answer, which no other text can contain by accident.
				expectNoSecretsIn(rejection, [refreshToken, accessToken, ...last.tokens], [refreshToken, signature, ...seen.flatMap((answer) => answer.opaque)]);
			}),
			{ numRuns: RUNS },
		);
		// Every kind of outcome must actually occur, or the generators have drifted.
		const kinds = ['resolved', 'BAD_TOKEN_RESPONSE', 'TOKEN_ENDPOINT_ERROR', 'REFRESH_TOKEN_REJECTED', 'CLIENT_REJECTED', 'TOKEN_ENDPOINT_UNREACHABLE'];
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
					const newAccess = jwt({ exp, iss: 'https://pingauth.alteryxcloud.com/as' }, secretFrom(signatureSeed.seed, signatureSeed.length));
					const settings = readCredential({
						accessToken: jwt({ iss: 'https://pingauth.alteryxcloud.com/as', client_id: 'property-client', exp: 1 }),
						refreshToken: 'refresh-token-for-property-tests',
					});
					const value = { access_token: newAccess, refresh_token: newRefresh, expires_in: 300, ...(tokenType ? { token_type: tokenType } : {}) };
					const transport = jest.fn(async (): Promise<TokenHttpResponse> => ({ status: okStatus, headers: {}, body: asText ? JSON.stringify(value) : value }));
					const result = await requestNewTokens(settings, { transport, sleep: async () => {}, now: () => now });
					same(transport.mock.calls.length, 1, 'requests');
					same(JSON.stringify(result), JSON.stringify({
								accessToken: newAccess,
								refreshToken: newRefresh,
								// expires_in is relative, so it wins over exp: the lifetime is measured on the local clock.
								accessTokenExpiresAt: now + 300_000,
								accessTokenIssuedAt: now,
								receivedAt: now,
								refreshTokenRotated: true,
								issuerClaim: 'https://pingauth.alteryxcloud.com/as',
							}), 'token set');
				},
			),
			{ numRuns: RUNS },
		);
	});
});
