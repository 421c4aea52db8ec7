import { parseRetryAfter } from './networkFailures';
import { AacTokenError, GENERATE_NEW_TOKENS } from './errors';
import { MAX_EPOCH_MS, normalizeToken, readAccessTokenClaims } from './jwt';
import { redactServerText } from './redact';
import { fieldsToStore, readCredential, type TokenSettings } from './settings';

export interface TokenHttpResponse {
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string | undefined>;
	/** Raw text, or an already parsed JSON value when the transport parsed it. */
	body: unknown;
}

export interface TokenSet {
	accessToken: string;
	refreshToken: string;
	/** Epoch milliseconds, local clock. */
	accessTokenExpiresAt: number;
	/** Epoch milliseconds, local clock, when known. */
	accessTokenIssuedAt?: number;
	/** When this process received the pair (local clock); absent for a pair read from a credential. */
	receivedAt?: number;
	/** False when the server kept the refresh token (a 200 without refresh_token, RFC 6749 §6). */
	refreshTokenRotated?: boolean;
	clientIdClaim?: string;
	issuerClaim?: string;
	/** The fingerprint of the refresh token this pair replaced (set once it is known to be spent). */
	spentRefreshTokenHash?: string;
}

/**
 * What an answer means. `retry` is present only when the server surely did not process the
 * request (429, 503), so sending the same refresh token again cannot spend it twice; `afterMs` is
 * its Retry-After, when it gave one.
 */
export type TokenAnswer =
	| { ok: true; tokens: TokenSet }
	| { ok: false; error: AacTokenError; retry?: { afterMs?: number } };

function parseBody(body: unknown): Record<string, unknown> | undefined {
	let value = body;
	if (typeof body === 'string') {
		try {
			value = JSON.parse(body);
		} catch {
			return undefined;
		}
	}
	return value !== null && typeof value === 'object' && !Array.isArray(value)
		? (value as Record<string, unknown>)
		: undefined;
}

function looksLikeHtml(body: unknown): boolean {
	return typeof body === 'string' && /^\s*</.test(body);
}

/** What must never be shown from an answer: the tokens we sent and any token the answer carries. */
function answerSecrets(
	settings: TokenSettings,
	body: Record<string, unknown> | undefined,
): string[] {
	const secrets = [settings.refreshToken, settings.accessToken];
	for (const token of [body?.access_token, body?.refresh_token])
		if (typeof token === 'string' && token) secrets.push(token);
	return secrets;
}

export const MAY_HAVE_ROTATED =
	'The request reached a server, so AAC may have rotated the refresh token; it was not sent again, because sending a spent refresh token makes AAC revoke the whole token family. Run the workflow again: if AAC did not rotate, the run works; if it did, the run reports the refresh token as rejected, and a new token pair must be generated in AAC.';

/** An error answer: what it says, and whether it may be repeated. */
function errorAnswer(
	response: TokenHttpResponse,
	settings: TokenSettings,
	now: number,
): TokenAnswer {
	const body = parseBody(response.body);
	const oauthError = typeof body?.error === 'string' ? body.error : undefined;
	const secrets = answerSecrets(settings, body);
	const detail = redactServerText(body?.error_description, secrets);
	// The error code is server text too: shown only shortened and redacted.
	const said = oauthError
		? ` (${redactServerText(oauthError, secrets)}${detail ? `: ${detail}` : ''})`
		: '';
	const status = response.status;

	if (oauthError === 'invalid_grant') {
		return {
			ok: false,
			error: new AacTokenError(
				'REFRESH_TOKEN_REJECTED',
				`Alteryx Analytics Cloud rejected the refresh token${said}. Nothing was saved.`,
				`The refresh token has expired, was revoked, or was already used; using a refresh token twice makes AAC revoke the whole token family, so it cannot be retried. ${GENERATE_NEW_TOKENS}`,
				{ httpStatus: status },
			),
		};
	}
	if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
		return {
			ok: false,
			error: new AacTokenError(
				'CLIENT_REJECTED',
				`Alteryx Analytics Cloud rejected the client ID "${redactServerText(settings.clientId, secrets, { tokenShapes: false })}"${said}. Nothing was saved.`,
				"Check the credential's Client ID field: leave it empty to read client_id from the access token, or copy the client ID shown next to the token in AAC (User Preferences → OAuth 2.0 API Tokens).",
				{ httpStatus: status },
			),
		};
	}
	if (status >= 300 && status < 400) {
		return {
			ok: false,
			error: new AacTokenError(
				'TOKEN_ENDPOINT_ERROR',
				`The token endpoint ${settings.tokenEndpoint} answered with a redirect (HTTP ${status}); redirects are not followed so the refresh token cannot leak to another host. Nothing was saved.`,
				'Check the issuer: it should be the "iss" value of your access token, for example https://pingauth.alteryxcloud.com/as.',
				{ httpStatus: status },
			),
		};
	}
	const message = `The token endpoint ${settings.tokenEndpoint} answered HTTP ${status}${said}${looksLikeHtml(response.body) ? ' with an HTML page' : ''}. Nothing was saved.`;
	if (status === 429 || status === 503) {
		// "Too many requests" and "unavailable" mean the server did not process the request.
		return {
			ok: false,
			error: new AacTokenError(
				'TOKEN_ENDPOINT_ERROR',
				message,
				`Alteryx Analytics Cloud is busy or unavailable and did not process the refresh (HTTP ${status}), so it was sent again after the wait it asked for, up to 3 times in all. Run the workflow again later: the stored tokens are unchanged.`,
				{ httpStatus: status, transient: true },
			),
			retry: { afterMs: parseRetryAfter(response.headers['retry-after'], now) },
		};
	}
	if (status >= 500) {
		// 500, 502, 504 and the rest: a gateway may have forwarded the refresh before failing.
		return {
			ok: false,
			error: new AacTokenError('TOKEN_ENDPOINT_ERROR', message, MAY_HAVE_ROTATED, {
				httpStatus: status,
				refreshTokenMaybeSpent: true,
			}),
		};
	}
	return {
		ok: false,
		error: new AacTokenError(
			'TOKEN_ENDPOINT_ERROR',
			message,
			'Check the issuer and client ID of the credential. The stored tokens are unchanged.',
			{
				httpStatus: status,
			},
		),
	};
}

/** Reads a successful answer. A 200 we cannot use is an error, and nothing gets saved. */
function successAnswer(
	response: TokenHttpResponse,
	settings: TokenSettings,
	now: number,
): TokenAnswer {
	const body = parseBody(response.body);
	// A success status means AAC may have rotated the refresh token even though we cannot use
	// the answer: the error says so, and the node's refresh record stays set.
	const unusable = (why: string): TokenAnswer => ({
		ok: false,
		error: new AacTokenError(
			'BAD_TOKEN_RESPONSE',
			`The token endpoint ${settings.tokenEndpoint} answered HTTP ${response.status} but ${why}. Nothing was saved.`,
			'A proxy or firewall may have answered instead of Alteryx Analytics Cloud: check the issuer and your network, then run again. If AAC itself answered, it may have rotated the refresh token already; the next run then reports the refresh token as rejected, and a new pair must be generated in AAC.',
			{ httpStatus: response.status, refreshTokenMaybeSpent: true },
		),
	});
	if (!body)
		return unusable(
			looksLikeHtml(response.body)
				? 'with an HTML page instead of JSON'
				: 'with a body that is not JSON',
		);
	const secrets = answerSecrets(settings, body);
	const accessToken = body.access_token;
	if (typeof accessToken !== 'string' || !accessToken) return unusable('without an access_token');
	const tokenType = body.token_type;
	if (
		tokenType !== undefined &&
		(typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')
	) {
		return unusable(`with token_type "${redactServerText(tokenType, secrets)}" instead of Bearer`);
	}
	// RFC 6749 §6: the server may keep the refresh token, which then stays valid.
	const rotated =
		body.refresh_token !== undefined && body.refresh_token !== null && body.refresh_token !== '';
	const refreshToken = rotated ? body.refresh_token : settings.refreshToken;
	if (typeof refreshToken !== 'string')
		return unusable('with a refresh_token that is not a string');
	// What is stored must read back as exactly what was received (normalizeToken cleans pastes).
	if (
		normalizeToken(accessToken) !== accessToken ||
		normalizeToken(refreshToken) !== refreshToken
	) {
		return unusable('with a token that contains spaces or line breaks');
	}

	// The lifetime is measured on the local clock from the moment of receipt, so a clock that is
	// off cannot make an expired token look valid: expires_in when given (relative by nature),
	// else exp − iat of a JWT, else exp against the local clock.
	const claims = readAccessTokenClaims(accessToken);
	const expiresIn =
		typeof body.expires_in === 'number'
			? body.expires_in
			: typeof body.expires_in === 'string'
				? Number(body.expires_in)
				: NaN;
	let lifetimeMs: number;
	if (Number.isFinite(expiresIn) && expiresIn > 0) lifetimeMs = expiresIn * 1000;
	else if (claims.expiresAt !== undefined && claims.issuedAt !== undefined)
		lifetimeMs = claims.expiresAt - claims.issuedAt;
	else if (claims.expiresAt !== undefined) lifetimeMs = claims.expiresAt - now;
	else return unusable('with an access token that is not a JWT and no expires_in');
	if (!(lifetimeMs > 0)) return unusable('with an access token that has already expired');

	const tokens: TokenSet = {
		accessToken,
		refreshToken,
		// Clamped like JWT expiries (jwt.ts), so a huge lifetime still gives a valid date.
		accessTokenExpiresAt: Math.min(MAX_EPOCH_MS, now + lifetimeMs),
		accessTokenIssuedAt: now,
		receivedAt: now,
		refreshTokenRotated: rotated,
		clientIdClaim: claims.clientId,
		issuerClaim: claims.issuer,
	};
	// One set of rules on receipt and on read: the pair is accepted only if the next read of the
	// credential, with these fields stored, gives back this pair and passes every check (issuer
	// policy included). Otherwise nothing is saved and the run says why.
	try {
		const next = readCredential(
			{ ...settings.input, ...fieldsToStore({ ...tokens, receivedAt: now }, settings) },
			now,
		);
		if (next.accessToken !== accessToken || next.refreshToken !== refreshToken)
			return unusable('with tokens that would not read back unchanged');
	} catch (error) {
		const why =
			error instanceof AacTokenError ? error.message.replace(/\.$/, '') : 'an unexpected error';
		return unusable(`with tokens the next run could not use (${why})`);
	}
	return { ok: true, tokens };
}

/**
 * What a token endpoint's answer means, without any I/O: the pair to store, or the error to show
 * and whether the request may be repeated. Pure, so it is tested without a transport.
 */
export function processTokenResponse(
	response: TokenHttpResponse,
	settings: TokenSettings,
	now: number,
): TokenAnswer {
	return response.status >= 200 && response.status < 300
		? successAnswer(response, settings, now)
		: errorAnswer(response, settings, now);
}
