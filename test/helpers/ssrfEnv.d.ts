// Types of ssrfEnv.js: n8n's SSRF protection on (N8N_SSRF_PROTECTION_ENABLED) for one jest file.
/** `allowedIpRanges`: N8N_SSRF_ALLOWED_IP_RANGES, e.g. '127.0.0.1/32'. Call before the first request. */
export function enableSsrfProtection(allowedIpRanges: string): void;
export function resetSsrfProtection(): void;
