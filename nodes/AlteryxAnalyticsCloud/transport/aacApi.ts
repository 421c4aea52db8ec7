import { sleep, type IDataObject, type IHttpRequestOptions } from 'n8n-workflow';

import { KEEPER_REMEDY, readCredential, sharedCoordinator, type TokenSettings } from '../core';
import type { AacNodeContext } from '../helpers/credentialWriter';
import { isNotVisible, toNodeError } from '../helpers/errors';
import { CREDENTIAL_TYPE } from '../helpers/n8nAdapter';
import { obtainAndSave } from '../helpers/tokens';
import {
	aacApiError,
	ambiguousStartError,
	networkFailureWords,
	notJsonError,
	requestIdOf,
	unreachableError,
} from './apiErrors';
import {
	NOT_SENT_CODES,
	READ_ATTEMPTS,
	backoffMs,
	header,
	isCancellation,
	networkCode,
	networkFailureIsRetryable,
	retryAfterMs,
	statusIsRetryable,
} from './retryPolicy';
import type { AacRequest, AacResponse } from './types';

/*
 * Every AAC API request of the node: through n8n's httpRequestWithAuthentication with our
 * credential, so preAuthentication refreshes and persists on its own (in both refresh modes),
 * n8n's proxy, SSRF and allowed-domains settings apply, and stopping the execution aborts it.
 * When a request is sent again is retryPolicy.ts's; what a failure says is apiErrors.ts's.
 * A 401: one refresh shared by every caller that saw the same access token rejected, then one
 * retry (not counted as an attempt).
 */

/** Per-attempt timeout (n8n's idle timeout of the socket). */
const REQUEST_TIMEOUT_MS = 60_000;

/** The access token a request through the credential sends now: the newest this process knows. */
function currentAccessToken(settings: TokenSettings): string {
	return sharedCoordinator.newestKnown(settings.refreshToken)?.accessToken ?? settings.accessToken;
}

/**
 * A 2xx answer holds JSON (or nothing). A login page or another server behind a wrong API Base
 * URL answers 200 with HTML: that must fail, not become the item's json.
 */
function isJsonAnswer(response: AacResponse): boolean {
	if (response.body === undefined || response.statusCode === 204) return true;
	const type = response.headers['content-type'];
	if (type !== undefined) return /\bjson\b/i.test(type);
	return typeof response.body !== 'string';
}

async function sendOnce(
	context: AacNodeContext,
	url: string,
	request: AacRequest,
): Promise<AacResponse> {
	// Every POST, PUT and PATCH carries a JSON body, `{}` at least, and says so: AAC answers 415 to a
	// wrong Content-type (documented; contract unknown bodylessPostContentType), and n8n 2.x drops
	// an empty object body together with its content type, so the body goes as text.
	const sendsBody =
		request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH';
	const options: IHttpRequestOptions = {
		method: request.method,
		url,
		qs: request.qs,
		headers: {
			accept: 'application/json',
			...(sendsBody ? { 'content-type': 'application/json' } : {}),
			...request.headers,
		},
		body: sendsBody
			? typeof request.body === 'string'
				? request.body
				: JSON.stringify(request.body ?? {})
			: undefined,
		json: true,
		timeout: REQUEST_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	};
	const response = (await context.helpers.httpRequestWithAuthentication.call(
		context,
		CREDENTIAL_TYPE,
		options,
	)) as {
		statusCode: number;
		headers?: Record<string, unknown>;
		body: unknown;
	};
	const headers: Record<string, string | undefined> = {};
	for (const name of Object.keys(response.headers ?? {}))
		headers[name.toLowerCase()] = header(response.headers, name);
	return {
		statusCode: response.statusCode,
		headers,
		body: response.body === '' ? undefined : response.body,
	};
}

/**
 * After a 401: when the newest known access token is still the rejected one, rotate (one
 * single-flight refresh for every caller that saw it rejected) and save through the one writer;
 * when someone rotated meanwhile, nothing to do but retry. In Refresh Operation Only mode
 * requests never spend the refresh token.
 */
async function refreshAfterRejection(
	context: AacNodeContext,
	rejectedToken: string,
	request: AacRequest,
	response: AacResponse,
): Promise<void> {
	const data = await context.getCredentials(CREDENTIAL_TYPE);
	const settings = readCredential(data);
	if (currentAccessToken(settings) !== rejectedToken) return;
	if (settings.refreshMode === 'refreshOperationOnly') {
		throw aacApiError(
			context,
			request,
			response,
			[rejectedToken, settings.refreshToken],
			`AAC rejected the access token, and this credential is in "Refresh Operation Only" mode, so requests never refresh it. ${KEEPER_REMEDY}`,
		);
	}
	await obtainAndSave(context, data, settings, 'rotate');
}

/**
 * How long the settings one request read serve the next requests of the same execution. They
 * give the API base URL and the token a request is expected to send; the request itself reads
 * the credential again through n8n (preAuthentication and authenticate get n8n's fresh copy).
 * Reading it once per request as well doubled n8n's per-request credential work (defaults,
 * expressions and copies for every declared field): 1,000 items made 2,000 reads.
 */
const SETTINGS_REUSE_MS = 1000;
const settingsRead = new WeakMap<object, { at: number; settings: TokenSettings }>();

/**
 * The credential's settings for `context`: read at most once a SETTINGS_REUSE_MS, or now when
 * `fresh`. `reused` says they come from an earlier read, so the token n8n sends may be newer.
 */
async function credentialSettings(
	context: AacNodeContext,
	fresh = false,
): Promise<{ settings: TokenSettings; reused: boolean }> {
	const now = Date.now();
	const last = settingsRead.get(context);
	if (!fresh && last && now - last.at < SETTINGS_REUSE_MS)
		return { settings: last.settings, reused: true };
	const settings = readCredential(await context.getCredentials(CREDENTIAL_TYPE));
	settingsRead.set(context, { at: now, settings });
	return { settings, reused: false };
}

/** One AAC API request, with the retries and the 401 handling described above. */
export async function aacApiRequest(
	this: AacNodeContext,
	request: AacRequest,
): Promise<AacResponse> {
	let settings: TokenSettings;
	let reused: boolean;
	try {
		({ settings, reused } = await credentialSettings(this));
	} catch (error) {
		throw toNodeError(this.getNode(), error);
	}
	const url = `${settings.apiBaseUrl.replace(/\/+$/, '')}${request.path}`;
	let refreshedAfterRejection = false;
	for (let attempt = 1; ; attempt++) {
		const sentToken = currentAccessToken(settings);
		let response: AacResponse;
		try {
			response = await sendOnce(this, url, request);
		} catch (error) {
			const code = networkCode(error);
			if (code === undefined || isCancellation(error)) throw toNodeError(this.getNode(), error); // n8n's own (a failed refresh, a stop): as it is
			if (networkFailureIsRetryable(request, code) && attempt < READ_ATTEMPTS) {
				await sleep(backoffMs(attempt));
				continue;
			}
			if (!NOT_SENT_CODES.has(code) && request.retry === 'startsWork') {
				throw ambiguousStartError(
					this,
					request,
					networkFailureWords(code),
					`Network error ${code}`,
				);
			}
			throw unreachableError(this, request, url, code, attempt);
		}
		const { statusCode } = response;
		if (statusCode >= 200 && statusCode < 300 && !isJsonAnswer(response))
			throw notJsonError(this, request, url, response);
		if ((statusCode >= 200 && statusCode < 300) || statusCode === 304) return response;

		if (statusCode === 401 && reused) {
			// The token compared below must be the one n8n sent: read afresh, and when another
			// execution rotated meanwhile, retry with its token before deciding to refresh.
			({ settings, reused } = await credentialSettings(this, true));
			if (currentAccessToken(settings) !== sentToken) {
				attempt--;
				continue;
			}
		}
		if (statusCode === 401 && !refreshedAfterRejection) {
			refreshedAfterRejection = true;
			await refreshAfterRejection(this, sentToken, request, response);
			({ settings } = await credentialSettings(this, true));
			attempt--; // the retry after a refresh is not one of the attempts
			continue;
		}
		const secrets = [sentToken, settings.accessToken, settings.refreshToken];
		if (request.retry === 'startsWork' && statusCode >= 500) {
			throw ambiguousStartError(
				this,
				request,
				`was answered ${statusCode}`,
				`AAC answered ${statusCode}${requestIdOf(response.headers) ? ` (request ID ${requestIdOf(response.headers)})` : ''}`,
			);
		}
		const retryable = statusIsRetryable(request, statusCode);
		if (retryable && attempt < READ_ATTEMPTS) {
			await sleep(retryAfterMs(response.headers) ?? backoffMs(attempt));
			continue;
		}
		throw aacApiError(
			this,
			request,
			response,
			secrets,
			retryable ? `Tried ${attempt} times.` : undefined,
		);
	}
}

/** A GET through the transport (retried as a read): the answer's body. */
export async function aacGet(
	context: AacNodeContext,
	path: string,
	qs?: IDataObject,
): Promise<unknown> {
	return (await aacApiRequest.call(context, { method: 'GET', path, qs, retry: 'read' })).body;
}

/** A GET of one object; undefined when AAC no longer has it or will not show it (403, 404, 410). */
export async function aacGetIfExists(
	context: AacNodeContext,
	path: string,
	qs?: IDataObject,
): Promise<IDataObject | undefined> {
	try {
		const body = await aacGet(context, path, qs);
		return body && typeof body === 'object' ? (body as IDataObject) : undefined;
	} catch (error) {
		if (isNotVisible(error)) return undefined;
		throw toNodeError(context.getNode(), error);
	}
}
