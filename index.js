'use strict';
// The token core for use outside n8n (Node 20+, Deno 2): the same refresh policy the credential
// and the node use. See README "Using the core outside n8n".
const core = require('./dist/nodes/AlteryxAnalyticsCloud/core');
const { sleep } = require('n8n-workflow');

/**
 * A refresh client with the web-standard fetch and n8n-workflow's sleep wired in:
 * `await client.getAccessToken({ accessToken, refreshToken })` returns a valid pair, refreshing
 * when due. Persist `refreshToken` from the result whenever `changed` is true.
 */
function createRefreshClient(options = {}) {
	const coordinator = options.coordinator || core.sharedCoordinator;
	const deps = {
		transport: options.transport || core.createFetchTransport(options.fetch),
		sleep: options.sleep || sleep,
		now: options.now,
	};
	return {
		async getAccessToken(credential, { force = false } = {}) {
			const settings = core.readCredential(credential);
			return coordinator.obtain(settings, deps, { intent: core.refreshIntent(settings, force ? 'rotate' : 'use') });
		},
	};
}

module.exports = { ...core, createRefreshClient };
