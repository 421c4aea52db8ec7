import { AacTokenError } from './errors';
import { networkCodes } from './networkFailures';
import { redactServerText } from './redact';
import type { TokenSettings } from './settings';
import {
	MAY_HAVE_ROTATED,
	processTokenResponse,
	type TokenHttpResponse,
	type TokenSet,
} from './tokenResponse';

/** One POST to the token endpoint, as the transport (n8n's helper, or fetch) should send it. */
export interface TokenHttpRequest {
	url: string;
	/** application/x-www-form-urlencoded body. */
	body: string;
	headers: Record<string, string>;
	/** One deadline for the whole attempt (connect, send, answer, body), not an idle timeout. */
	timeoutMs: number;
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
	/** First retry delay for 503s and unsent requests without Retry-After; doubles each time. */
	backoffBaseMs?: number;
}

export interface RequestLimits {
	/**
	 * Retry waits must end before this instant (epoch ms): the expiry of an access token that is
	 * still valid and will be handed out instead if the refresh cannot complete in time.
	 */
	waitUntil?: number;
}

/** Attempts in all, for requests that surely were not processed. */
const MAX_ATTEMPTS = 3;
/** The longest Retry-After we are willing to wait inside one execution. */
const MAX_RETRY_AFTER_MS = 60_000;

const NOT_SENT_CODES = networkCodes('notSent');
const TIMEOUT_CODES = new Set([
	...networkCodes('timeout'),
	'ERR_CANCELED', // axios, when the attempt's abort signal (our deadline) fires
]);
const INTERRUPTED_CODES = networkCodes('interrupted');

interface TransportFailure {
	kind: 'notSent' | 'timeout' | 'interrupted' | 'failed';
	/** An error code or name: enough to diagnose, never the error's own text or request. */
	label: string;
	/**
	 * For a failure we cannot place, the error's own text (n8n refusing the request says why:
	 * "Domain not allowed …"); shown only after redaction.
	 */
	message?: string;
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
		if (TIMEOUT_CODES.has(code) || name === 'TimeoutError' || name === 'AbortError')
			return { kind: 'timeout', label: code || name };
		if (INTERRUPTED_CODES.has(code)) return { kind: 'interrupted', label: code };
		current = current.cause as typeof current;
	}
	return {
		kind: 'failed',
		label: label || (error instanceof Error ? error.name : 'unknown error'),
		message: error instanceof Error ? error.message : undefined,
	};
}

function unreachable(
	failure: TransportFailure,
	settings: TokenSettings,
	attempts: number,
): AacTokenError {
	// Error codes go into the description: n8n replaces a message that mentions ECONNRESET and
	// the like with its own generic text, which would drop what we have to say.
	const what = {
		notSent: `could not be reached (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})`,
		timeout: `did not answer within ${settings.timeoutMs / 1000} s`,
		interrupted: 'closed the connection before answering',
		failed: 'could not be called',
	}[failure.kind];
	const notSent = failure.kind === 'notSent';
	// A failure we cannot place comes, in practice, before anything was sent (TLS, n8n's SSRF
	// protection or allowed domains refusing the request): it is not repeated, and not taken as
	// a possible rotation either.
	const ambiguous = failure.kind === 'timeout' || failure.kind === 'interrupted';
	const said = failure.message
		? `: ${redactServerText(failure.message, [settings.refreshToken, settings.accessToken])}`
		: '';
	return new AacTokenError(
		'TOKEN_ENDPOINT_UNREACHABLE',
		`The token endpoint ${settings.tokenEndpoint} ${what}. Nothing was saved.`,
		`${
			ambiguous
				? MAY_HAVE_ROTATED
				: `Check that n8n can reach the issuer host (DNS, proxy, firewall, the credential's allowed domains), then run again: ${notSent ? 'the request never left n8n, so ' : ''}the stored tokens are unchanged.`
		} (${failure.label}${said})`,
		{ refreshTokenMaybeSpent: ambiguous, transient: notSent },
	);
}

/** The refresh request exactly as AAC documents it. */
export function refreshTokenRequest(settings: TokenSettings): TokenHttpRequest {
	return {
		url: settings.tokenEndpoint,
		body: new URLSearchParams({
			grant_type: 'refresh_token',
			refresh_token: settings.refreshToken,
			client_id: settings.clientId,
		}).toString(),
		headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
		timeoutMs: settings.timeoutMs,
	};
}

/**
 * One refresh with the given refresh token. The token is sent a second time only when it surely
 * was not used: the request never left this process (refused, DNS), or the server answered 429 or
 * 503 (not processed; after its Retry-After). 500, 502, 504, timeouts and resets are ambiguous
 * and never repeated. At most 3 attempts, and no wait that would end after `limits.waitUntil`.
 */
export async function requestNewTokens(
	settings: TokenSettings,
	deps: RefreshDependencies,
	limits: RequestLimits = {},
): Promise<TokenSet> {
	const now = deps.now ?? Date.now;
	const backoffBaseMs = deps.backoffBaseMs ?? 500;
	const request = refreshTokenRequest(settings);
	const mayWait = (ms: number) =>
		ms <= MAX_RETRY_AFTER_MS && (limits.waitUntil === undefined || now() + ms < limits.waitUntil);

	for (let attempt = 1; ; attempt++) {
		const backoff = backoffBaseMs * 2 ** (attempt - 1);
		let response: TokenHttpResponse;
		try {
			response = await deps.transport(request);
		} catch (error) {
			const failure = classifyTransportFailure(error);
			if (failure.kind === 'notSent' && attempt < MAX_ATTEMPTS && mayWait(backoff)) {
				await deps.sleep(backoff);
				continue;
			}
			throw unreachable(failure, settings, attempt);
		}
		const answer = processTokenResponse(response, settings, now());
		if (answer.ok) return answer.tokens;
		const wait = answer.retry?.afterMs ?? backoff;
		if (!answer.retry || attempt >= MAX_ATTEMPTS || !mayWait(wait)) throw answer.error;
		await deps.sleep(wait);
	}
}
