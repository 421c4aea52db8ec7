'use strict';
// The token core for use outside n8n (Node 20+, Deno 2): the same refresh policy the credential
// and the node use. Web-standard APIs only (fetch, AbortSignal, MessageChannel): nothing here
// needs n8n-workflow, which is not installed outside n8n. See README "Using the core outside n8n".
// ESM consumers get the same module instance through index.mjs; types: index.d.ts.
const core = require('./dist/nodes/AlteryxAnalyticsCloud/core');

/**
 * A refresh client with the web-standard fetch and sleep wired in:
 * `await client.getAccessToken({ accessToken, refreshToken })` returns a valid pair, refreshing
 * when due. Whenever `changed` is true, store `result.update` over what you keep, before anything
 * else uses the old pair.
 */
function createRefreshClient(options = {}) {
	const coordinator = options.coordinator || core.sharedCoordinator;
	const deps = {
		transport: options.transport || core.createFetchTransport(options.fetch),
		sleep: options.sleep || core.sleep,
		now: options.now,
	};
	return {
		async getAccessToken(credential, { force = false } = {}) {
			const settings = core.readCredential(credential);
			return coordinator.obtain(settings, deps, {
				intent: core.refreshIntent(settings, force ? 'rotate' : 'use'),
			});
		},
	};
}

module.exports = { ...core, createRefreshClient };
