// Local stand-in for Alteryx Analytics Cloud (AAC). The OAuth part is the real
// oidc-provider: its refresh_token grant already implements rotation and
// reuse detection (a consumed refresh token revokes the whole grant), which is
// exactly the AAC behaviour our credential must survive. The v4 API behind it
// (standin/api.mjs) is our own hand-written fake of AAC's API; see standin/README.md.
//
//   /as/...          oidc-provider (issuer http://HOST:PORT/as, token endpoint /as/token)
//   /v4/...          protected resource standing in for the AAC API (standin/api.mjs)
//   /__admin/...     JSON routes for tests (mint tokens, counters, revocation)
//   /__admin/api/... JSON routes controlling the v4 API (clock, fixtures, faults, counters)
//
// Never log token values: tests scan output for leaked refresh tokens.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import Provider from 'oidc-provider';
import { createAacApi } from './api.mjs';
import { readJson, requestId, sendJson } from './http.mjs';

const CLIENT_ID = 'aac-standin-client';
const ACCOUNT_ID = 'standin-user';
const API_SCOPE = 'api';
const AUDIENCE = 'aac-api';
const MOUNT = '/as';

const sha256 = (value) => crypto.createHash('sha256').update(value).digest('hex');
const epoch = () => Math.floor(Date.now() / 1000);
const positiveInteger = (value, name) => {
	if (!Number.isInteger(value) || value <= 0)
		throw new TypeError(`${name} must be a positive integer`);
	return value;
};

// Minimal in-memory adapter. Passing our own (instead of relying on the
// built-in default) is the supported way to avoid oidc-provider's
// "development-only in-memory adapter" warning.
function createAdapterFactory() {
	const store = new Map(); // `${model}:${id}` -> { payload, expiresAt }
	return (model) => {
		const key = (id) => `${model}:${id}`;
		const get = (id) => {
			const entry = store.get(key(id));
			if (entry && entry.expiresAt <= Date.now()) {
				store.delete(key(id));
				return undefined;
			}
			return entry?.payload;
		};
		const findBy = (prop, value) => {
			for (const [k, entry] of store) {
				if (k.startsWith(`${model}:`) && entry.payload[prop] === value) return entry.payload;
			}
			return undefined;
		};
		return {
			async upsert(id, payload, expiresIn) {
				const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
				store.set(key(id), { payload, expiresAt });
			},
			async find(id) {
				return get(id);
			},
			async findByUid(uid) {
				return findBy('uid', uid);
			},
			async findByUserCode(userCode) {
				return findBy('userCode', userCode);
			},
			async consume(id) {
				const payload = get(id);
				if (payload) payload.consumed = epoch();
			},
			async destroy(id) {
				store.delete(key(id));
			},
			async revokeByGrantId(grantId) {
				for (const [k, entry] of store) {
					if (k.startsWith(`${model}:`) && entry.payload.grantId === grantId) store.delete(k);
				}
			},
		};
	};
}

function zeroStats() {
	return {
		tokenRequests: 0,
		refreshGrantsOk: 0,
		invalidGrants: 0,
		reuseDetections: 0,
		apiRequests: 0,
		apiOk: 0,
		apiUnauthorized: 0,
		maxUsesOfOneRefreshToken: 0,
		refreshTokensPresented: 0,
	};
}

export async function startStandIn(options = {}) {
	const {
		host = '127.0.0.1',
		port = 0,
		accessTokenTtlSeconds = 300,
		refreshTokenTtlSeconds = 30 * 86400,
		api: apiOptions = {},
		// Judge access-token expiry on the API's clock (so advancing it expires tokens) instead of
		// real time. Off by default; the token endpoint itself always runs on real time.
		tokenExpiryOnApiClock = false,
	} = options;

	const settings = {
		accessTokenTtlSeconds: positiveInteger(accessTokenTtlSeconds, 'accessTokenTtlSeconds'),
		// A refresh token's idle lifetime: each rotation issues one that lives this long from then.
		refreshTokenTtlSeconds: positiveInteger(refreshTokenTtlSeconds, 'refreshTokenTtlSeconds'),
	};
	let stats = zeroStats();
	// One entry per refresh_token grant: { at (ms), ok, detail } (oidc-provider's reason for a
	// refusal, e.g. "refresh token already used"); never a token. Bounded.
	let refreshLog = [];
	let presentations = new Map(); // sha256(refresh token) -> number of token requests presenting it
	const issuedRefreshTokens = new Set();

	// Signing key, generated per start. The same public key verifies API calls.
	const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
	const signingJwk = {
		...privateKey.export({ format: 'jwk' }),
		kid: 'standin-rs256',
		alg: 'RS256',
		use: 'sig',
	};

	const api = createAacApi(apiOptions);
	const issuedOnApiClock = new Map(); // access-token jti -> { api, real } instants of issue (bounded)
	let provider; // created once the port is known (the issuer contains it)
	let providerCallback;

	const server = http.createServer((req, res) => {
		handle(req, res).catch((err) => {
			if (!res.headersSent)
				sendJson(res, 500, { error: 'server_error', message: String(err?.message ?? err) });
			else res.destroy();
		});
	});

	async function handle(req, res) {
		const { pathname } = new URL(req.url, 'http://standin.invalid');

		if (pathname === MOUNT || pathname.startsWith(`${MOUNT}/`)) {
			if (pathname === `${MOUNT}/token`) stats.tokenRequests += 1;
			// Strip the mount prefix the way express does; oidc-provider derives its
			// mount path from originalUrl vs url.
			req.originalUrl = req.url;
			const rest = req.url.slice(MOUNT.length);
			req.url = rest.startsWith('/') ? rest : `/${rest}`;
			return providerCallback(req, res);
		}

		if (pathname.startsWith('/v4/')) return handleApi(req, res);
		if (pathname.startsWith('/__admin/api/')) return handleApiAdmin(req, res, pathname);
		if (pathname.startsWith('/__admin/')) return handleAdmin(req, res, pathname);
		return sendJson(res, 404, { error: 'not_found' });
	}

	// --- protected resource (AAC API stand-in) -------------------------------
	// The verified token's principal, or null (unknown, tampered or expired token).
	function verifyBearer(req) {
		const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(req.headers.authorization ?? '');
		if (!m) return null;
		try {
			const header = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8'));
			const payload = JSON.parse(Buffer.from(m[2], 'base64url').toString('utf8'));
			if (header.alg !== 'RS256') return false;
			const signatureOk = crypto.verify(
				'sha256',
				Buffer.from(`${m[1]}.${m[2]}`),
				publicKey,
				Buffer.from(m[3], 'base64url'),
			);
			if (!signatureOk || payload.iss !== provider.issuer || typeof payload.exp !== 'number')
				return null;
			const issued = tokenExpiryOnApiClock ? issuedOnApiClock.get(payload.jti) : undefined;
			const valid = issued
				? api.control.now() - issued.api < payload.exp * 1000 - issued.real
				: payload.exp > epoch();
			// One account in this stand-in: every valid token is user 1 (CURRENT_USER in state.mjs).
			return valid ? { userId: 1, sub: payload.sub } : null;
		} catch {
			return null;
		}
	}
	const bearerIsValid = (req) => verifyBearer(req) !== null;

	// Unknown routes answer 404 before authentication and are not counted in stats (as before);
	// apiRequests counts routed requests, apiUnauthorized the 401s, apiOk the authenticated ones.
	async function handleApi(req, res) {
		const url = new URL(req.url, 'http://standin.invalid');
		const headers = { 'x-trifacta-request-id': requestId() };
		const route = api.match(req.method, url.pathname);
		if (!route || route.methodNotAllowed) return api.routeNotFound(req, res, url.pathname, headers);
		stats.apiRequests += 1;
		const principal = verifyBearer(req);
		if (!principal) {
			stats.apiUnauthorized += 1;
			return sendJson(
				res,
				401,
				{ error: 'invalid_token' },
				{ ...headers, 'www-authenticate': 'Bearer error="invalid_token"' },
			);
		}
		stats.apiOk += 1;
		return api.serve(req, res, route, url, principal, headers);
	}

	async function handleApiAdmin(req, res, pathname) {
		try {
			const body = req.method === 'GET' ? undefined : await readJson(req);
			const out = await api.admin(req.method, pathname.slice('/__admin/api/'.length), body);
			if (out === undefined) return sendJson(res, 404, { error: 'not_found' });
			return sendJson(res, 200, out);
		} catch (err) {
			return sendJson(res, 400, { error: 'bad_request', message: String(err?.message ?? err) });
		}
	}

	// --- token minting and family management ---------------------------------
	const resourceServerInfo = () => ({
		scope: API_SCOPE,
		audience: AUDIENCE,
		accessTokenFormat: 'jwt',
		accessTokenTTL: settings.accessTokenTtlSeconds,
	});

	async function mint({ accessTokenTtlSeconds: ttl, accessTokenExpired = false } = {}) {
		const resource = origin;
		const client = await provider.Client.find(CLIENT_ID);

		const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId: CLIENT_ID });
		grant.addOIDCScope('offline_access');
		grant.addResourceScope(resource, API_SCOPE);
		const grantId = await grant.save();

		const rt = new provider.RefreshToken({
			accountId: ACCOUNT_ID,
			client,
			grantId,
			gty: 'refresh_token',
			resource,
			rotations: 0,
			scope: `offline_access ${API_SCOPE}`,
			expiresWithSession: false,
		});
		const refreshToken = await rt.save(); // emits refresh_token.saved -> recorded as issued

		// The AccessToken model takes iat/exp from its input when given, so an
		// already-expired JWT comes straight out of the model (no hand-signing):
		// the JWT format signs whatever exp the model carries, and JWT access
		// tokens are not stored, so the negative remaining TTL is never used.
		const lifetime = positiveInteger(
			ttl ?? settings.accessTokenTtlSeconds,
			'accessTokenTtlSeconds',
		);
		const now = epoch();
		const timing = accessTokenExpired
			? { iat: now - lifetime - 60, exp: now - 60 }
			: { expiresIn: lifetime };
		const at = new provider.AccessToken({
			accountId: ACCOUNT_ID,
			client,
			grantId,
			gty: 'refresh_token',
			scope: API_SCOPE,
			...timing,
		});
		at.resourceServer = new provider.ResourceServer(resource, {
			...resourceServerInfo(),
			accessTokenTTL: lifetime,
		});
		const accessToken = await at.save();

		return { accessToken, refreshToken };
	}

	async function familyAlive(refreshToken) {
		const rt = await provider.RefreshToken.find(refreshToken);
		if (!rt || rt.consumed || rt.isExpired) return false;
		return !!(await provider.Grant.find(rt.grantId));
	}

	// What AAC does when an admin disables a token: the whole grant goes.
	async function revokeFamily(refreshToken) {
		const rt = await provider.RefreshToken.find(refreshToken, { ignoreExpiration: true });
		if (!rt) return { revoked: false };
		await Promise.all([
			provider.AccessToken.revokeByGrantId(rt.grantId),
			provider.RefreshToken.revokeByGrantId(rt.grantId),
			provider.Grant.adapter.destroy(rt.grantId),
		]);
		return { revoked: true };
	}

	function setAccessTokenTtl(seconds) {
		settings.accessTokenTtlSeconds = positiveInteger(seconds, 'accessTokenTtlSeconds');
		return { accessTokenTtlSeconds: seconds };
	}

	// Refresh tokens issued from now on (minted or rotated) expire this long after their issue
	// unless rotated before: a short idle lifetime, for keep-alive tests.
	function setRefreshTokenTtl(seconds) {
		settings.refreshTokenTtlSeconds = positiveInteger(seconds, 'refreshTokenTtlSeconds');
		return { refreshTokenTtlSeconds: seconds };
	}

	function configure(body) {
		return {
			...(body.accessTokenTtlSeconds === undefined
				? {}
				: setAccessTokenTtl(body.accessTokenTtlSeconds)),
			...(body.refreshTokenTtlSeconds === undefined
				? {}
				: setRefreshTokenTtl(body.refreshTokenTtlSeconds)),
		};
	}

	function resetStats() {
		stats = zeroStats();
		presentations = new Map();
		refreshLog = [];
		return { ok: true };
	}

	// --- admin routes ---------------------------------------------------------
	async function handleAdmin(req, res, pathname) {
		const route = `${req.method} ${pathname}`;
		try {
			switch (route) {
				case 'POST /__admin/mint':
					return sendJson(res, 200, await mint(await readJson(req)));
				case 'GET /__admin/stats':
					return sendJson(res, 200, { ...stats });
				case 'POST /__admin/reset-stats':
					return sendJson(res, 200, resetStats());
				case 'POST /__admin/family-alive':
					return sendJson(res, 200, {
						alive: await familyAlive((await readJson(req)).refreshToken),
					});
				case 'POST /__admin/revoke-family':
					return sendJson(res, 200, await revokeFamily((await readJson(req)).refreshToken));
				case 'POST /__admin/config':
					return sendJson(res, 200, configure(await readJson(req)));
				case 'GET /__admin/refresh-log':
					return sendJson(res, 200, { refreshLog });
				case 'GET /__admin/issued-refresh-tokens':
					return sendJson(res, 200, { refreshTokens: [...issuedRefreshTokens] });
				default:
					return sendJson(res, 404, { error: 'not_found' });
			}
		} catch (err) {
			return sendJson(res, 400, { error: 'bad_request', message: String(err?.message ?? err) });
		}
	}

	server.listen(port, host);
	await once(server, 'listening');
	const address = server.address();
	const origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
	const issuer = `${origin}${MOUNT}`;

	provider = new Provider(issuer, {
		adapter: createAdapterFactory(),
		jwks: { keys: [signingJwk] },
		clients: [
			{
				client_id: CLIENT_ID,
				token_endpoint_auth_method: 'none',
				// refresh_token alone is enough for this stand-in; authorization_code is
				// listed because that is how a real public client obtains its first pair.
				grant_types: ['refresh_token', 'authorization_code'],
				response_types: ['code'],
				redirect_uris: [`${origin}/callback`],
			},
		],
		routes: { token: '/token' },
		scopes: ['openid', 'offline_access'],
		rotateRefreshToken: true,
		findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
		clientBasedCORS: () => false,
		// Explicit TTLs: avoids the "default ttl.* function called" notices.
		ttl: {
			AccessToken: (ctx, token) =>
				token.resourceServer?.accessTokenTTL ?? settings.accessTokenTtlSeconds,
			RefreshToken: () => settings.refreshTokenTtlSeconds,
			// The grant outlives any single refresh token; each rotation starts a new RT lifetime.
			Grant: 365 * 86400,
			IdToken: 3600,
			Interaction: 3600,
			Session: 86400,
			ClientCredentials: 600,
		},
		features: {
			devInteractions: { enabled: false },
			resourceIndicators: {
				enabled: true,
				defaultResource: () => origin,
				useGrantedResource: () => true,
				getResourceServerInfo: () => resourceServerInfo(),
			},
		},
		renderError(ctx, out) {
			ctx.type = 'json';
			ctx.body = out;
		},
	});

	// Stats via provider events. oidc-provider answers every invalid_grant with
	// the generic error_description "grant request is invalid"; the specific
	// reason ("refresh token already used") is only in err.error_detail.
	const notePresentation = (ctx) => {
		const value = ctx?.oidc?.params?.refresh_token;
		if (typeof value !== 'string' || !value) return;
		stats.refreshTokensPresented += 1;
		const h = sha256(value);
		const uses = (presentations.get(h) ?? 0) + 1;
		presentations.set(h, uses);
		stats.maxUsesOfOneRefreshToken = Math.max(stats.maxUsesOfOneRefreshToken, uses);
	};
	const logRefresh = (ctx, entry) => {
		if (ctx?.oidc?.params?.grant_type !== 'refresh_token') return;
		refreshLog.push({ at: Date.now(), ...entry });
		if (refreshLog.length > 10000) refreshLog.shift();
	};
	provider.on('grant.success', (ctx) => {
		notePresentation(ctx);
		if (ctx.oidc.params.grant_type === 'refresh_token') stats.refreshGrantsOk += 1;
		logRefresh(ctx, { ok: true });
	});
	provider.on('grant.error', (ctx, err) => {
		notePresentation(ctx);
		if (err?.error === 'invalid_grant') stats.invalidGrants += 1;
		if (err?.error_detail === 'refresh token already used') stats.reuseDetections += 1;
		logRefresh(ctx, { ok: false, error: err?.error, detail: err?.error_detail });
	});
	// Opaque refresh token value === its jti; fires for minted and rotated ones.
	provider.on('refresh_token.saved', (token) => issuedRefreshTokens.add(token.jti));
	// JWT access tokens are not stored: 'issued' fires for each one (minted and refreshed).
	provider.on('access_token.issued', (token) => {
		if (!tokenExpiryOnApiClock || !token.jti) return;
		issuedOnApiClock.set(token.jti, { api: api.control.now(), real: Date.now() });
		if (issuedOnApiClock.size > 10000)
			issuedOnApiClock.delete(issuedOnApiClock.keys().next().value);
	});
	provider.on('server_error', (ctx, err) => {
		console.error(`aac-standin: server_error on ${ctx?.path}: ${err?.message}`);
	});

	providerCallback = provider.callback();

	return {
		issuer,
		clientId: CLIENT_ID,
		origin,
		apiBaseUrl: origin,
		tokenEndpoint: `${issuer}/token`,
		adminUrl: `${origin}/__admin`,
		mint,
		stats: () => ({ ...stats }),
		resetStats,
		familyAlive,
		revokeFamily,
		setAccessTokenTtl,
		setRefreshTokenTtl,
		refreshLog: () => refreshLog.map((entry) => ({ ...entry })),
		issuedRefreshTokens: () => [...issuedRefreshTokens],
		bearerIsValid,
		// The v4 API's controls (the same as the /__admin/api routes; see standin/README.md).
		api: api.control,
		apiAdminUrl: `${origin}/__admin/api`,
		async close() {
			await api.close();
			const closed = once(server, 'close');
			server.close();
			server.closeAllConnections(); // keep-alive sockets (fetch/undici) would otherwise hold close()
			await closed;
		},
	};
}

// CLI: `node standin/aac-standin.mjs [--port N] [--access-token-ttl S] [--refresh-token-ttl S]
//       [--seed-plans N] [--max-page-size N] [--freeze-clock]`
// Prints one JSON line (including a freshly minted pair, for setting up a demo).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const argValue = (name) => {
		const i = process.argv.indexOf(name);
		return i === -1 ? undefined : Number(process.argv[i + 1]);
	};
	const standIn = await startStandIn({
		port: argValue('--port') ?? 0,
		...(argValue('--access-token-ttl')
			? { accessTokenTtlSeconds: argValue('--access-token-ttl') }
			: {}),
		...(argValue('--refresh-token-ttl')
			? { refreshTokenTtlSeconds: argValue('--refresh-token-ttl') }
			: {}),
		api: {
			...(argValue('--seed-plans') ? { seed: { plans: argValue('--seed-plans') } } : {}),
			...(argValue('--max-page-size') ? { maxPageSize: argValue('--max-page-size') } : {}),
			...(process.argv.includes('--freeze-clock') ? { freezeClock: true } : {}),
		},
	});
	const { accessToken, refreshToken } = await standIn.mint();
	process.stdout.write(
		`${JSON.stringify({
			issuer: standIn.issuer,
			clientId: standIn.clientId,
			apiBaseUrl: standIn.apiBaseUrl,
			adminUrl: standIn.adminUrl,
			apiAdminUrl: standIn.apiAdminUrl,
			accessToken,
			refreshToken,
		})}\n`,
	);
	const shutdown = async () => {
		await standIn.close();
		process.exit(0);
	};
	process.once('SIGTERM', shutdown);
	process.once('SIGINT', shutdown);
}
