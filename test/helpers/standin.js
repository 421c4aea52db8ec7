'use strict';
// Jest-side handle on the AAC stand-in (test/standin/aac-standin.mjs); types in standin.d.ts.
// oidc-provider is ESM-only and jest runs our tests as CommonJS, so the server lives in a worker
// thread of this process; everything below talks to it over its /__admin HTTP routes.
const path = require('node:path');
const { Worker } = require('node:worker_threads');

async function startStandIn(options = {}) {
	const worker = new Worker(path.join(__dirname, '../standin/worker.mjs'), { workerData: options });

	const info = await new Promise((resolve, reject) => {
		const cleanup = () => {
			worker.off('message', onMessage);
			worker.off('error', onError);
			worker.off('exit', onExit);
		};
		const onMessage = (message) => {
			if (message.type === 'ready') {
				cleanup();
				resolve(message.info);
			} else if (message.type === 'error') {
				cleanup();
				reject(new Error(`AAC stand-in failed to start: ${message.message}`));
			}
		};
		const onError = (err) => {
			cleanup();
			reject(err);
		};
		const onExit = (code) => {
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

	async function admin(method, route, body) {
		const res = await fetch(`${info.adminUrl}/${route}`, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = await res.json();
		if (!res.ok) throw new Error(`stand-in admin ${route} failed: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}

	let stopped;
	return {
		...info,
		mint: (opts = {}) => admin('POST', 'mint', opts),
		stats: () => admin('GET', 'stats'),
		resetStats: async () => {
			await admin('POST', 'reset-stats', {});
		},
		familyAlive: async (refreshToken) => (await admin('POST', 'family-alive', { refreshToken })).alive,
		revokeFamily: async (refreshToken) => (await admin('POST', 'revoke-family', { refreshToken })).revoked,
		setAccessTokenTtl: async (seconds) => {
			await admin('POST', 'config', { accessTokenTtlSeconds: seconds });
		},
		issuedRefreshTokens: async () => (await admin('GET', 'issued-refresh-tokens')).refreshTokens,
		stop() {
			// Ask the server to close (drops keep-alive sockets), then end the thread.
			stopped ??= (async () => {
				const closed = new Promise((resolve) => {
					const timer = setTimeout(resolve, 5000);
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
			})();
			return stopped;
		},
	};
}

module.exports = { startStandIn };
