'use strict';
// Jest-side handle on the AAC stand-in (standin/aac-standin.mjs); typed by JSDoc, checked by
// checkJs (test/tsconfig.json).
// oidc-provider is ESM-only and jest runs our tests as CommonJS, so the server lives in a worker
// thread of this process; everything below talks to it over its /__admin HTTP routes.
const path = require('node:path');
const { Worker } = require('node:worker_threads');

/**
 * @typedef {object} StandInOptions
 * @property {string} [host]
 * @property {number} [port]
 * @property {number} [accessTokenTtlSeconds]
 * @property {number} [refreshTokenTtlSeconds]
 * @property {import('./standinApi').ApiOptions} [api] The v4 API stand-in (standin/api.mjs); controls in standinApi.js.
 * @property {boolean} [tokenExpiryOnApiClock] Judge access-token expiry on the API's clock (advancing it expires tokens); default real time.
 * @property {'enforce' | 'off'} [contract] enforce (default): stop() fails when any request broke standin/contract.json (the stand-in's own tests, which send such requests on purpose, say off).
 */

/**
 * @typedef {object} StandInStats
 * @property {number} tokenRequests Every HTTP request to the token endpoint, whatever its outcome.
 * @property {number} refreshGrantsOk
 * @property {number} invalidGrants
 * @property {number} reuseDetections invalid_grant responses caused by presenting an already-rotated refresh token.
 * @property {number} apiRequests
 * @property {number} apiOk
 * @property {number} apiUnauthorized
 * @property {number} maxUsesOfOneRefreshToken Max number of token requests that presented the same refresh token value.
 * @property {number} refreshTokensPresented Token requests that carried a refresh_token parameter (total, not distinct).
 */

/**
 * @typedef {object} MintOptions
 * @property {number} [accessTokenTtlSeconds]
 * @property {boolean} [accessTokenExpired] Validly signed access token whose exp is already in the past.
 */

/** @typedef {{ accessToken: string, refreshToken: string }} TokenPair */

/**
 * @typedef {object} StandIn
 * @property {string} issuer
 * @property {string} clientId
 * @property {string} origin
 * @property {string} apiBaseUrl
 * @property {string} tokenEndpoint
 * @property {string} adminUrl
 * @property {(opts?: MintOptions) => Promise<TokenPair>} mint
 * @property {() => Promise<StandInStats>} stats
 * @property {() => Promise<void>} resetStats
 * @property {(refreshToken: string) => Promise<boolean>} familyAlive
 * @property {(refreshToken: string) => Promise<boolean>} revokeFamily
 * @property {(seconds: number) => Promise<void>} setAccessTokenTtl
 * @property {(seconds: number) => Promise<void>} setRefreshTokenTtl Idle lifetime of the refresh tokens issued from now on.
 * @property {() => Promise<Array<{ at: number, ok: boolean, error?: string, detail?: string }>>} refreshLog Every refresh_token grant, oldest first.
 * @property {() => Promise<string[]>} issuedRefreshTokens
 * @property {() => Promise<void>} stop Stops the server; rejects, after stopping, when a request broke the contract (unless contract: 'off').
 */

/**
 * Starts the stand-in in a worker thread and resolves once it listens.
 * @param {StandInOptions} [options]
 * @returns {Promise<StandIn>}
 */
async function startStandIn(options = {}) {
	// The world comes from the jest project (test/contract/generousWorld.js) unless given; with the
	// contract off, the requests stay out of the suite-wide record too.
	const world = options.api?.world ?? process.env.AAC_STANDIN_WORLD ?? 'strict';
	const workerData = {
		...options,
		api: { ...options.api, world, ...(options.contract === 'off' ? { recordDir: null } : {}) },
	};
	const worker = new Worker(path.join(__dirname, '../standin/worker.mjs'), { workerData });

	/** @type {{ issuer: string, clientId: string, origin: string, apiBaseUrl: string, tokenEndpoint: string, adminUrl: string }} */
	const info = await new Promise((resolve, reject) => {
		const cleanup = () => {
			worker.off('message', onMessage);
			worker.off('error', onError);
			worker.off('exit', onExit);
		};
		const onMessage = (
			/** @type {{ type: string, info?: object, message?: string }} */ message,
		) => {
			if (message.type === 'ready') {
				cleanup();
				resolve(message.info);
			} else if (message.type === 'error') {
				cleanup();
				reject(new Error(`AAC stand-in failed to start: ${message.message}`));
			}
		};
		const onError = (/** @type {Error} */ err) => {
			cleanup();
			reject(err);
		};
		const onExit = (/** @type {number} */ code) => {
			cleanup();
			reject(new Error(`AAC stand-in worker exited early (code ${code})`));
		};
		worker.on('message', onMessage);
		worker.on('error', onError);
		worker.on('exit', onExit);
	}).catch(async (err) => {
		await worker.terminate();
		throw err;
	});

	/**
	 * @param {string} method
	 * @param {string} route
	 * @param {unknown} [body]
	 * @returns {Promise<any>} the route's JSON answer
	 */
	async function admin(method, route, body) {
		const res = await fetch(`${info.adminUrl}/${route}`, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = await res.json();
		if (!res.ok)
			throw new Error(`stand-in admin ${route} failed: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}

	/** @type {Promise<void> | undefined} */
	let stopped;
	return {
		...info,
		mint: (opts = {}) => admin('POST', 'mint', opts),
		stats: () => admin('GET', 'stats'),
		resetStats: async () => {
			await admin('POST', 'reset-stats', {});
		},
		familyAlive: async (/** @type {string} */ refreshToken) =>
			(await admin('POST', 'family-alive', { refreshToken })).alive,
		revokeFamily: async (/** @type {string} */ refreshToken) =>
			(await admin('POST', 'revoke-family', { refreshToken })).revoked,
		setAccessTokenTtl: async (/** @type {number} */ seconds) => {
			await admin('POST', 'config', { accessTokenTtlSeconds: seconds });
		},
		setRefreshTokenTtl: async (/** @type {number} */ seconds) => {
			await admin('POST', 'config', { refreshTokenTtlSeconds: seconds });
		},
		refreshLog: async () => (await admin('GET', 'refresh-log')).refreshLog,
		issuedRefreshTokens: async () => (await admin('GET', 'issued-refresh-tokens')).refreshTokens,
		stop() {
			// Ask the server to close (drops keep-alive sockets), then end the thread.
			stopped ??= (async () => {
				/** @type {Array<{ endpoint: string, request: string, problems: string[] }>} */
				const violations =
					options.contract === 'off'
						? []
						: await fetch(`${info.adminUrl}/api/contract-violations`)
								.then(async (res) => (await res.json()).violations)
								.catch(() => []);
				/** @type {Promise<void>} */
				const closed = new Promise((resolve) => {
					const timer = setTimeout(() => resolve(), 5000);
					worker.on('message', (m) => {
						if (m.type === 'closed') {
							clearTimeout(timer);
							resolve();
						}
					});
					worker.once('exit', () => {
						clearTimeout(timer);
						resolve();
					});
				});
				worker.postMessage({ type: 'close' });
				await closed;
				await worker.terminate();
				if (violations.length)
					throw new Error(
						`The package sent ${violations.length} request(s) that AAC's contract (standin/contract.json) does not document:\n` +
							violations
								.slice(0, 10)
								.map((v) => `  ${v.request}: ${v.problems.join('; ')}`)
								.join('\n'),
					);
			})();
			return stopped;
		},
	};
}

module.exports = { startStandIn };
