import { invalidField, GENERATE_NEW_TOKENS } from './errors';
import { checkApiBaseUrl, checkIssuer } from './issuer';
import {
	FIELD,
	FIELD_LABEL,
	readRejection,
	storedTiming,
	timingField,
	type RefreshTokenRejection,
} from './fields';
import { decodeJwtPayload, normalizeToken, readAccessTokenClaims } from './jwt';
import { sharesSecretPiece } from './redact';

/**
 * automatic: whoever uses the credential refreshes when due (safe inside one n8n process).
 * refreshOperationOnly: only the node's Refresh operation spends the refresh token; for several
 * n8n processes sharing one credential (queue mode), where in-process coordination cannot help.
 */
export type RefreshMode = 'automatic' | 'refreshOperationOnly';

export const DEFAULT_REFRESH_MARGIN_SECONDS = 60;
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/** An `iat` further than this in the future means the local clock is behind the issuer's. */
const CLOCK_SKEW_TOLERANCE_MS = 60_000;

export interface TokenSettings {
	accessToken: string;
	refreshToken: string;
	/** Access-token expiry, epoch milliseconds on the local clock. */
	accessTokenExpiresAt: number;
	/** Access-token issue time (local clock), when known: bounds the refresh margin. */
	accessTokenIssuedAt?: number;
	/**
	 * 'received': this package received the token and measured its lifetime on the local clock
	 * (clock skew cannot fool it); 'claims': a pasted token, judged by its `exp`.
	 */
	accessTokenExpirySource: 'received' | 'claims';
	/** How far the local clock seems to be behind the issuer's (an `iat` in the future), if at all. */
	clockBehindMs?: number;
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
	/** The fingerprint of the refresh token the last rotation spent: never to be sent again. */
	spentRefreshTokenHash?: string;
	/** AAC rejected a refresh token with this fingerprint: it is never sent again. */
	refreshTokenRejection?: RefreshTokenRejection;
	/** The data these settings were read from (read-only): the next read is checked against it. */
	input: Readonly<Record<string, unknown>>;
}

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

function boundedNumber(
	value: unknown,
	fallback: number,
	min: number,
	max: number,
	label: string,
): number {
	if (value === undefined || value === null || value === '') return fallback;
	// Number() throws on a JSON object whose toString/valueOf keys are not functions: objects are no numbers.
	const number =
		typeof value === 'number' ? value : typeof value === 'object' ? NaN : Number(value);
	if (!Number.isFinite(number) || number < min || number > max) {
		throw invalidField(
			label,
			`must be a number from ${min} to ${max}`,
			`Set it to ${fallback} (the default) if unsure.`,
		);
	}
	return number;
}

// readCredential runs before every request that uses the credential. The stored data rarely
// changes, so the last settings per access token are kept together with the raw field values
// they were read from, and reused while every one of those values is the same.
// n8n hands every request a fresh copy of the data, so the access token is a new string each
// time and a Map lookup hashes all of it (~700 characters); the last entry read is compared
// first, which costs a few string comparisons.
const INPUT_FIELDS = Object.values(FIELD);
type SettingsEntry = { inputs: unknown[]; settings: TokenSettings };
const settingsCache = new Map<unknown, SettingsEntry>();
const SETTINGS_CACHE_LIMIT = 256;
let lastRead: SettingsEntry | undefined;

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
export function readCredential(data: Record<string, unknown>, now = Date.now()): TokenSettings {
	if (lastRead && unchanged(data, lastRead.inputs)) return lastRead.settings;
	const cached = settingsCache.get(data[FIELD.accessToken]);
	if (cached && unchanged(data, cached.inputs)) {
		lastRead = cached;
		return cached.settings;
	}
	const settings = parseCredential(data, now);
	if (settingsCache.size >= SETTINGS_CACHE_LIMIT) settingsCache.clear();
	lastRead = { inputs: INPUT_FIELDS.map((field) => data[field]), settings };
	settingsCache.set(data[FIELD.accessToken], lastRead);
	return settings;
}

function parseCredential(data: Record<string, unknown>, now: number): TokenSettings {
	const accessToken = normalizeToken(data[FIELD.accessToken]);
	const refreshToken = normalizeToken(data[FIELD.refreshToken]);
	if (!accessToken) throw invalidField(FIELD_LABEL.accessToken, 'is empty', GENERATE_NEW_TOKENS);
	if (!refreshToken) throw invalidField(FIELD_LABEL.refreshToken, 'is empty', GENERATE_NEW_TOKENS);

	const claims = readAccessTokenClaims(accessToken);
	const timing = storedTiming(data[FIELD.accessTokenTiming], accessToken);
	let accessTokenExpiresAt: number;
	let accessTokenIssuedAt: number | undefined;
	let clockBehindMs: number | undefined;
	const observedAt = timing?.receivedAt ?? now;
	// Only a sane token (exp after iat) tells anything about the clocks.
	const { issuedAt, expiresAt } = claims;
	if (
		issuedAt !== undefined &&
		expiresAt !== undefined &&
		expiresAt > issuedAt &&
		issuedAt > observedAt + CLOCK_SKEW_TOLERANCE_MS
	) {
		clockBehindMs = issuedAt - observedAt;
	}
	if (timing) {
		accessTokenExpiresAt = timing.expiresAt;
		accessTokenIssuedAt = timing.receivedAt;
	} else if (claims.expiresAt !== undefined) {
		// A pasted token: its claims are on the issuer's clock. An `iat` in the future shows by how
		// much at least the local clock is behind; the expiry is moved earlier by as much.
		accessTokenExpiresAt = claims.expiresAt - (clockBehindMs ?? 0);
		accessTokenIssuedAt =
			claims.issuedAt === undefined ? undefined : claims.issuedAt - (clockBehindMs ?? 0);
	} else {
		throw invalidField(
			FIELD_LABEL.accessToken,
			decodeJwtPayload(accessToken)
				? 'has no valid "exp" claim, so its expiry is unknown'
				: 'is not a JWT (three base64url parts separated by dots, the middle one JSON)',
			'Paste the access token exactly as Alteryx Analytics Cloud showed it (it starts with "eyJ").',
		);
	}

	const typedClientId = text(data[FIELD.clientId]);
	const typedIssuer = text(data[FIELD.issuer]);
	const clientId = typedClientId || claims.clientId;
	const rawIssuer = typedIssuer || claims.issuer;
	if (!clientId) {
		throw invalidField(
			FIELD_LABEL.clientId,
			'is empty and the access token has no "client_id" claim',
			'Copy the client ID from AAC (User Preferences → OAuth 2.0 API Tokens) into the Client ID field.',
		);
	}
	// A token pasted into the wrong field would be echoed in messages and outputs as the client ID.
	if (
		typedClientId &&
		(/^eyJ[\w-]*\.[\w-]*\./.test(typedClientId) ||
			sharesSecretPiece(typedClientId, [accessToken, refreshToken]))
	) {
		throw invalidField(
			FIELD_LABEL.clientId,
			'holds a token, not a client ID',
			'Empty the Client ID field (it is read from the access token), and paste the tokens only into Access Token and Refresh Token.',
		);
	}
	if (!rawIssuer) {
		throw invalidField(
			FIELD_LABEL.issuer,
			'is empty and the access token has no "iss" claim',
			'Type the issuer, for example https://pingauth.alteryxcloud.com/as.',
		);
	}

	const allowCustomIssuer = data[FIELD.allowCustomIssuer] === true;
	const issuerInfo = checkIssuer(
		rawIssuer,
		allowCustomIssuer,
		typedIssuer ? FIELD_LABEL.issuer : `${FIELD_LABEL.accessToken} (its "iss" claim)`,
	);
	const typedApiBaseUrl = text(data[FIELD.apiBaseUrl]);
	const mode = data[FIELD.refreshMode];

	return {
		accessToken,
		refreshToken,
		accessTokenExpiresAt,
		accessTokenIssuedAt,
		accessTokenExpirySource: timing ? 'received' : 'claims',
		clockBehindMs,
		clientId,
		clientIdSource: typedClientId ? 'field' : 'access token',
		issuer: issuerInfo.issuer,
		issuerSource: typedIssuer ? 'field' : 'access token',
		tokenEndpoint: issuerInfo.tokenEndpoint,
		isAacIdentityHost: issuerInfo.isAacIdentityHost,
		allowCustomIssuer,
		apiBaseUrl: typedApiBaseUrl
			? checkApiBaseUrl(typedApiBaseUrl, FIELD_LABEL.apiBaseUrl, {
					isAacIdentityHost: issuerInfo.isAacIdentityHost,
					allowCustomIssuer,
				})
			: issuerInfo.defaultApiBaseUrl,
		refreshMode: mode === 'refreshOperationOnly' ? 'refreshOperationOnly' : 'automatic',
		refreshMarginMs:
			1000 *
			boundedNumber(
				data[FIELD.refreshMarginSeconds],
				DEFAULT_REFRESH_MARGIN_SECONDS,
				0,
				3600,
				FIELD_LABEL.refreshMarginSeconds,
			),
		timeoutMs:
			1000 *
			boundedNumber(
				data[FIELD.requestTimeoutSeconds],
				DEFAULT_REQUEST_TIMEOUT_SECONDS,
				1,
				300,
				FIELD_LABEL.requestTimeoutSeconds,
			),
		lastRotatedAt: text(data[FIELD.lastRotatedAt]) || undefined,
		spentRefreshTokenHash: text(data[FIELD.spentRefreshTokenHash]) || undefined,
		refreshTokenRejection: readRejection(data[FIELD.refreshTokenRejection]),
		input: data,
	};
}

/** A pair to store, with what this package measured about it (see tokenResponse.ts). */
export interface ReceivedTokens {
	accessToken: string;
	refreshToken: string;
	/** Local clock, epoch milliseconds. */
	receivedAt: number;
	accessTokenExpiresAt: number;
	/** The claims the new access token carries, for learning what it lacks. */
	clientIdClaim?: string;
	issuerClaim?: string;
	/** The fingerprint of the refresh token this pair replaced, when the server rotated it. */
	spentRefreshTokenHash?: string;
}

/**
 * The fields to store for a pair, so that the next read gives back exactly this pair with its
 * measured expiry: the one set of rules for receiving and reading. A client ID or issuer that was
 * read from the old access token and is missing from the new one (or differs in it) is kept by
 * writing it into its field: it was learnt once, and an answer cannot move it.
 */
export function fieldsToStore(
	tokens: ReceivedTokens,
	settings: TokenSettings,
): Record<string, string> {
	const fields: Record<string, string> = {
		[FIELD.accessToken]: tokens.accessToken,
		[FIELD.refreshToken]: tokens.refreshToken,
		[FIELD.lastRotatedAt]: new Date(tokens.receivedAt).toISOString(),
		[FIELD.accessTokenTiming]: timingField(
			tokens.accessToken,
			tokens.receivedAt,
			tokens.accessTokenExpiresAt,
		),
	};
	// The spent refresh token's fingerprint goes with the pair that replaced it: should the field go
	// on giving back the spent token (an expression n8n keeps), it is recognised and not sent.
	if (tokens.spentRefreshTokenHash)
		fields[FIELD.spentRefreshTokenHash] = tokens.spentRefreshTokenHash;
	// A new token that lacks the claim, or names another value, must not change where the next
	// refresh goes or which client it claims to be: the value in use is kept in its field.
	if (settings.clientIdSource === 'access token' && tokens.clientIdClaim !== settings.clientId)
		fields[FIELD.clientId] = settings.clientId;
	if (
		settings.issuerSource === 'access token' &&
		tokens.issuerClaim?.replace(/\/+$/, '') !== settings.issuer
	)
		fields[FIELD.issuer] = settings.issuer;
	return fields;
}
