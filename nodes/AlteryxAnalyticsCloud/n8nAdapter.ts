import { sleep } from 'n8n-workflow';
import type { IDataObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import { FIELD, type ObtainResult, type RefreshDependencies, type TokenHttpResponse } from './core';

/** The credential type's name: workflows store it, so it never changes. */
export const CREDENTIAL_TYPE = 'alteryxAnalyticsCloudOAuth2Api';

/**
 * The credential's hidden `expirable` property. n8n calls preAuthentication before a request
 * whenever this is empty; we keep it empty forever so that every request passes through the
 * refresh policy, which decides from the access token's expiry (cheap: a cached decode).
 */
export const EXPIRY_CHECK_FIELD = 'expiryCheck';

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
				timeout: request.timeoutMs,
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
 * What preAuthentication returns after the pair changed. n8n saves a returned object into the
 * credential only when it contains the expirable key, so it is always included (and kept empty).
 */
export function credentialUpdate(result: ObtainResult): IDataObject {
	return {
		[EXPIRY_CHECK_FIELD]: '',
		[FIELD.accessToken]: result.accessToken,
		[FIELD.refreshToken]: result.refreshToken,
		[FIELD.lastRotatedAt]: new Date(result.rotatedAt ?? Date.now()).toISOString(),
	};
}

/*
 * A node has no supported way to write its credential; n8n persists credential data only when
 * preAuthentication returns it during an authenticated request. So after the node has obtained a
 * new pair (kept in the shared rotation memory), it makes one authenticated "request" marked as
 * persist-only: preAuthentication finds the newer pair in memory and returns it, n8n saves it, and
 * `authenticate` then stops the request before anything is sent.
 */
const PERSIST_ONLY = Symbol('aac.persistOnly');

const PERSIST_ONLY_STOP_MESSAGE = 'Alteryx Analytics Cloud tokens saved; the persist-only request is never sent.';

export class PersistOnlyStop extends Error {
	constructor() {
		super(PERSIST_ONLY_STOP_MESSAGE);
		this.name = 'PersistOnlyStop';
	}
}

export function persistOnlyRequest(): IHttpRequestOptions {
	// `.invalid` never resolves: should the marker ever be lost, the request fails locally.
	const options: IHttpRequestOptions = { method: 'GET', url: 'https://persist-only.invalid/' };
	Object.defineProperty(options, PERSIST_ONLY, { value: true, enumerable: true });
	return options;
}

export function isPersistOnlyRequest(options: object): boolean {
	return (options as Record<symbol, unknown>)[PERSIST_ONLY] === true;
}

/**
 * True when the error is the stop thrown for a persist-only request, as n8n hands it back:
 * 2.x wraps it in a NodeApiError whose `cause` is the stop; 1.x's wrapper loses the cause (a
 * class field resets it) and keeps only the message, so the message identifies it there.
 */
export function isPersistOnlyStop(error: unknown): boolean {
	let current = error as { name?: unknown; message?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		if (current instanceof PersistOnlyStop || current.name === 'PersistOnlyStop') return true;
		if (current.message === PERSIST_ONLY_STOP_MESSAGE) return true;
		current = current.cause as typeof current;
	}
	return false;
}
