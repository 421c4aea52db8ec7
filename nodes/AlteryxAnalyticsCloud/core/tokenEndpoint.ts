import { AacTokenError, GENERATE_NEW_TOKENS } from './errors';
import { MAX_EPOCH_MS, readAccessTokenClaims } from './jwt';
import type { TokenSettings } from './settings';

/** One POST to the token endpoint, as the transport (n8n's helper, or fetch) should send it. */
export interface TokenHttpRequest {
	url: string;
	/** application/x-www-form-urlencoded body. */
	body: string;
	headers: Record<string, string>;
	timeoutMs: number;
}

export interface TokenHttpResponse {
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string | undefined>;
	/** Raw text, or an already parsed JSON value when the transport parsed it. */
	body: unknown;
}

/**
 * Sends one request without following redirects (a redirect could carry the refresh token to
 * another host) and resolves with any HTTP answer, error statuses included. Rejects only when no
 * answer arrived; the rejection is classified by its `code`/`name` and never shown as is.
 */
export type TokenTransport = (request: TokenHttpRequest) => Promise<TokenHttpResponse>;

export interface RefreshDependencies {
	transport: TokenTransport;
	sleep: (ms: number) => Promise<void>;
	now?: () => number;
	/** First retry delay for 5xx and unsent requests; doubles each time. */
	backoffBaseMs?: number;
}

export interface TokenSet {
	accessToken: string;
	refreshToken: string;
	/** Epoch milliseconds. */
	accessTokenExpiresAt: number;
	/** Epoch milliseconds: the token's `iat`, or when we received it. */
	accessTokenIssuedAt?: number;
	/** Epoch milliseconds of the refresh that produced this pair, if we made it. */
	rotatedAt?: number;
}

/** Attempts in all, for answers that are safe to repeat (see sendWithRetries). */
const MAX_ATTEMPTS = 3;
/** The longest Retry-After we are willing to wait inside one execution. */
const MAX_RETRY_AFTER_MS = 60_000;

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const INTERRUPTED_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

interface TransportFailure {
	kind: 'notSent' | 'timeout' | 'interrupted' | 'failed';
	/** An error code or name: enough to diagnose, never the error's own text or request. */
	label: string;
}

/** Sorts a transport rejection by whether the request may have reached the server. */
function classifyTransportFailure(error: unknown): TransportFailure {
	let label = '';
	let current = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		const code = typeof current.code === 'string' ? current.code : '';
		const name = typeof current.name === 'string' ? current.name : '';
		label ||= code;
		if (NOT_SENT_CODES.has(code)) return { kind: 'notSent', label: code };
		if (TIMEOUT_CODES.has(code) || name === 'TimeoutError') return { kind: 'timeout', label: code || name };
		if (INTERRUPTED_CODES.has(code)) return { kind: 'interrupted', label: code };
		current = current.cause as typeof current;
	}
	return { kind: 'failed', label: label || (error instanceof Error ? error.name : 'unknown error') };
}

function parseRetryAfter(value: string | undefined, now: number): number | undefined {
	if (!value) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
	let value = body;
	if (typeof body === 'string') {
		try {
			value = JSON.parse(body);
		} catch {
			return undefined;
		}
	}
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function looksLikeHtml(body: unknown): boolean {
	return typeof body === 'string' && /^\s*</.test(body);
}

/** Server-provided text, shortened and stripped of anything token-like before it is shown. */
function serverText(value: unknown, secrets: string[]): string {
	if (typeof value !== 'string' || !value) return '';
	// Shorten to 200 characters, but end before a secret the cut would split: its start would
	// otherwise stay visible, since only whole secrets are found and redacted.
	let end = Math.min(value.length, 200);
	for (let shortened = true; shortened; ) {
		shortened = false;
		for (const secret of secrets) {
			const at = secret ? value.indexOf(secret, Math.max(0, end - secret.length + 1)) : -1;
			if (at !== -1 && at < end) {
				end = at;
				shortened = true;
			}
		}
	}
	let text = value.slice(0, end);
	// Longest first: a short secret redacted inside a longer one would leave the rest of it visible.
	for (const secret of [...secrets].sort((a, b) => b.length - a.length)) if (secret) text = text.split(secret).join('[redacted]');
	return text.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted]');
}

/** What must never be shown from an answer: the tokens we sent and any token the answer carries. */
function answerSecrets(settings: TokenSettings, body: Record<string, unknown> | undefined): string[] {
	const secrets = [settings.refreshToken, settings.accessToken];
	for (const token of [body?.access_token, body?.refresh_token]) if (typeof token === 'string' && token) secrets.push(token);
	return secrets;
}

/** Turns an error answer from the token endpoint into the error the user sees. */
function errorFromAnswer(response: TokenHttpResponse, settings: TokenSettings): AacTokenError {
	const body = parseBody(response.body);
	const oauthError = typeof body?.error === 'string' ? body.error : undefined;
	const secrets = answerSecrets(settings, body);
	const detail = serverText(body?.error_description, secrets);
	// The error code is server text too: shown only shortened and redacted.
	const said = oauthError ? ` (${serverText(oauthError, secrets)}${detail ? `: ${detail}` : ''})` : '';

	if (oauthError === 'invalid_grant') {
		if (settings.refreshStartedAt) {
			// The node marked a refresh as started and nothing ever recorded its outcome.
			return new AacTokenError(
				'REFRESH_TOKEN_REJECTED',
				`Alteryx Analytics Cloud rejected the refresh token${said}: an earlier refresh, started at ${settings.refreshStartedAt}, never saved its result. Nothing was saved.`,
				`That refresh reached AAC, which rotated the refresh token, but n8n stopped (or lost the answer) before saving the new pair, so the refresh token stored here was already spent; sending it again made AAC revoke the whole token family. The tokens cannot be recovered. ${GENERATE_NEW_TOKENS}`,
				response.status,
			);
		}
		return new AacTokenError(
			'REFRESH_TOKEN_REJECTED',
			`Alteryx Analytics Cloud rejected the refresh token${said}. Nothing was saved.`,
			`The refresh token has expired, was revoked, or was already used; using a refresh token twice makes AAC revoke the whole token family, so it cannot be retried. ${GENERATE_NEW_TOKENS}`,
			response.status,
		);
	}
	if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
		return new AacTokenError(
			'CLIENT_REJECTED',
			`Alteryx Analytics Cloud rejected the client ID "${settings.clientId}"${said}. Nothing was saved.`,
			'Check the credential\'s Client ID field: leave it empty to read client_id from the access token, or copy the client ID shown next to the token in AAC (User Preferences → OAuth 2.0 API Tokens).',
			response.status,
		);
	}
	if (response.status >= 300 && response.status < 400) {
		return new AacTokenError(
			'TOKEN_ENDPOINT_ERROR',
			`The token endpoint ${settings.tokenEndpoint} answered with a redirect (HTTP ${response.status}); redirects are not followed so the refresh token cannot leak to another host. Nothing was saved.`,
			'Check the issuer: it should be the "iss" value of your access token, for example https://pingauth.alteryxcloud.com/as.',
			response.status,
		);
	}
	return new AacTokenError(
		'TOKEN_ENDPOINT_ERROR',
		`The token endpoint ${settings.tokenEndpoint} answered HTTP ${response.status}${said}${looksLikeHtml(response.body) ? ' with an HTML page' : ''}. Nothing was saved.`,
		response.status === 429 || response.status >= 500
			? 'Alteryx Analytics Cloud is busy or unavailable; the refresh was retried a few times. Run the workflow again later: the stored tokens are unchanged.'
			: 'Check the issuer and client ID of the credential. The stored tokens are unchanged.',
		response.status,
	);
}

/** Reads a successful answer. A 200 we cannot use is an error, and nothing gets saved. */
function tokenSetFromAnswer(response: TokenHttpResponse, settings: TokenSettings, now: number): TokenSet {
	const body = parseBody(response.body);
	// A success status means AAC may have rotated the refresh token even though we cannot use
	// the answer: the error says so, and the node's refresh marker stays set.
	const unusable = (why: string) =>
		new AacTokenError(
			'BAD_TOKEN_RESPONSE',
			`The token endpoint ${settings.tokenEndpoint} answered HTTP ${response.status} but ${why}. Nothing was saved.`,
			'A proxy or firewall may have answered instead of Alteryx Analytics Cloud: check the issuer and your network, then run again. If AAC itself answered, it may have rotated the refresh token already; the next run then reports the refresh token as already used, and a new pair must be generated in AAC.',
			response.status,
			true,
		);
	if (!body) throw unusable(looksLikeHtml(response.body) ? 'with an HTML page instead of JSON' : 'with a body that is not JSON');
	const accessToken = body.access_token;
	if (typeof accessToken !== 'string' || !accessToken) throw unusable('without an access_token');
	const tokenType = body.token_type;
	if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
		throw unusable(`with token_type "${serverText(tokenType, answerSecrets(settings, body))}" instead of Bearer`);
	}
	// AAC rotates on every refresh. An answer without a new refresh token is incomplete (RFC 6749
	// would let us keep the old one, but AAC has just spent it): store nothing rather than half a pair.
	const refreshToken = body.refresh_token;
	if (typeof refreshToken !== 'string' || !refreshToken) throw unusable('without a refresh_token (AAC sends a new one with every refresh)');
	let accessTokenExpiresAt: number;
	let accessTokenIssuedAt = now;
	try {
		const claims = readAccessTokenClaims(accessToken, 'access_token');
		accessTokenExpiresAt = claims.expiresAt;
		accessTokenIssuedAt = claims.issuedAt ?? now;
	} catch {
		// Number() throws on a JSON object whose toString/valueOf keys are not functions: objects are no numbers.
		const expiresIn = typeof body.expires_in === 'object' ? NaN : Number(body.expires_in);
		if (!Number.isFinite(expiresIn) || expiresIn <= 0) throw unusable('with an access token that is not a JWT and no expires_in');
		// Clamped like JWT expiries (jwt.ts), so a huge expires_in still gives a valid date.
		accessTokenExpiresAt = Math.min(MAX_EPOCH_MS, now + expiresIn * 1000);
	}
	return { accessToken, refreshToken, accessTokenExpiresAt, accessTokenIssuedAt, rotatedAt: now };
}

function unreachable(failure: TransportFailure, settings: TokenSettings, attempts: number): AacTokenError {
	// Error codes go into the description: n8n replaces a message that mentions ECONNRESET and
	// the like with its own generic text, which would drop what we have to say.
	const what = {
		notSent: `could not be reached (${attempts} attempts)`,
		timeout: `did not answer within ${settings.timeoutMs / 1000} s`,
		interrupted: 'closed the connection before answering',
		failed: 'could not be called',
	}[failure.kind];
	const advice =
		failure.kind === 'notSent' || failure.kind === 'failed'
			? 'Check that n8n can reach the issuer host (DNS, proxy, firewall, the credential\'s allowed domains), then run again: the stored tokens are unchanged.'
			: 'The request may have reached AAC, so it was not repeated automatically. Run the workflow again: if AAC did rotate the token, the next run is told the refresh token was already used, and a new pair must be generated in AAC.';
	return new AacTokenError(
		'TOKEN_ENDPOINT_UNREACHABLE',
		`The token endpoint ${settings.tokenEndpoint} ${what}. Nothing was saved.`,
		`${advice} (${failure.label})`,
		undefined,
		failure.kind === 'timeout' || failure.kind === 'interrupted',
	);
}

/**
 * One refresh with the given refresh token, following AAC's documented request exactly.
 * Repeats only what cannot spend the token twice or what the server asks us to repeat:
 * requests that were never sent, 5xx answers, and 429/503 after their Retry-After; all bounded.
 * A timeout or reset after sending is ambiguous and is not repeated.
 */
export async function requestNewTokens(settings: TokenSettings, deps: RefreshDependencies): Promise<TokenSet> {
	const now = deps.now ?? Date.now;
	const backoffBaseMs = deps.backoffBaseMs ?? 500;
	const request: TokenHttpRequest = {
		url: settings.tokenEndpoint,
		body: new URLSearchParams({
			grant_type: 'refresh_token',
			refresh_token: settings.refreshToken,
			client_id: settings.clientId,
		}).toString(),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		timeoutMs: settings.timeoutMs,
	};

	for (let attempt = 1; ; attempt++) {
		let response: TokenHttpResponse;
		try {
			response = await deps.transport(request);
		} catch (error) {
			const failure = classifyTransportFailure(error);
			if (failure.kind === 'notSent' && attempt < MAX_ATTEMPTS) {
				await deps.sleep(backoffBaseMs * 2 ** (attempt - 1));
				continue;
			}
			throw unreachable(failure, settings, attempt);
		}

		if (response.status >= 200 && response.status < 300) return tokenSetFromAnswer(response, settings, now());

		const retryable = response.status === 429 || response.status >= 500;
		if (!retryable || attempt >= MAX_ATTEMPTS) throw errorFromAnswer(response, settings);
		const retryAfter = parseRetryAfter(response.headers['retry-after'], now());
		if (retryAfter !== undefined && retryAfter > MAX_RETRY_AFTER_MS) throw errorFromAnswer(response, settings);
		await deps.sleep(retryAfter ?? backoffBaseMs * 2 ** (attempt - 1));
	}
}
