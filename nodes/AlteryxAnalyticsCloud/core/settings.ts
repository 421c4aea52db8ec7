import { invalidField, GENERATE_NEW_TOKENS } from './errors';
import { checkApiBaseUrl, checkIssuer } from './issuer';
import { normalizeToken, readAccessTokenClaims } from './jwt';

/** Names of the credential's fields: the contract between the n8n credential and the core. */
export const FIELD = {
	accessToken: 'accessToken',
	refreshToken: 'refreshToken',
	clientId: 'clientId',
	issuer: 'issuer',
	allowCustomIssuer: 'allowCustomIssuer',
	apiBaseUrl: 'apiBaseUrl',
	refreshMode: 'refreshMode',
	refreshMarginSeconds: 'refreshMarginSeconds',
	requestTimeoutSeconds: 'requestTimeoutSeconds',
	lastRotatedAt: 'lastRotatedAt',
	refreshStartedAt: 'refreshStartedAt',
} as const;

/**
 * automatic: whoever uses the credential refreshes when due (safe inside one n8n process).
 * refreshOperationOnly: only the node's Refresh operation spends the refresh token; for several
 * n8n processes sharing one credential (queue mode), where in-process coordination cannot help.
 */
export type RefreshMode = 'automatic' | 'refreshOperationOnly';

export const DEFAULT_REFRESH_MARGIN_SECONDS = 60;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

export interface TokenSettings {
	accessToken: string;
	refreshToken: string;
	/** Access-token expiry, epoch milliseconds. */
	accessTokenExpiresAt: number;
	/** Access-token issue time, epoch milliseconds, when the token says. */
	accessTokenIssuedAt?: number;
	clientId: string;
	clientIdSource: 'field' | 'access token';
	issuer: string;
	issuerSource: 'field' | 'access token';
	tokenEndpoint: string;
	isAacIdentityHost: boolean;
	allowCustomIssuer: boolean;
	apiBaseUrl: string;
	refreshMode: RefreshMode;
	refreshMarginMs: number;
	timeoutMs: number;
	lastRotatedAt?: string;
	/**
	 * Set (ISO time) by the node just before it sends a refresh and cleared when the outcome is
	 * saved: when still set, a refresh started then never recorded its result (n8n stopped, or
	 * the answer was lost), so AAC may have rotated the stored refresh token already.
	 */
	refreshStartedAt?: string;
}

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

function boundedNumber(value: unknown, fallback: number, min: number, max: number, field: string): number {
	if (value === undefined || value === null || value === '') return fallback;
	// Number() throws on a JSON object whose toString/valueOf keys are not functions: objects are no numbers.
	const number = typeof value === 'number' ? value : typeof value === 'object' ? NaN : Number(value);
	if (!Number.isFinite(number) || number < min || number > max) {
		throw invalidField(field, `must be a number from ${min} to ${max}`, `Set it to ${fallback} (the default) if unsure.`);
	}
	return number;
}

// readCredential runs before every request that uses the credential. The stored data rarely
// changes, so the last settings per access token are kept together with the raw field values
// they were read from, and reused while every one of those values is the same.
const INPUT_FIELDS = Object.values(FIELD);
const settingsCache = new Map<unknown, { inputs: unknown[]; settings: TokenSettings }>();
const SETTINGS_CACHE_LIMIT = 256;

function unchanged(data: Record<string, unknown>, inputs: unknown[]): boolean {
	for (let index = 0; index < INPUT_FIELDS.length; index++) {
		if (data[INPUT_FIELDS[index]] !== inputs[index]) return false;
	}
	return true;
}

/**
 * Turns the credential's stored data into validated settings, or throws an error that names the
 * field and says what to do. No network: the issuer policy is applied here, before any request.
 * The result is shared between calls: treat it as read-only.
 */
export function readCredential(data: Record<string, unknown>): TokenSettings {
	const cached = settingsCache.get(data[FIELD.accessToken]);
	if (cached && unchanged(data, cached.inputs)) return cached.settings;
	const settings = parseCredential(data);
	if (settingsCache.size >= SETTINGS_CACHE_LIMIT) settingsCache.clear();
	settingsCache.set(data[FIELD.accessToken], { inputs: INPUT_FIELDS.map((field) => data[field]), settings });
	return settings;
}

function parseCredential(data: Record<string, unknown>): TokenSettings {
	const accessToken = normalizeToken(data[FIELD.accessToken]);
	const refreshToken = normalizeToken(data[FIELD.refreshToken]);
	if (!accessToken) throw invalidField(FIELD.accessToken, 'is empty', GENERATE_NEW_TOKENS);
	if (!refreshToken) throw invalidField(FIELD.refreshToken, 'is empty', GENERATE_NEW_TOKENS);

	const claims = readAccessTokenClaims(accessToken, FIELD.accessToken);
	const typedClientId = text(data[FIELD.clientId]);
	const typedIssuer = text(data[FIELD.issuer]);
	const clientId = typedClientId || claims.clientId;
	const rawIssuer = typedIssuer || claims.issuer;
	if (!clientId) {
		throw invalidField(
			FIELD.clientId,
			'is empty and the access token has no "client_id" claim',
			'Copy the client ID from AAC (User Preferences → OAuth 2.0 API Tokens) into the Client ID field.',
		);
	}
	if (!rawIssuer) {
		throw invalidField(
			FIELD.issuer,
			'is empty and the access token has no "iss" claim',
			'Type the issuer, for example https://pingauth.alteryxcloud.com/as.',
		);
	}

	const allowCustomIssuer = data[FIELD.allowCustomIssuer] === true;
	const issuerInfo = checkIssuer(rawIssuer, allowCustomIssuer, typedIssuer ? FIELD.issuer : `${FIELD.accessToken} (its "iss" claim)`);
	const typedApiBaseUrl = text(data[FIELD.apiBaseUrl]);
	const mode = data[FIELD.refreshMode];

	return {
		accessToken,
		refreshToken,
		accessTokenExpiresAt: claims.expiresAt,
		accessTokenIssuedAt: claims.issuedAt,
		clientId,
		clientIdSource: typedClientId ? 'field' : 'access token',
		issuer: issuerInfo.issuer,
		issuerSource: typedIssuer ? 'field' : 'access token',
		tokenEndpoint: issuerInfo.tokenEndpoint,
		isAacIdentityHost: issuerInfo.isAacIdentityHost,
		allowCustomIssuer,
		apiBaseUrl: typedApiBaseUrl
			? checkApiBaseUrl(typedApiBaseUrl, 'API Base URL', { isAacIdentityHost: issuerInfo.isAacIdentityHost, allowCustomIssuer })
			: issuerInfo.defaultApiBaseUrl,
		refreshMode: mode === 'refreshOperationOnly' ? 'refreshOperationOnly' : 'automatic',
		refreshMarginMs:
			1000 * boundedNumber(data[FIELD.refreshMarginSeconds], DEFAULT_REFRESH_MARGIN_SECONDS, 0, 3600, FIELD.refreshMarginSeconds),
		timeoutMs:
			1000 * boundedNumber(data[FIELD.requestTimeoutSeconds], DEFAULT_REQUEST_TIMEOUT_SECONDS, 1, 300, FIELD.requestTimeoutSeconds),
		lastRotatedAt: text(data[FIELD.lastRotatedAt]) || undefined,
		refreshStartedAt: text(data[FIELD.refreshStartedAt]) || undefined,
	};
}
