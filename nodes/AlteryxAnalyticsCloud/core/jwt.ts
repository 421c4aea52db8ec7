let lastRawToken = '';
let lastNormalizedToken = '';

/**
 * Pasted tokens arrive with surrounding spaces, wrapped lines or a leading "Bearer ". None of
 * these characters can occur inside a JWT or an opaque OAuth token, so removing them is lossless.
 */
export function normalizeToken(raw: unknown): string {
	if (typeof raw !== 'string') return '';
	// Every request normalizes the same stored token (a fresh copy of it): comparing it with the
	// last one is cheaper than scanning ~700 characters for whitespace again.
	if (raw === lastRawToken) return lastNormalizedToken;
	// After the first save the stored value is already clean.
	const token = /\s/.test(raw)
		? raw
				.trim()
				.replace(/^bearer\s+/i, '')
				.replace(/\s+/g, '')
		: raw;
	lastRawToken = raw;
	lastNormalizedToken = token;
	return token;
}

export type JwtPayload = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the payload (middle part) of a JWT without verifying it: AAC verifies its own tokens,
 * we only read `exp`, `iss` and `client_id`. Because nothing is verified, the claims are
 * attacker-controllable input and the issuer policy (issuer.ts) treats them as such.
 * Returns undefined for anything that is not a JWT with a JSON object payload.
 */
export function decodeJwtPayload(token: string): JwtPayload | undefined {
	const parts = token.split('.');
	if (parts.length !== 3 || parts[1].length === 0) return undefined;
	const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
	try {
		const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
		const bytes = new Uint8Array(binary.length);
		for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
		const payload: unknown = JSON.parse(utf8.decode(bytes));
		return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
			? (payload as JwtPayload)
			: undefined;
	} catch {
		return undefined;
	}
}

/** The latest instant a Date can hold (ECMAScript time values end at ±8.64e15 ms). */
export const MAX_EPOCH_MS = 8.64e15;

/**
 * Claim seconds as epoch milliseconds, clamped to what a Date can hold: a token claiming a year
 * beyond 275760 is treated as expiring then, instead of producing an invalid date downstream.
 */
export function epochMs(seconds: number): number {
	return Math.min(MAX_EPOCH_MS, Math.max(-MAX_EPOCH_MS, seconds * 1000));
}

export interface AccessTokenClaims {
	clientId?: string;
	issuer?: string;
	/** `exp` in epoch milliseconds, when the token is a JWT with a numeric `exp`. */
	expiresAt?: number;
	/** `iat` in epoch milliseconds, when the token is a JWT with a numeric `iat`. */
	issuedAt?: number;
}

const NO_CLAIMS: AccessTokenClaims = Object.freeze({});

// Decoding runs before every request that uses the credential, so the result is kept per token.
// Small and flushed when full: a process rarely holds more than a few live access tokens.
const claimsCache = new Map<string, AccessTokenClaims>();
const CLAIMS_CACHE_LIMIT = 256;

const timeClaim = (value: unknown): number | undefined =>
	typeof value === 'number' && Number.isFinite(value) ? epochMs(value) : undefined;
const textClaim = (value: unknown): string | undefined =>
	typeof value === 'string' && value ? value : undefined;

/**
 * The claims we use from an access token. An opaque token (or a JWT without them) has none;
 * whether that is enough is for the caller to decide (settings.ts: an expiry this package stored
 * when it received the token can stand in for `exp`).
 */
export function readAccessTokenClaims(accessToken: string): AccessTokenClaims {
	const cached = claimsCache.get(accessToken);
	if (cached) return cached;
	const payload = decodeJwtPayload(accessToken);
	const claims: AccessTokenClaims = payload
		? {
				clientId: textClaim(payload.client_id),
				issuer: textClaim(payload.iss),
				// An exp of 0 or before is no expiry anyone meant.
				expiresAt:
					typeof payload.exp === 'number' && payload.exp > 0 ? timeClaim(payload.exp) : undefined,
				issuedAt: timeClaim(payload.iat),
			}
		: NO_CLAIMS;
	if (claimsCache.size >= CLAIMS_CACHE_LIMIT) claimsCache.clear();
	claimsCache.set(accessToken, claims);
	return claims;
}

/** Expiry of a refresh token in epoch milliseconds when it happens to be a JWT with `exp`. */
export function readRefreshTokenExpiry(refreshToken: string): number | undefined {
	const exp = decodeJwtPayload(refreshToken)?.exp;
	return typeof exp === 'number' && Number.isFinite(exp) ? epochMs(exp) : undefined;
}

/**
 * A short, non-reversible tag of a token (32-bit FNV-1a, hex): binds stored bookkeeping (the
 * expiry this package measured) to the token it was measured for, without storing any part of it.
 */
export function tokenTag(token: string): string {
	let hash = 0x811c9dc5;
	for (let index = 0; index < token.length; index++) {
		hash ^= token.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash.toString(16).padStart(8, '0');
}

/**
 * A fingerprint of a token: the hex SHA-256 of it (Web Crypto, in n8n, plain Node and Deno alike).
 * The credential keeps the fingerprint of the refresh token each rotation spent, so that token is
 * recognised and never sent again, whatever the process remembers; a hash cannot be turned back
 * into the token, and a collision is out of reach.
 */
export async function tokenFingerprint(token: string): Promise<string> {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
	let hex = '';
	for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0');
	return hex;
}
