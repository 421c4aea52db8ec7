import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type IDataObject,
	type IHttpRequestOptions,
	type JsonObject,
} from 'n8n-workflow';

import {
	KEEPER_REMEDY,
	readCredential,
	redactServerText,
	sharedCoordinator,
	type TokenSettings,
} from '../core';
import type { AacNodeContext } from '../helpers/credentialWriter';
import { ownNetworkCode, toNodeError } from '../helpers/errors';
import { obtainAndSave } from '../helpers/tokens';
import { CREDENTIAL_TYPE } from '../n8nAdapter';

/*
 * Every AAC API request of the node: through n8n's httpRequestWithAuthentication with our
 * credential, so preAuthentication refreshes and persists on its own (in both refresh modes),
 * n8n's proxy, SSRF and allowed-domains settings apply, and stopping the execution aborts it.
 *
 * Retries (after ayx-rs's live-tested client, ../shared/notes/aac-api.md):
 * - 'read' (GETs): 429, 500, 502, 503, 504 and network errors, READ_ATTEMPTS in all; waits what
 *   x-retry-after / Retry-After says, clamped to 1–60 s, else 250 ms doubling to 8 s, ±20 %.
 * - 'startsWork' (a POST that starts or cancels a run): only when AAC surely did not process it:
 *   429, or the request never left (connection refused, DNS). Anything ambiguous (5xx, a reset,
 *   a timeout after sending) throws an error that says the run may have started: a run is never
 *   started twice by this node.
 * - 401: one refresh shared by every caller that saw the same access token rejected, then one
 *   retry (not counted as an attempt).
 */

export interface AacRequest {
	method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
	/** '/v4/plans', joined to the credential's API Base URL. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject | string;
	headers?: Record<string, string>;
	/**
	 * 'read': GETs, retried on 429/5xx/network errors with backoff+jitter (bounded);
	 * 'startsWork': a POST that starts or cancels a run: retried ONLY when surely not processed
	 * (429 after x-retry-after/Retry-After, or the request never left: ECONNREFUSED, DNS).
	 */
	retry: 'read' | 'startsWork';
	/**
	 * For 'startsWork' requests that start something other than a run (a webhook task): what
	 * may have happened when AAC's answer was lost, what a repeat could do, what to check.
	 */
	ambiguity?: Ambiguity;
}

export interface Ambiguity {
	outcome: string;
	repeatRisk: string;
	check: string;
}

const RUN_AMBIGUITY: Ambiguity = {
	outcome: 'The run may have started',
	repeatRisk: 'a repeat could start a second run',
	check: "Check AAC's job history or the plan's runs before retrying",
};

/** A cancel AAC's answer was lost for: it may or may not have been applied. */
export const CANCEL_AMBIGUITY: Ambiguity = {
	outcome: "The cancel's outcome is unknown",
	repeatRisk: 'it is not sent again without knowing what the first did',
	check:
		"Read the run's status (Get) to see whether it was cancelled; Cancel again if it still runs",
};

/**
 * AAC's request id (x-trifacta-request-id) as shown in messages: only a value shaped like a
 * request id (hex and dashes, as AAC's UUIDs). Anything else (a gateway that reflects a header
 * there, the Authorization header say) is not shown.
 */
export function requestIdOf(headers: Record<string, string | undefined>): string | undefined {
	const value = headers['x-trifacta-request-id']?.trim();
	if (value === undefined || value === '') return undefined;
	return /^[0-9A-Fa-f-]{8,64}$/.test(value) ? value : '(not shown: not shaped like a request ID)';
}

export interface AacResponse {
	statusCode: number;
	headers: Record<string, string | undefined>;
	body: unknown;
}

export interface AacPaging {
	returnAll: boolean;
	/** Items wanted when not returnAll (n8n's Limit). */
	limit?: number;
	/** Ask for includeCount (documented on the list endpoints, not on sub-lists); default true. */
	count?: boolean;
}

/** Attempts of one request (the 401 retry aside). */
export const READ_ATTEMPTS = 4;

/**
 * The page size asked for. AAC's largest is undocumented (its default is 25); a server that
 * serves fewer than asked is handled by the paging loop (a short page is not the end), so this
 * only decides how few requests a long list costs. Unverified against AAC.
 */
export const PAGE_SIZE = 100;

/** Safety bound of the paging loop: 1,000,000 items at PAGE_SIZE, or fewer on short pages. */
const MAX_PAGES = 10_000;

/** Per-attempt timeout (n8n's idle timeout of the socket). */
const REQUEST_TIMEOUT_MS = 60_000;

const RETRYABLE_READ_STATUS = new Set([429, 500, 502, 503, 504]);

/** The request surely never reached AAC: safe to resend even a POST that starts a run. */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
]);
/** The request may have reached AAC: a GET may be resent, a POST that starts a run may not. */
const AMBIGUOUS_CODES = new Set([
	'ECONNRESET',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'ESOCKETTIMEDOUT',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * Network failures in words. n8n's NodeApiError replaces any message that contains a Node error
 * code (ECONNRESET, ...) with its own generic text, so codes go into descriptions only.
 */
const NETWORK_FAILURE: Record<string, string> = {
	ECONNREFUSED: 'was refused (nothing accepted the connection)',
	ENOTFOUND: 'failed: the host name does not resolve',
	EAI_AGAIN: 'failed: the host name could not be resolved',
	ENETUNREACH: 'failed: the network is unreachable',
	EHOSTUNREACH: 'failed: the host is unreachable',
	ECONNRESET: 'lost its connection (reset)',
	ETIMEDOUT: 'timed out',
	ECONNABORTED: 'timed out',
	ESOCKETTIMEDOUT: 'timed out',
	ERR_SOCKET_CONNECTION_TIMEOUT: 'timed out',
	EPIPE: 'lost its connection (closed while sending)',
};

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
	const value = headers?.[name];
	if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
	return value === undefined || value === null ? undefined : String(value);
}

/** Seconds AAC asked to wait (x-retry-after, else Retry-After as seconds or a date), clamped 1–60 s. */
export function retryAfterMs(
	headers: Record<string, unknown> | undefined,
	now = Date.now(),
): number | undefined {
	const raw = header(headers, 'x-retry-after') ?? header(headers, 'retry-after');
	if (raw === undefined || raw.trim() === '') return undefined;
	let seconds = Number(raw);
	if (!Number.isFinite(seconds)) {
		const at = Date.parse(raw);
		if (Number.isNaN(at)) return undefined;
		seconds = (at - now) / 1000;
	}
	return Math.min(60, Math.max(1, seconds)) * 1000;
}

/** 250 ms doubling to 8 s, ±20 % jitter (attempt 1 is the first retry). */
export function backoffMs(attempt: number, random = Math.random): number {
	const base = Math.min(8000, 250 * 2 ** (attempt - 1));
	return Math.round(base * (0.8 + 0.4 * random()));
}

/** Every network failure code the transport tells apart (sent or not). */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
	...NOT_SENT_CODES,
	...AMBIGUOUS_CODES,
]);

/**
 * The error code of a network failure, wherever n8n's wrappers put it: on the error or its causes
 * (n8n 2.x keeps the axios error as `cause`; helpers/errors.ts: ownNetworkCode).
 */
export function networkCode(error: unknown): string | undefined {
	let current = error as { cause?: unknown } | undefined;
	for (let depth = 0; typeof current === 'object' && current && depth < 5; depth++) {
		const code = ownNetworkCode(current, NETWORK_ERROR_CODES);
		if (code) return code;
		current = current.cause as typeof current;
	}
	return undefined;
}

function isCancellation(error: unknown): boolean {
	let current = error as { code?: unknown; cause?: unknown; name?: unknown } | undefined;
	for (let depth = 0; current && depth < 5; depth++) {
		if (
			current.code === 'ERR_CANCELED' ||
			current.name === 'AbortError' ||
			current.name === 'CanceledError'
		)
			return true;
		current = current.cause as typeof current;
	}
	return false;
}

/** The access token a request through the credential sends now: the newest this process knows. */
function currentAccessToken(settings: TokenSettings): string {
	return sharedCoordinator.newestKnown(settings.refreshToken)?.accessToken ?? settings.accessToken;
}

const HINTS: Record<number, string> = {
	400: 'AAC found the request invalid: check the IDs, filters and overrides given to this node.',
	401: 'AAC rejected the access token even after a refresh. Generate a new token pair in AAC (User Preferences → OAuth 2.0 API Tokens) and paste it into the credential.',
	403: "The token's user may not do this: check that the object is shared with that user, that the user's role allows it, and that the token belongs to the workspace that holds it.",
	404: "AAC has nothing with that ID that the token's user can see: check the ID (pick it from the list), and the workspace of the token.",
	409: "AAC refused the request because of the object's current state.",
	410: 'It no longer exists in AAC (it was deleted).',
	429: "AAC's per-minute quota for this endpoint is used up and stayed so while the node waited. Wait a minute, or spread the items (for example Loop Over Items with a Wait node).",
};

function hintFor(status: number): string {
	if (HINTS[status]) return HINTS[status];
	if (status >= 500)
		return 'AAC failed to answer; try again later. If it persists, give Alteryx support the request ID.';
	return "See AAC's message above.";
}

function exceptionOf(body: unknown): { name?: string; message?: string; details?: string } {
	if (body && typeof body === 'object') {
		const exception = (body as { exception?: unknown }).exception;
		if (exception && typeof exception === 'object') {
			const { name, message, details } = exception as Record<string, unknown>;
			return {
				name: typeof name === 'string' ? name : undefined,
				message: typeof message === 'string' ? message : undefined,
				details: typeof details === 'string' ? details : undefined,
			};
		}
		const message =
			(body as { message?: unknown; error?: unknown }).message ??
			(body as { error?: unknown }).error;
		if (typeof message === 'string') return { message };
	}
	return {};
}

/** AAC's error answer as a NodeApiError: AAC's exception name and message, the status, the request id, what to do. */
export function aacApiError(
	context: AacNodeContext,
	request: AacRequest,
	response: AacResponse,
	secrets: readonly string[],
	note?: string,
): NodeApiError {
	const { statusCode } = response;
	const exception = exceptionOf(response.body);
	const requestId = requestIdOf(response.headers);
	const name = redactServerText(exception.name, secrets);
	const message = redactServerText(exception.message, secrets);
	const details = redactServerText(exception.details, secrets);
	const said = [name, message].filter(Boolean).join(': ');
	const text = `AAC answered ${statusCode} to ${request.method} ${request.path}${said ? ` (${said})` : ''}`;
	const description = [
		note,
		hintFor(statusCode),
		details && details !== message ? `AAC's details: ${details}.` : '',
		requestId ? `AAC request ID (x-trifacta-request-id): ${requestId}.` : '',
	]
		.filter(Boolean)
		.join(' ');
	const errorResponse: JsonObject = {
		httpCode: String(statusCode),
		exceptionName: name || null,
		message: message || null,
		requestId: requestId ?? null,
	};
	return new NodeApiError(context.getNode(), errorResponse, {
		message: text,
		description,
		httpCode: String(statusCode),
	});
}

function ambiguousStartError(
	context: AacNodeContext,
	request: AacRequest,
	what: string,
	cause: string,
): NodeApiError {
	const executionId = request.headers?.['x-execution-id'];
	const { outcome, repeatRisk, check } = request.ambiguity ?? RUN_AMBIGUITY;
	return new NodeApiError(
		context.getNode(),
		{ message: outcome, executionId: executionId ?? null } as JsonObject,
		{
			message: `${outcome}: ${request.method} ${request.path} ${what}, and AAC's answer was lost`,
			description: `${cause}. This request starts or cancels work in AAC, so it was not repeated (${repeatRisk}). ${check}${
				executionId
					? `; the request carried x-execution-id ${executionId}, and a retry with the same ID starts nothing new`
					: ''
			}.`,
		},
	);
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

function notJsonError(
	context: AacNodeContext,
	request: AacRequest,
	url: string,
	response: AacResponse,
): NodeApiError {
	const type = response.headers['content-type'] ?? 'no content type';
	const error = new NodeApiError(
		context.getNode(),
		{ message: 'Not JSON', httpCode: String(response.statusCode) } as JsonObject,
		{
			message: `${new URL(url).origin}${request.path} answered ${response.statusCode} with ${type.split(';')[0]}, not JSON`,
			description:
				"AAC's API answers JSON. Check the credential's API Base URL (e.g. https://us1.alteryxcloud.com): a login page, a proxy or another server answered instead.",
			httpCode: String(response.statusCode),
		},
	);
	// A wait reads this to poll again (waitForRun.ts: isTransientPollError): a sign-in page from a
	// proxy mid-wait passes, and the run the wait follows is still running in AAC.
	error.context.notJson = true;
	return error;
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

/** One AAC API request, with the retries and the 401 handling described above. */
export async function aacApiRequest(
	this: AacNodeContext,
	request: AacRequest,
): Promise<AacResponse> {
	let settings: TokenSettings;
	try {
		settings = readCredential(await this.getCredentials(CREDENTIAL_TYPE));
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
			const surelyNotSent = NOT_SENT_CODES.has(code);
			if ((request.retry === 'read' || surelyNotSent) && attempt < READ_ATTEMPTS) {
				await sleep(backoffMs(attempt));
				continue;
			}
			const failed = NETWORK_FAILURE[code] ?? 'failed';
			if (!surelyNotSent && request.retry === 'startsWork')
				throw ambiguousStartError(this, request, failed, `Network error ${code}`);
			const unreachable = new NodeApiError(
				this.getNode(),
				{ message: 'AAC could not be reached' } as JsonObject,
				{
					message: `${request.method} ${new URL(url).origin}${request.path} ${failed}, ${attempt} attempt${attempt === 1 ? '' : 's'}`,
					description: `Network error ${code}. Check the credential's API Base URL and n8n's network access to it.`,
				},
			);
			// In context, not in the error response: n8n would replace our message with its own for a code
			// there. A wait reads it to go on polling (waitForRun.ts: isTransientPollError).
			unreachable.context.networkCode = code;
			throw unreachable;
		}
		const { statusCode } = response;
		if (statusCode >= 200 && statusCode < 300 && !isJsonAnswer(response))
			throw notJsonError(this, request, url, response);
		if ((statusCode >= 200 && statusCode < 300) || statusCode === 304) return response;

		if (statusCode === 401 && !refreshedAfterRejection) {
			refreshedAfterRejection = true;
			await refreshAfterRejection(this, sentToken, request, response);
			settings = readCredential(await this.getCredentials(CREDENTIAL_TYPE));
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
		const retryable =
			request.retry === 'read' ? RETRYABLE_READ_STATUS.has(statusCode) : statusCode === 429;
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

/**
 * A list, paged with limit/offset and includeCount=true, PAGE_SIZE (or fewer, for a Limit) at a
 * time. The end is `count` reached or an empty page: a short page alone never ends the list,
 * since AAC may serve fewer than asked.
 */
export async function aacApiRequestAllItems(
	this: AacNodeContext,
	request: AacRequest,
	paging: AacPaging,
): Promise<IDataObject[]> {
	const wanted = paging.returnAll ? Infinity : Math.max(0, Math.floor(paging.limit ?? 50));
	const items: IDataObject[] = [];
	if (wanted === 0) return items;
	let offset = 0;
	let previousPage = '';
	for (let page = 0; page < MAX_PAGES; page++) {
		const limit = Math.min(PAGE_SIZE, wanted - items.length);
		const response = await aacApiRequest.call(this, {
			...request,
			qs: {
				...request.qs,
				limit,
				offset,
				...(paging.count === false ? {} : { includeCount: true }),
			},
		});
		const body = response.body as { data?: unknown; count?: unknown } | undefined;
		if (!body || !Array.isArray(body.data)) {
			throw new NodeOperationError(
				this.getNode(),
				`AAC answered ${request.method} ${request.path} without a list`,
				{
					description:
						'Expected { "data": [...] }. The API Base URL may point at something other than AAC.',
				},
			);
		}
		const data = body.data as IDataObject[];
		// A server (or a cache in front of it) that ignores offset serves the same page again:
		// stop at once rather than collect duplicates until the page limit.
		const signature = data.map((entry) => String(entry.id ?? JSON.stringify(entry))).join(',');
		if (data.length && signature === previousPage)
			throw new NodeOperationError(
				this.getNode(),
				`AAC served the same page of ${request.path} twice (at offset ${offset - data.length} and ${offset})`,
				{
					description: `The list does not advance with offset, so reading it would repeat items without end; ${items.length} items were read. Use a Limit of at most ${items.length}, or report this with AAC's request ID.`,
				},
			);
		previousPage = signature;
		items.push(...data);
		if (items.length >= wanted) return items.slice(0, wanted);
		offset += data.length;
		if (data.length === 0) return items;
		if (typeof body.count === 'number' && offset >= body.count) return items;
	}
	throw new NodeOperationError(
		this.getNode(),
		`Listing ${request.path} did not end after ${MAX_PAGES} pages`,
		{
			description: `${items.length} items so far; use a Limit or a filter.`,
		},
	);
}
