import { tokenTag } from './jwt';

/*
 * The credential's fields as the core names them, and the formats of the hidden fields this
 * package writes into the credential and reads back (never a token: a tag or a fingerprint).
 */

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
	/** Hidden: when this package received the stored access token and when it expires, on the local clock. */
	accessTokenTiming: 'accessTokenTiming',
	/** Hidden: the fingerprint (tokenFingerprint) of the refresh token the last rotation spent. */
	spentRefreshTokenHash: 'spentRefreshTokenHash',
	/**
	 * Hidden: AAC rejected the stored refresh token (its fingerprint, when, when last reported):
	 * written by the Token Keeper, so no process sends that token again (see RefreshTokenRejection).
	 */
	refreshTokenRejection: 'refreshTokenRejection',
} as const;

/** The fields as the credential form shows them: messages name fields this way. */
export const FIELD_LABEL = {
	accessToken: 'Access Token',
	refreshToken: 'Refresh Token',
	clientId: 'Client ID',
	issuer: 'Issuer',
	apiBaseUrl: 'API Base URL',
	refreshMarginSeconds: 'Refresh Margin (Seconds)',
	requestTimeoutSeconds: 'Token Request Timeout (Seconds)',
} as const;

export interface StoredTiming {
	receivedAt: number;
	expiresAt: number;
}

/** The stored timing, if it was measured for exactly this access token. */
export function storedTiming(raw: unknown, accessToken: string): StoredTiming | undefined {
	if (typeof raw !== 'string' || !raw) return undefined;
	try {
		const value = JSON.parse(raw) as { for?: unknown; receivedAt?: unknown; expiresAt?: unknown };
		if (value.for !== tokenTag(accessToken)) return undefined;
		const receivedAt = Date.parse(String(value.receivedAt));
		const expiresAt = Date.parse(String(value.expiresAt));
		return Number.isFinite(receivedAt) && Number.isFinite(expiresAt) && expiresAt > receivedAt
			? { receivedAt, expiresAt }
			: undefined;
	} catch {
		return undefined;
	}
}

/**
 * AAC answered invalid_grant to the refresh token whose fingerprint is `hash`: its family is dead
 * and only a new pair pasted by a person helps. Kept in the credential (never the token), so the
 * refusal holds in every process and after restarts.
 */
export interface RefreshTokenRejection {
	hash: string;
	/** When AAC rejected it (epoch ms). */
	at: number;
	/** When a person was last told (epoch ms): the Token Keeper reminds at most once a day. */
	reportedAt?: number;
}

export function readRejection(raw: unknown): RefreshTokenRejection | undefined {
	if (typeof raw !== 'string' || !raw) return undefined;
	try {
		const value = JSON.parse(raw) as { hash?: unknown; at?: unknown; reportedAt?: unknown };
		const at = Date.parse(String(value.at));
		const reportedAt = Date.parse(String(value.reportedAt));
		if (typeof value.hash !== 'string' || !/^[0-9a-f]{64}$/.test(value.hash) || !(at > 0))
			return undefined;
		return { hash: value.hash, at, reportedAt: reportedAt > 0 ? reportedAt : undefined };
	} catch {
		return undefined;
	}
}

/** The value of the hidden rejection field (see RefreshTokenRejection). */
export function rejectionField(rejection: RefreshTokenRejection): string {
	return JSON.stringify({
		hash: rejection.hash,
		at: new Date(rejection.at).toISOString(),
		reportedAt:
			rejection.reportedAt === undefined ? undefined : new Date(rejection.reportedAt).toISOString(),
	});
}

/** The value of the hidden timing field for a token received at `receivedAt` (local clock). */
export function timingField(accessToken: string, receivedAt: number, expiresAt: number): string {
	return JSON.stringify({
		for: tokenTag(accessToken),
		receivedAt: new Date(receivedAt).toISOString(),
		expiresAt: new Date(expiresAt).toISOString(),
	});
}
