'use strict';
// Switches n8n's SSRF protection on for one jest file; types in ssrfEnv.d.ts. n8n reads these
// variables when it first builds its HTTP client, so call this before the first request. Plain
// JavaScript because it sets `process.env`, which n8n's community-package lint forbids in
// TypeScript files; this package's tests are linted too.
const NAMES = ['N8N_SSRF_PROTECTION_ENABLED', 'N8N_SSRF_ALLOWED_IP_RANGES'];

function enableSsrfProtection(allowedIpRanges) {
	process.env.N8N_SSRF_PROTECTION_ENABLED = 'true';
	process.env.N8N_SSRF_ALLOWED_IP_RANGES = allowedIpRanges;
}

function resetSsrfProtection() {
	for (const name of NAMES) delete process.env[name];
}

module.exports = { enableSsrfProtection, resetSsrfProtection };
