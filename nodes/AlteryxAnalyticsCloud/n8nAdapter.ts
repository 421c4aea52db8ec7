import { sleep } from 'n8n-workflow';
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

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
 * The fields to save after the pair changed; the refresh is complete, so its marker is cleared.
 * n8n saves a preAuthentication result only when it contains the expirable key, so it is always
 * included (and kept empty).
 */
export function credentialUpdate(result: ObtainResult): IDataObject {
	return {
		[EXPIRY_CHECK_FIELD]: '',
		[FIELD.accessToken]: result.accessToken,
		[FIELD.refreshToken]: result.refreshToken,
		[FIELD.lastRotatedAt]: new Date(result.rotatedAt ?? Date.now()).toISOString(),
		[FIELD.refreshStartedAt]: '',
	};
}

/*
 * A node has no supported way to write its credential; n8n persists credential data only when
 * preAuthentication returns it during an authenticated request. So the node makes one
 * authenticated "request" marked as persist-only, handing n8n the credential data itself
 * (`credentialsDecrypted`) with the fields to write attached under a symbol: preAuthentication
 * returns exactly those fields, n8n saves them, and `authenticate` stops the request before
 * anything is sent. The symbol never reaches the database (JSON ignores symbol keys), and no
 * other request can carry it.
 */
const PERSIST_ONLY = Symbol('aac.persistOnly');
const FIELDS_TO_WRITE = Symbol('aac.fieldsToWrite');

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

/**
 * The credential data to hand n8n for a persist-only request: a copy of what the node read, with
 * `fields` attached for preAuthentication to return. The expirable field is always among them,
 * since n8n saves a preAuthentication result only when it contains that key.
 */
export function dataWithFieldsToWrite(data: ICredentialDataDecryptedObject, fields: IDataObject): ICredentialDataDecryptedObject {
	const copy = { ...data };
	Object.defineProperty(copy, FIELDS_TO_WRITE, { value: { ...fields, [EXPIRY_CHECK_FIELD]: '' }, enumerable: false });
	return copy;
}

/** The fields a persist-only request asks preAuthentication to return, if this is one. */
export function fieldsToWrite(credentials: object): IDataObject | undefined {
	return (credentials as Record<symbol, IDataObject | undefined>)[FIELDS_TO_WRITE];
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
