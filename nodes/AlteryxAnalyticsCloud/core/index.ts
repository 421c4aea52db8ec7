/**
 * The runtime-agnostic token core: web-standard APIs only (URL, atob, TextDecoder, fetch,
 * AbortSignal), no n8n and no Node built-ins, so it runs in n8n, plain Node 20+ and Deno 2.
 * HTTP and sleeping are injected by the caller; `createFetchTransport` and `sleep` are the
 * web-standard ones for use outside n8n.
 */
export { AacTokenError, type AacErrorCode } from './errors';
export { normalizeToken, decodeJwtPayload, readRefreshTokenExpiry } from './jwt';
export { checkIssuer, type IssuerInfo } from './issuer';
export {
	FIELD,
	readCredential,
	DEFAULT_REFRESH_MARGIN_SECONDS,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	type RefreshMode,
	type TokenSettings,
} from './settings';
export {
	requestNewTokens,
	type RefreshDependencies,
	type TokenHttpRequest,
	type TokenHttpResponse,
	type TokenSet,
	type TokenTransport,
} from './tokenEndpoint';
export { RefreshCoordinator, sharedCoordinator, type ObtainOptions, type ObtainResult } from './refreshPolicy';
export { createFetchTransport } from './fetchTransport';
export { sleep } from './sleep';
