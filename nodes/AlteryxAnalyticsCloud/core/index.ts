/**
 * The runtime-agnostic token core: web-standard APIs only (URL, atob, TextDecoder, fetch,
 * AbortSignal, performance), no n8n and no Node built-ins, so it runs in n8n, plain Node 20+ and
 * Deno 2.
 * HTTP and sleeping are injected by the caller; `createFetchTransport` and `sleep` are the
 * web-standard ones for use outside n8n.
 */
export {
	AacTokenError,
	GENERATE_NEW_TOKENS,
	type AacErrorCode,
	type AacTokenErrorDetails,
} from './errors';
export { normalizeToken, decodeJwtPayload, readRefreshTokenExpiry, tokenFingerprint } from './jwt';
export { checkIssuer, type IssuerInfo } from './issuer';
export {
	redactServerText,
	redactTokenShaped,
	sharesSecretPiece,
	tokenShapedSpans,
	type RedactOptions,
} from './redact';
export { FIELD, FIELD_LABEL, rejectionField, type RefreshTokenRejection } from './fields';
export {
	fieldsToStore,
	readCredential,
	DEFAULT_REFRESH_MARGIN_SECONDS,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	type RefreshMode,
	type TokenSettings,
} from './settings';
export {
	processTokenResponse,
	type TokenAnswer,
	type TokenHttpResponse,
	type TokenSet,
} from './tokenResponse';
export {
	refreshTokenRequest,
	requestNewTokens,
	type RefreshDependencies,
	type RequestLimits,
	type TokenHttpRequest,
	type TokenTransport,
} from './tokenRequest';
export {
	DEFAULT_KEEPER_IDLE_MS,
	KEEPER_REMEDY,
	keeperDueAt,
	refreshIntent,
	type KeeperView,
	type RefreshIntent,
} from './dueRules';
export {
	RefreshCoordinator,
	sharedCoordinator,
	type ObtainOptions,
	type ObtainResult,
} from './refreshPolicy';
export { createFetchTransport } from './fetchTransport';
export { sleep } from './sleep';
