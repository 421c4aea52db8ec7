import { sleep } from 'n8n-workflow';
import type { IDataObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import {
	AacTokenError,
	GENERATE_NEW_TOKENS,
	KEEPER_REMEDY,
	type ObtainResult,
	type RefreshDependencies,
	type TokenHttpResponse,
	type TokenSettings,
} from '../core';

/** The credential type's name: workflows store it, so it never changes. */
export const CREDENTIAL_TYPE = 'alteryxAnalyticsCloudOAuth2Api';

/**
 * The credential's hidden `expirable` property. n8n calls preAuthentication before a request
 * whenever this is empty; we keep it empty forever so that every request passes through the
 * refresh policy, which decides from the access token's expiry (cheap: a cached decode).
 */
export const EXPIRY_CHECK_FIELD = 'expiryCheck';

/**
 * Hidden node bookkeeping (the core knows nothing of it): set (ISO time) by the node just before it
 * sends a refresh, cleared when the outcome is saved. When still set, a refresh started then never
 * recorded its result (n8n stopped, or the answer was lost), so AAC may have rotated the stored
 * refresh token already.
 */
export const REFRESH_STARTED_FIELD = 'refreshStartedAt';

type HttpRequest = IHttpRequestHelper['helpers']['httpRequest'];

/** HTTP and sleeping for the core, through n8n's own helper (proxies, n8n's request settings). */
export function n8nRefreshDependencies(httpRequest: HttpRequest): RefreshDependencies {
	return {
		sleep,
		transport: async (request): Promise<TokenHttpResponse> => {
			const options: IHttpRequestOptions = {
				method: 'POST',
				url: request.url,
				body: request.body,
				headers: request.headers,
				// `timeout` alone is an idle timeout (a server trickling bytes would hold it open): the
				// abort signal is the attempt's one overall deadline.
				timeout: request.timeoutMs,
				abortSignal: AbortSignal.timeout(request.timeoutMs),
				disableFollowRedirect: true,
				ignoreHttpStatusErrors: true,
				returnFullResponse: true,
			};
			const response = (await httpRequest(options)) as {
				statusCode: number;
				headers?: Record<string, unknown>;
				body: unknown;
			};
			const retryAfter = response.headers?.['retry-after'];
			return {
				status: response.statusCode,
				headers: { 'retry-after': typeof retryAfter === 'string' ? retryAfter : undefined },
				body: response.body,
			};
		},
	};
}

/**
 * The fields to save after the pair changed; the refresh is complete, so its record is cleared.
 * n8n saves a preAuthentication result only when it contains the expirable key, so it is always
 * included (and kept empty).
 */
export function credentialUpdate(result: ObtainResult): IDataObject {
	return { ...result.update, [EXPIRY_CHECK_FIELD]: '', [REFRESH_STARTED_FIELD]: '' };
}

/**
 * invalid_grant while the node's refresh record is set: the refresh started then reached AAC,
 * which rotated, and its answer was never saved. Says so instead of the generic text.
 */
export function explainRejection(error: unknown, refreshStartedAt: unknown): unknown {
	if (!(error instanceof AacTokenError) || error.code !== 'REFRESH_TOKEN_REJECTED') return error;
	if (typeof refreshStartedAt !== 'string' || !refreshStartedAt) return error;
	return new AacTokenError(
		'REFRESH_TOKEN_REJECTED',
		error.message.replace(
			/\. Nothing was saved\.$/,
			`: an earlier refresh, started at ${refreshStartedAt}, never saved its result. Nothing was saved.`,
		),
		`That refresh reached AAC, which rotated the refresh token, but n8n stopped (or lost the answer) before saving the new pair, so the refresh token stored here was already spent; sending it again made AAC revoke the whole token family. The tokens cannot be recovered. ${GENERATE_NEW_TOKENS}`,
		{ httpStatus: error.httpStatus },
	);
}

/** AAC's cheapest call that needs a valid access token (the credential test uses it too). */
const WHO_AM_I = '/v4/people/current';
/** A probe that takes longer than this counts as "not known to be rejected". */
const PROBE_TIMEOUT_MS = 15_000;

const probes = new Map<string, Promise<boolean>>();

/**
 * Whether AAC rejects `accessToken` (401 to GET /v4/people/current at the credential's API Base
 * URL, which the issuer policy has checked: the access token goes nowhere else). Asked when a token
 * that looks valid may not be (a request through it failed, or its expiry comes only from its
 * `exp` claim, on AAC's clock). One probe per token at a time, shared by every caller; anything but
 * a 401 (an answer, a network error) means no.
 */
export function accessTokenRejected(
	httpRequest: HttpRequest,
	settings: TokenSettings,
	accessToken: string,
): Promise<boolean> {
	let probe = probes.get(accessToken);
	if (!probe) {
		probe = (async () => {
			try {
				const response = (await httpRequest({
					method: 'GET',
					url: `${settings.apiBaseUrl.replace(/\/+$/, '')}${WHO_AM_I}`,
					headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
					timeout: PROBE_TIMEOUT_MS,
					abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
					disableFollowRedirect: true,
					ignoreHttpStatusErrors: true,
					returnFullResponse: true,
				})) as { statusCode?: number };
				return response.statusCode === 401;
			} catch {
				return false;
			}
		})();
		probes.set(accessToken, probe);
		const forget = () => probes.delete(accessToken);
		probe.then(forget, forget);
	}
	return probe;
}

/**
 * AAC rejected an access token that looked valid, and this caller may not refresh (Refresh
 * Operation Only mode): says so instead of handing the token out.
 */
export function accessTokenRejectedError(settings: TokenSettings): AacTokenError {
	return new AacTokenError(
		'ACCESS_TOKEN_REJECTED',
		`Alteryx Analytics Cloud rejected the access token although it should be valid until ${new Date(settings.accessTokenExpiresAt).toISOString()} by its "exp" claim (n8n's clock may be behind AAC's), and this credential is in "Refresh Operation Only" mode, so requests never refresh it.`,
		`A pair n8n received itself is timed on n8n's clock and cannot be misjudged like this. ${KEEPER_REMEDY} The Token Keeper replaces a pasted pair at its first poll.`,
	);
}
