import { invalidField } from './errors';

/**
 * Pasted tokens arrive with surrounding spaces, wrapped lines or a leading "Bearer ". None of
 * these characters can occur inside a JWT or an opaque OAuth token, so removing them is lossless.
 */
export function normalizeToken(raw: unknown): string {
	if (typeof raw !== 'string') return '';
	// Fast path: after the first save the stored value is already clean.
	if (!/\s/.test(raw)) return raw;
	return raw.trim().replace(/^bearer\s+/i, '').replace(/\s+/g, '');
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
function epochMs(seconds: number): number {
	return Math.min(MAX_EPOCH_MS, Math.max(-MAX_EPOCH_MS, seconds * 1000));
}

export interface AccessTokenClaims {
	clientId?: string;
	issuer?: string;
	/** Expiry in epoch milliseconds. */
	expiresAt: number;
	/** Issue time (`iat`) in epoch milliseconds, when the token carries one. */
	issuedAt?: number;
}

// Decoding runs before every request that uses the credential, so the result is kept per token.
// Small and flushed when full: a process rarely holds more than a few live access tokens.
const claimsCache = new Map<string, AccessTokenClaims>();
const CLAIMS_CACHE_LIMIT = 256;

/** Reads the claims we rely on from an access token, or throws an error naming the field. */
export function readAccessTokenClaims(accessToken: string, field: string): AccessTokenClaims {
	const cached = claimsCache.get(accessToken);
	if (cached) return cached;
	const payload = decodeJwtPayload(accessToken);
	if (!payload) {
		throw invalidField(
			field,
			'is not a JWT (three base64url parts separated by dots, the middle one JSON)',
			'Paste the access token exactly as Alteryx Analytics Cloud showed it (it starts with "eyJ").',
		);
	}
	const exp = payload.exp;
	if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= 0) {
		throw invalidField(
			field,
			'has no valid "exp" claim, so its expiry is unknown',
			'Paste the access token exactly as Alteryx Analytics Cloud showed it.',
		);
	}
	const claims: AccessTokenClaims = {
		clientId: typeof payload.client_id === 'string' && payload.client_id ? payload.client_id : undefined,
		issuer: typeof payload.iss === 'string' && payload.iss ? payload.iss : undefined,
		expiresAt: epochMs(exp),
		issuedAt: typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? epochMs(payload.iat) : undefined,
	};
	if (claimsCache.size >= CLAIMS_CACHE_LIMIT) claimsCache.clear();
	claimsCache.set(accessToken, claims);
	return claims;
}

/** Expiry of a refresh token in epoch milliseconds when it happens to be a JWT with `exp`. */
export function readRefreshTokenExpiry(refreshToken: string): number | undefined {
	const exp = decodeJwtPayload(refreshToken)?.exp;
	return typeof exp === 'number' && Number.isFinite(exp) ? epochMs(exp) : undefined;
}
