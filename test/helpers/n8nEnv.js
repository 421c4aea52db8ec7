'use strict';
// Environment variables n8n reads, for one jest file. Plain JavaScript because it sets
// `process.env`, which n8n's community-package lint forbids in TypeScript files; this package's
// tests are linted too. Typed by JSDoc, checked by checkJs (test/tsconfig.json).
const SSRF = ['N8N_SSRF_PROTECTION_ENABLED', 'N8N_SSRF_ALLOWED_IP_RANGES'];

/**
 * N8N_SSRF_PROTECTION_ENABLED on, `allowedIpRanges` as N8N_SSRF_ALLOWED_IP_RANGES (e.g.
 * '127.0.0.1/32'). n8n reads these when it first builds its HTTP client: call before the first request.
 * @param {string} allowedIpRanges
 * @returns {void}
 */
function enableSsrfProtection(allowedIpRanges) {
	process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';
	process.env.N8N_SSRF_ALLOWED_IP_RANGES = allowedIpRanges;
}

/** @returns {void} */
function resetSsrfProtection() {
	for (const name of SSRF) delete process.env[name];
}

/**
 * Runs `fn` with `vars` set (undefined: unset), then puts every one back as it was.
 * @template T
 * @param {Record<string, string | undefined>} vars
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withEnv(vars, fn) {
	const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
	const apply = (/** @type {Record<string, string | undefined>} */ values) => {
		for (const [name, value] of Object.entries(values)) {
			if (value === undefined) delete process.env[name];
			else process.env[name] = value;
		}
	};
	apply(vars);
	try {
		return await fn();
	} finally {
		apply(before);
	}
}

module.exports = { enableSsrfProtection, resetSsrfProtection, withEnv };
