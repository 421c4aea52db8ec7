// ESM entry (Node's `import`, Deno): the CommonJS index.js re-exported, so `import` and `require`
// share one module instance (one shared coordinator, one rotation memory). The names are listed
// because CommonJS named exports built with a spread are invisible to ESM; test/install checks
// that this list and index.js export the same names.
import core from './index.js';

export const {
	AacTokenError,
	GENERATE_NEW_TOKENS,
	normalizeToken,
	decodeJwtPayload,
	readRefreshTokenExpiry,
	checkIssuer,
	redactServerText,
	sharesSecretPiece,
	FIELD,
	FIELD_LABEL,
	fieldsToStore,
	readCredential,
	DEFAULT_REFRESH_MARGIN_SECONDS,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	processTokenResponse,
	refreshTokenRequest,
	requestNewTokens,
	RefreshCoordinator,
	refreshIntent,
	sharedCoordinator,
	createFetchTransport,
	sleep,
	createRefreshClient,
	DEFAULT_KEEPER_IDLE_MS,
	KEEPER_REMEDY,
	keeperDueAt,
	redactTokenShaped,
	rejectionField,
	tokenFingerprint,
	tokenShapedSpans,
} = core;
export default core;
