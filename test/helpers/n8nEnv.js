'use strict';
// Environment variables n8n reads, for one jest file; types in n8nEnv.d.ts. Plain JavaScript
// because it sets `process.env`, which n8n's community-package lint forbids in TypeScript files;
// this package's tests are linted too.
const SSRF = ['N8N_SSRF_PROTECTION_ENABLED', 'N8N_SSRF_ALLOWED_IP_RANGES'];

/** n8n reads these when it first builds its HTTP client: call before the first request. */
function enableSsrfProtection(allowedIpRanges) {
	process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';
	process.env.N8N_SSRF_ALLOWED_IP_RANGES = allowedIpRanges;
}

function resetSsrfProtection() {
	for (const name of SSRF) delete process.env[name];
}

/** Runs `fn` with `vars` set (undefined: unset), then puts every one back as it was. */
async function withEnv(vars, fn) {
	const before = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
	const apply = (values) => {
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
