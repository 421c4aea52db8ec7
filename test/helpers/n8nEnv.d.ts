// Types of n8nEnv.js: environment variables n8n reads (SSRF protection, proxies), for one jest file.
/** N8N_SSRF_PROTECTION_ENABLED on, `allowedIpRanges` as N8N_SSRF_ALLOWED_IP_RANGES (e.g. '127.0.0.1/32'). Call before the first request. */
export function enableSsrfProtection(allowedIpRanges: string): void;
export function resetSsrfProtection(): void;
/** Runs `fn` with `vars` set (undefined: unset), then restores them. */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T>;
