// Generators (fast-check arbitraries) shared by the property tests in this folder: values a
// credential field, a JWT claim or a token endpoint may hold, hostile issuers, and scripted token
// endpoint answers. The benign side of each generator is weighted so that the accepting paths run
// as often as the refusing ones; each property checks that its outcomes stay spread.
import fc from 'fast-check';

// Jest runs each test file in a vm context, where every lookup of a global (Math, String…) is
// slow; the helpers that run thousands of times per property use these aliases instead.
const { fromCharCode } = String;
const { imul } = Math;

export const encoder = new TextEncoder();
export const BASE64URL_ALPHABET =
	'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function base64(bytes: Uint8Array): string {
	let binary = '';
	for (let index = 0; index < bytes.length; index += 4096)
		binary += fromCharCode(...bytes.subarray(index, index + 4096));
	return btoa(binary);
}

export function base64url(bytes: Uint8Array): string {
	return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export const encodeText = (text: string): string => base64url(encoder.encode(text));
export const JWT_HEADER = encodeText(JSON.stringify({ alg: 'none', typ: 'JWT' }));

/** An unsigned JWT whose payload is exactly the given JSON text (which may be odd on purpose). */
export function jwtFromText(payloadJson: string, signature = 'c2ln'): string {
	return `${JWT_HEADER}.${encodeText(payloadJson)}.${signature}`;
}

export function jwt(claims: Record<string, unknown>, signature?: string): string {
	return jwtFromText(JSON.stringify(claims), signature);
}

// ---------------------------------------------------------------------------------------------
// Generators: values a credential field or a JWT claim may hold

/** JSON objects whose keys shadow Object.prototype: Number() or String() throws on some of them. */
export const protoishObject = fc.dictionary(
	fc.constantFrom(
		'toString',
		'valueOf',
		'__proto__',
		'constructor',
		'toJSON',
		'then',
		'length',
		'hasOwnProperty',
	),
	fc.jsonValue({ maxDepth: 1 }),
	{ minKeys: 1, maxKeys: 3, noNullPrototype: true },
);

/** What JSON credential storage or a token endpoint may hand over where a scalar is expected. */
export const jsonish: fc.Arbitrary<unknown> = fc.oneof(
	fc.jsonValue({ maxDepth: 2 }),
	protoishObject,
	protoishObject.map((value) => [value]),
	fc.constant(undefined),
);

/** A lighter mix of the same, for generators that need many such values per run. */
export const oddJson: fc.Arbitrary<unknown> = fc.oneof(
	fc.constantFrom(null, true, false, 0, -0, 1, -1, 1.5, 1e308, '', ' ', '0', 'null', [], {}, [1]),
	protoishObject,
	fc.jsonValue({ maxDepth: 1 }),
);

export const lowerAlnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
export const base64urlChar = fc.constantFrom(...BASE64URL_ALPHABET.split(''));

/** Raw JSON text for numbers, including ones JSON.parse turns into Infinity or -0. */
export const oddNumberText = fc.oneof(
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

export const oddValueText = fc.oneof(
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
export function piece(benign: readonly string[], hostile: readonly string[]): fc.Arbitrary<string> {
	return fc.oneof(
		{ weight: 2 * hostile.length, arbitrary: fc.constantFrom(...benign) },
		{ weight: hostile.length, arbitrary: fc.constantFrom(...hostile) },
	);
}

export const scheme = piece(
	['https://'],
	[
		'http://',
		'HTTPS://',
		'HtTpS://',
		'https:/',
		'https:',
		'https:\\\\',
		'https:///',
		'ftp://',
		'wss://',
		'javascript:',
		'file://',
		'',
		'//',
		' https://',
		'https://\t',
		'h\u200bttps://',
		'https\uff1a//',
	],
);
export const userinfo = piece(
	[''],
	[
		'pingauth.alteryxcloud.com@',
		'user:pass@',
		'u@',
		':@',
		'@',
		'evil.com@',
		'pingauth.alteryxcloud.com%40',
		'%40@',
		'a:b:c@',
		'pingauth.alteryxcloud.com:443@',
	],
);
export const region = fc.oneof(
	fc.constantFrom(
		'us1',
		'eu1',
		'au1',
		'us2',
		'x',
		'0',
		'eu-1',
		'EU1',
		'',
		'eu_1',
		'eu1.',
		'xn--9ca',
	),
	fc.string({ unit: fc.constantFrom(...'abcxyz019-_.%'.split('')), maxLength: 6 }),
);
export const aacHost = fc.oneof(
	fc.constant('pingauth.alteryxcloud.com'),
	region.map((name) => `pingauth-${name}.alteryxcloud.com`),
);
export const host: fc.Arbitrary<string> = fc.oneof(
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
export const port = piece(
	[''],
	[':443', ':80', ':8443', ':', ':0', ':65535', ':65536', ':443abc', ':0443', ':-1'],
);
export const path = piece(
	['/as', '/as/'],
	[
		'/as//',
		'',
		'/',
		'/AS',
		'/As',
		'/as/token',
		'/as/../evil',
		'/as/%2e%2e/evil',
		'/%61s',
		'/as;x',
		'/./as',
		'/as/.',
		'/as/./',
		'/evil/../as',
		'//evil.com/as',
		'/as%2f',
		'/as%00',
		'/as\\',
		'/as/ ',
		'/as\t',
		'/as@evil.com',
	],
);
export const suffix = piece(
	[''],
	[
		'?',
		'#',
		'?x=1',
		'#frag',
		'?next=https://evil.com',
		'#@evil.com',
		'@evil.com',
		'\\@evil.com',
		' ',
		'%20',
		'\t',
		'\n',
		'/',
		'/.',
		'/..',
	],
);
export const hostileChar = fc.constantFrom(
	'@',
	'\\',
	' ',
	'\t',
	'\n',
	'%',
	'%2e',
	'#',
	'?',
	'.',
	'/',
	':',
	'[',
	']',
	'\u0000',
	'\u00a0',
	'\u0130',
	'\u00df',
	'\uff0e',
	'@evil.com',
);

export const issuerFromPieces = fc
	.tuple(scheme, userinfo, host, port, path, suffix)
	.map((parts) => parts.join(''));
export const hostileIssuer: fc.Arbitrary<string> = fc.oneof(
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
		authoritySettings: {
			withUserInfo: true,
			withPort: true,
			withIPv4: true,
			withIPv6: true,
			withIPv4Extended: true,
		},
	}),
	fc.webUrl({ validSchemes: ['https'] }).map((url) => `${url.replace(/\/$/, '')}/as`),
	fc.string({ unit: 'binary', maxLength: 60 }),
	fc.string({ maxLength: 60 }),
);

/** Raw JSON text of a claims object; keys may repeat (JSON.parse keeps the last one). */
export const claimKey = fc.oneof(
	fc.constantFrom(
		'exp',
		'iat',
		'iss',
		'client_id',
		'nbf',
		'sub',
		'__proto__',
		'constructor',
		'toString',
		'valueOf',
	),
	fc.string({ maxLength: 8 }),
);
export const claimsText = fc
	.array(
		fc.tuple(
			claimKey,
			fc.oneof(
				oddValueText,
				hostileIssuer.map((raw) => JSON.stringify(raw)),
			),
		),
		{ maxLength: 8 },
	)
	.map((pairs) => `{${pairs.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`);
/** Claims that mostly get past the JWT checks, so the later ones (issuer, client id) run too. */
export const plausibleClaimsText = fc
	.record({
		exp: fc.oneof(
			{ weight: 3, arbitrary: fc.integer({ min: 1, max: 4_102_444_800 }).map(String) },
			oddValueText,
		),
		iat: fc.option(oddValueText, { nil: undefined }),
		iss: fc.oneof(
			{ weight: 2, arbitrary: hostileIssuer.map((raw) => JSON.stringify(raw)) },
			oddValueText,
		),
		clientId: fc.oneof(
			{
				weight: 3,
				arbitrary: fc.string({ minLength: 1, maxLength: 12 }).map((id) => JSON.stringify(id)),
			},
			oddValueText,
		),
		extra: claimsText,
	})
	.map(({ exp, iat, iss, clientId, extra }) => {
		const known = `"exp":${exp},${iat === undefined ? '' : `"iat":${iat},`}"iss":${iss},"client_id":${clientId}`;
		return extra === '{}' ? `{${known}}` : `{${known},${extra.slice(1)}`;
	});

export const base64Chars = fc.string({
	unit: fc.constantFrom(
		...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/='.split(''),
	),
	maxLength: 60,
});
export const segment: fc.Arbitrary<string> = fc.oneof(
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
export const dotted = fc.tuple(segment, segment, segment).map((parts) => parts.join('.'));
export const wellShaped = plausibleClaimsText.map((text) => jwtFromText(text));
export const whitespace = fc.constantFrom(
	' ',
	'\t',
	'\n',
	'\r\n',
	'\u00a0',
	'\u2028',
	'\ufeff',
	'\u3000',
	'\v',
);
/** What a person might paste: surrounding space, "Bearer ", line breaks inside. */
export const pasted = fc
	.tuple(
		fc.constantFrom(
			'',
			' ',
			'Bearer ',
			'bearer\t',
			'\n',
			'BEARER  ',
			'\u00a0',
			'\ufeff',
			'Bearer',
			'Basic ',
		),
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
export const tokenString: fc.Arbitrary<string> = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 80 }),
	fc.string({ unit: 'grapheme', maxLength: 40 }),
	{ weight: 3, arbitrary: dotted },
	{ weight: 3, arbitrary: wellShaped },
	fc.array(segment, { maxLength: 6 }).map((parts) => parts.join('.')),
	{ weight: 2, arbitrary: pasted },
);

// ---------------------------------------------------------------------------------------------
// Credential fields and well-formed JWT claims

export const settingsNumber = fc.oneof(
	fc.constant(undefined),
	fc.double(),
	fc.integer({ min: -10, max: 4000 }),
	fc.constantFrom('', '30', ' 60 ', '1e3', '0x10', 'abc', 'Infinity', '-0'),
	jsonish,
);
export const credentialFields = fc.record(
	{
		refreshToken: fc.oneof(
			{ weight: 4, arbitrary: fc.constant('refresh-token-for-property-tests') },
			tokenString,
			jsonish,
		),
		clientId: fc.oneof(
			fc.constant(undefined),
			fc.constant(''),
			fc.string({ maxLength: 12 }),
			jsonish,
		),
		issuer: fc.oneof(
			{ weight: 3, arbitrary: fc.constant(undefined) },
			fc.constant(''),
			hostileIssuer,
			hostileIssuer.map((raw) => ` ${raw}\n`),
			jsonish,
		),
		allowCustomIssuer: fc.oneof(fc.boolean(), jsonish),
		apiBaseUrl: fc.oneof(
			fc.constant(undefined),
			fc.constant(''),
			fc.constant('https://us1.alteryxcloud.com'),
			hostileIssuer,
			jsonish,
		),
		refreshMode: fc.oneof(fc.constantFrom('automatic', 'refreshOperationOnly'), jsonish),
		refreshMarginSeconds: settingsNumber,
		requestTimeoutSeconds: settingsNumber,
		lastRotatedAt: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 30 }), jsonish),
		refreshStartedAt: fc.oneof(
			fc.constant(undefined),
			fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
			fc.string({ maxLength: 30 }),
			jsonish,
		),
	},
	{ requiredKeys: [] },
);

export const aacIssuer = fc
	.record({
		region: fc.option(fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 6 }), {
			nil: undefined,
		}),
		slash: fc.boolean(),
		upper: fc.boolean(),
	})
	.map(({ region: name, slash, upper }) => {
		const hostName =
			name === undefined ? 'pingauth.alteryxcloud.com' : `pingauth-${name}.alteryxcloud.com`;
		return {
			raw: `https://${upper ? hostName.toUpperCase() : hostName}/as${slash ? '/' : ''}`,
			issuer: `https://${hostName}/as`,
			apiBaseUrl: `https://${name ?? 'us1'}.alteryxcloud.com`,
		};
	});
export const wellFormedClaims = fc
	.record({
		exp: fc.oneof(
			fc.integer({ min: 1, max: 4_102_444_800 }),
			fc.double({ min: 1, max: 1e11, noNaN: true }),
		),
		iat: fc.option(fc.integer({ min: 0, max: 4_102_444_800 }), { nil: undefined }),
		issuer: aacIssuer,
		clientId: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
		extra: fc.dictionary(
			fc.string({ unit: 'binary', maxLength: 10 }),
			fc.jsonValue({ maxDepth: 2 }),
			{ maxKeys: 4 },
		),
	})
	.map(({ exp, iat, issuer, clientId, extra }) => ({
		claims: {
			...extra,
			exp,
			...(iat === undefined ? {} : { iat }),
			iss: issuer.raw,
			client_id: clientId,
		} as Record<string, unknown>,
		exp,
		iat,
		issuer,
		clientId,
	}));

// ---------------------------------------------------------------------------------------------
// Token endpoint answers, scripted

/** A secret no generated text can contain by accident: 16 to 320 characters from a seeded PRNG. */
export const SECRET_CODES = BASE64URL_ALPHABET.split('').map((char) => char.charCodeAt(0));
export function secretFrom(seed: number, length: number): string {
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
export const secretSeed = fc.record({
	seed: fc.integer(),
	length: fc.oneof(
		{ weight: 3, arbitrary: fc.integer({ min: 16, max: 64 }) },
		fc.integer({ min: 65, max: 320 }),
	),
});
export type SecretSeed = { seed: number; length: number };

// Bodies are generated with markers where a secret goes; the markers are replaced per answer with
// that answer's own secrets (or the ones sent), so each answer carries distinct tokens.
export const MARK = {
	sentRefresh: '\u0001SENT_REFRESH\u0001',
	sentAccess: '\u0001SENT_ACCESS\u0001',
	newRefresh: '\u0001NEW_REFRESH\u0001',
	newAccess: '\u0001NEW_ACCESS\u0001',
	newAccessJwt: '\u0001NEW_ACCESS_JWT\u0001',
} as const;
export const anyMark = fc.constantFrom(...Object.values(MARK));

/** Server text, sometimes echoing a secret, sometimes long enough to be shortened around it. */
export const serverText = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc
		.tuple(fc.string({ maxLength: 260, size: 'max' }), anyMark, fc.string({ maxLength: 40 }))
		.map((parts) => parts.join('')),
	fc
		.tuple(fc.integer({ min: 150, max: 230 }), anyMark)
		.map(([length, mark]) => `${'.'.repeat(length)}${mark} and more`),
	fc.constantFrom('x'.repeat(5000), ''),
);
export const tokenField = (good: fc.Arbitrary<string>) =>
	fc.oneof(
		{ weight: 6, arbitrary: good },
		fc.constantFrom('', ' ', 'x'.repeat(50_000), MARK.sentRefresh),
		oddJson,
		serverText,
	);
export const tokenObject = fc
	.tuple(
		fc.record(
			{
				access_token: tokenField(fc.constantFrom(MARK.newAccess, MARK.newAccessJwt)),
				refresh_token: tokenField(fc.constant(MARK.newRefresh)),
				expires_in: fc.oneof(
					{ weight: 3, arbitrary: fc.integer({ min: 1, max: 86_400 }) },
					fc.constantFrom(
						0,
						-5,
						1e306,
						1e300,
						8.64e12,
						1e-7,
						'3600',
						' 3600 ',
						'0x10',
						'1e3',
						'1e400',
						'Infinity',
						'',
						true,
						null,
						[60],
						{},
					),
					fc.double(),
					oddJson,
					protoishObject,
					protoishObject.map((value) => [value]),
				),
				token_type: fc.oneof(
					fc.constantFrom('Bearer', 'bearer', 'BEARER', 'mac', 'DPoP', '', 1, null),
					serverText,
					oddJson,
				),
				error: fc.oneof(
					{
						weight: 3,
						arbitrary: fc.constantFrom(
							'invalid_grant',
							'invalid_client',
							'unauthorized_client',
							'invalid_request',
							'server_error',
							'temporarily_unavailable',
						),
					},
					serverText,
					oddJson,
				),
				error_description: fc.oneof(serverText, oddJson),
				scope: fc.string({ maxLength: 20 }),
			},
			{ requiredKeys: [] },
		),
		fc.dictionary(
			fc.oneof(
				fc.string({ maxLength: 8 }),
				fc.constantFrom('__proto__', 'toString', 'valueOf', 'id_token'),
			),
			oddJson,
			{ maxKeys: 3 },
		),
	)
	.map(([known, extra]) => ({ ...extra, ...known }));
/** Answers close to a real rotation, so the success path is exercised as much as the failures. */
export const rotationObject = fc.record(
	{
		access_token: fc.constantFrom(MARK.newAccess, MARK.newAccessJwt),
		refresh_token: fc.constant(MARK.newRefresh),
		expires_in: fc.oneof(
			fc.integer({ min: 1, max: 86_400 }),
			fc.constantFrom(1e306, 8.64e12, 1e-7, '3600', 0, null),
			protoishObject,
		),
		token_type: fc.constantFrom('Bearer', 'bearer', 'BEARER'),
		scope: fc.string({ maxLength: 20 }),
	},
	{ requiredKeys: ['access_token', 'refresh_token'] },
);
export type BodySpec =
	| {
			kind: 'object';
			value: Record<string, unknown>;
			encoding: 'parsed' | 'json' | 'pretty' | 'truncated';
			cut: number;
	  }
	| { kind: 'raw'; value: unknown };
export const bodySpec: fc.Arbitrary<BodySpec> = fc.oneof(
	{
		weight: 8,
		arbitrary: fc.record({
			kind: fc.constant('object' as const),
			value: fc.oneof(tokenObject, rotationObject),
			encoding: fc.constantFrom(
				'parsed' as const,
				'json' as const,
				'pretty' as const,
				'truncated' as const,
			),
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
			fc.constantFrom(
				'',
				'null',
				'[]',
				'{}',
				'"string"',
				'{"access_token":',
				'x'.repeat(1_000_000),
				`{"access_token":"${'y'.repeat(200_000)}","expires_in":60}`,
			),
			fc.array(tokenObject, { maxLength: 2 }),
			jsonish,
		),
	}),
);
export const retryAfter = fc.oneof(
	{ weight: 3, arbitrary: fc.constant(undefined) },
	fc.constantFrom(
		'0',
		'1',
		'60',
		'61',
		'0.5',
		' 1 ',
		'-1',
		'1e400',
		'NaN',
		'Infinity',
		'',
		'soon',
		'1e-9',
		'59.999',
	),
	fc.integer({ min: -100, max: 100_000 }).map(String),
	fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
	fc.string({ maxLength: 30 }),
);
export const status = fc.oneof(
	{
		weight: 3,
		arbitrary: fc.constantFrom(
			200,
			201,
			204,
			299,
			100,
			301,
			302,
			307,
			400,
			401,
			403,
			404,
			429,
			500,
			502,
			503,
			504,
			599,
		),
	},
	fc.integer({ min: 100, max: 599 }),
);

export type FailureSpec = {
	asError: boolean;
	code?: unknown;
	name?: unknown;
	message: string;
	cause?: FailureSpec | null;
};
export const failureCode = fc.constantFrom(
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
			name: fc.constantFrom(
				'Error',
				'TypeError',
				'TimeoutError',
				'AbortError',
				'FetchError',
				'AxiosError',
				undefined,
				5,
			),
			message: fc.oneof(
				fc.string({ maxLength: 20 }),
				anyMark.map((mark) => `request failed: refresh_token=${mark}`),
			),
			cause: fc.option(tie('failure'), { depthSize: 'small' }),
		},
		{ requiredKeys: ['asError', 'message'] },
	),
}));
export const NOT_SENT_PATTERN =
	/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL/;

export type StepSpec =
	| {
			kind: 'answer';
			status: number;
			retryAfter?: string;
			body: BodySpec;
			jwtClaims: string;
			secrets: [SecretSeed, SecretSeed, SecretSeed];
	  }
	| { kind: 'fail'; failure: FailureSpec | string | null };
export const step: fc.Arbitrary<StepSpec> = fc.oneof(
	{
		weight: 5,
		arbitrary: fc.record({
			kind: fc.constant('answer' as const),
			status,
			retryAfter,
			body: bodySpec,
			jwtClaims: fc.oneof(
				fc
					.integer({ min: 1, max: 4_102_444_800 })
					.map((exp) => `{"exp":${exp},"iat":${exp - 300}}`),
				plausibleClaimsText,
				claimsText,
			),
			secrets: fc.tuple(secretSeed, secretSeed, secretSeed),
		}),
	},
	fc.record({
		kind: fc.constant('fail' as const),
		failure: fc.oneof(
			{ weight: 4, arbitrary: failure },
			fc.constantFrom(null, 'ECONNREFUSED', MARK.sentRefresh),
		),
	}),
);
