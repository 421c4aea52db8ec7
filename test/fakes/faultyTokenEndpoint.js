'use strict';
// A HAND-WRITTEN FAKE token endpoint, for faults a real OAuth server cannot be made to produce
// (5xx, 429, resets, stalls, HTML pages, broken JSON). Everything else is tested against the real
// oidc-provider stand-in. Typed by JSDoc, checked by checkJs (test/tsconfig.json). A fault has the
// name the fault proxy (faultProxy.js) and the e2e table give it: pass, status:<code>:<retryAfter>,
// htmlPage:<code>, reset, stall, truncatedJson, noRefreshToken, noAccessToken, ...
const http = require('node:http');

/**
 * One answer of the fake, by name:
 * - `pass`: a new pair; `noRefreshToken`, `noAccessToken`: a new pair with that token left out.
 * - `htmlPage:<code>`: 200 is a sign-in page passed off as success; 500/502/504 a gateway's error page.
 * - `nonJson`, `truncatedJson`: a 200 that is not JSON, or JSON cut short.
 * - `invalidGrant` (400), `invalidClient` (401): the OAuth error.
 * - `status:<429|503>:<seconds>`: a JSON error with Retry-After: <seconds>.
 * - `reset`: the connection is dropped; `stall`: no answer ever.
 * - `trickle`: headers at once, then one byte every 500 ms for 30 s, so an idle timeout never fires.
 * - `echoRefreshPrefix`: invalid_grant whose error_description echoes the first 30 characters of
 *   the refresh token sent.
 * - `noIss`, `noClientId`, `expAsString`, `opaqueAccessToken`: unusual but complete answers.
 * - `foreignIss`, `spacedRefreshToken`, `alreadyExpired`: answers that the next run could not use.
 * - `issElsewhere`: a new pair whose access token names another issuer (http://127.0.0.1:1/as),
 *   one the custom-issuer policy allows.
 * - `clockAhead10min`: a new pair whose iat/exp are on a clock 10 minutes ahead of this machine's.
 * @typedef {'pass'
 *   | 'noRefreshToken'
 *   | 'noAccessToken'
 *   | `htmlPage:${200 | 500 | 502 | 504}`
 *   | 'nonJson'
 *   | 'truncatedJson'
 *   | 'invalidGrant'
 *   | 'invalidClient'
 *   | `status:${429 | 503}:${number}`
 *   | 'reset'
 *   | 'stall'
 *   | 'trickle'
 *   | 'echoRefreshPrefix'
 *   | 'noIss'
 *   | 'noClientId'
 *   | 'expAsString'
 *   | 'opaqueAccessToken'
 *   | 'foreignIss'
 *   | 'spacedRefreshToken'
 *   | 'alreadyExpired'
 *   | 'issElsewhere'
 *   | 'clockAhead10min'} FaultStep
 */

/**
 * @typedef {object} TokenRequest
 * @property {string} path
 * @property {string} contentType
 * @property {Record<string, string>} form The form fields sent (grant_type, refresh_token, client_id, ...).
 */

/**
 * @typedef {object} FaultyTokenEndpoint
 * @property {string} issuer
 * @property {TokenRequest[]} requests Token requests since the last setScript.
 * @property {Array<{ method: string, path: string }>} otherRequests Requests to other paths since the last setScript (answered 404).
 * @property {string[]} issuedRefreshTokens Every refresh token this fake handed out.
 * @property {(claims: Record<string, unknown>) => string} fakeJwt
 * @property {(steps: FaultStep[]) => void} setScript Sets the answers for the next requests (the last one repeats) and clears the log.
 * @property {() => Promise<void>} close
 */

/**
 * A JWT-shaped token with the claims our core reads; unsigned, since the core never verifies.
 * @param {Record<string, unknown>} claims
 * @returns {string}
 */
function fakeJwt(claims) {
	const part = (/** @type {unknown} */ value) =>
		Buffer.from(JSON.stringify(value)).toString('base64url');
	return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.c2ln`;
}

/**
 * Starts the fake on 127.0.0.1 (a free port); it answers every request by its script.
 * @returns {Promise<FaultyTokenEndpoint>}
 */
async function startFaultyTokenEndpoint() {
	/** @type {Set<import('node:net').Socket>} */
	const sockets = new Set();
	/** Answers to give, in order; the last one repeats. @type {FaultStep[]} */
	let script = ['pass'];
	/** @type {TokenRequest[]} */
	const requests = [];
	/** @type {string[]} */
	const issuedRefreshTokens = [];
	/** Requests to anything but the token endpoint. @type {Array<{ method: string, path: string }>} */
	const otherRequests = [];
	let issuer = '';

	const server = http.createServer((req, res) => {
		let body = '';
		req.on('data', (chunk) => (body += chunk));
		req.on('end', () => {
			// Only the token endpoint answers by the script. Anything else (a credential with no API
			// Base URL sends AAC API calls to the issuer's origin, here: Get asking whether AAC accepts
			// a pasted token) is a 404, recorded apart.
			if (!(req.url ?? '').endsWith('/token')) {
				otherRequests.push({ method: req.method ?? '', path: req.url ?? '' });
				res.writeHead(404, { 'content-type': 'application/json' });
				return res.end('{"error":"not_found"}');
			}
			const form = new URLSearchParams(body);
			requests.push({
				path: req.url ?? '',
				contentType: req.headers['content-type'] ?? '',
				form: Object.fromEntries(form),
			});
			const step = /** @type {FaultStep} */ (script.length > 1 ? script.shift() : script[0]);
			/** @type {(status: number, value: unknown, headers?: Record<string, string>) => void} */
			const json = (status, value, headers = {}) => {
				res.writeHead(status, { 'content-type': 'application/json', ...headers });
				res.end(JSON.stringify(value));
			};
			/** @type {(claims?: Record<string, unknown>, offsetMs?: number) => Record<string, unknown>} */
			const newPair = (claims = {}, offsetMs = 0) => {
				const refreshToken = `fake-refresh-${issuedRefreshTokens.length + 1}-${Math.random().toString(36).slice(2)}`;
				issuedRefreshTokens.push(refreshToken);
				const iat = Math.floor((Date.now() + offsetMs) / 1000);
				return {
					access_token: fakeJwt({
						iss: issuer,
						client_id: form.get('client_id'),
						iat,
						exp: iat + 300,
						...claims,
					}),
					refresh_token: refreshToken,
					token_type: 'Bearer',
					expires_in: 300,
				};
			};
			/** @type {(answer: Record<string, unknown>) => Record<string, unknown>} */
			const withoutExpiresIn = ({ expires_in: _dropped, ...rest }) => rest;
			const [kind, arg, extra] = step.split(':');
			switch (kind) {
				case 'pass':
					return json(200, newPair());
				case 'noRefreshToken': {
					const { refresh_token: _dropped, ...rest } = newPair();
					return json(200, rest);
				}
				case 'noAccessToken': {
					const { access_token: _dropped, ...rest } = newPair();
					return json(200, rest);
				}
				case 'htmlPage':
					// 200: a sign-in page passed off as success; 5xx: a gateway's error page.
					res.writeHead(Number(arg), { 'content-type': 'text/html' });
					return res.end(
						Number(arg) === 200
							? '<!doctype html><html><body>Sign in to continue</body></html>'
							: `<html><body>Error ${arg}</body></html>`,
					);
				case 'nonJson':
					res.writeHead(200, { 'content-type': 'text/plain' });
					return res.end('OK');
				case 'truncatedJson':
					res.writeHead(200, { 'content-type': 'application/json' });
					return res.end('{"access_token":"eyJ');
				case 'invalidGrant':
					return json(400, {
						error: 'invalid_grant',
						error_description: 'grant request is invalid',
					});
				case 'invalidClient':
					return json(401, {
						error: 'invalid_client',
						error_description: 'client authentication failed',
					});
				case 'status':
					return json(
						Number(arg),
						{ error: Number(arg) === 429 ? 'rate_limited' : 'unavailable' },
						extra ? { 'retry-after': extra } : {},
					);
				case 'trickle': {
					res.writeHead(200, { 'content-type': 'application/json' });
					let sent = 0;
					const drip = setInterval(() => {
						if (res.destroyed || ++sent > 60) {
							clearInterval(drip);
							return res.end();
						}
						res.write(' ');
					}, 500);
					res.on('close', () => clearInterval(drip));
					return;
				}
				case 'echoRefreshPrefix':
					return json(400, {
						error: 'invalid_grant',
						error_description: `unknown token ${(form.get('refresh_token') ?? '').slice(0, 30)}`,
					});
				case 'noIss':
					return json(200, newPair({ iss: undefined }));
				case 'noClientId':
					return json(200, newPair({ client_id: undefined }));
				case 'expAsString':
					return json(200, newPair({ exp: String(Math.floor(Date.now() / 1000) + 300) }));
				case 'opaqueAccessToken':
					return json(200, {
						...newPair(),
						access_token: `opaque-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
					});
				case 'foreignIss':
					return json(200, newPair({ iss: 'http://evil.example/as' }));
				case 'spacedRefreshToken':
					return json(200, { ...newPair(), refresh_token: 'spaced refresh token value' });
				case 'alreadyExpired':
					return json(
						200,
						withoutExpiresIn(newPair({ iat: undefined, exp: Math.floor(Date.now() / 1000) - 60 })),
					);
				case 'issElsewhere':
					// Loopback port 1: allowed by the custom-issuer policy, nothing listens, no DNS.
					return json(200, newPair({ iss: 'http://127.0.0.1:1/as' }));
				case 'clockAhead10min':
					return json(200, withoutExpiresIn(newPair({}, 600_000)));
				case 'reset':
					return req.socket.destroy();
				case 'stall':
					return; // never answer: the client's timeout must fire
				default:
					throw new Error(`unknown fault step ${step}`);
			}
		});
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	issuer = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}/as`;

	return {
		issuer,
		requests,
		issuedRefreshTokens,
		otherRequests,
		fakeJwt,
		setScript(steps) {
			script = [...steps];
			requests.length = 0;
			otherRequests.length = 0;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(() => resolve(undefined)));
		},
	};
}

/**
 * An issuer on 127.0.0.1 where nothing listens: connections are refused.
 * @returns {Promise<string>}
 */
async function refusedIssuer() {
	const probe = http.createServer();
	await new Promise((resolve) => probe.listen(0, '127.0.0.1', () => resolve(undefined)));
	const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
	await new Promise((resolve) => probe.close(() => resolve(undefined)));
	return `http://127.0.0.1:${port}/as`;
}

module.exports = { startFaultyTokenEndpoint, refusedIssuer, fakeJwt };
