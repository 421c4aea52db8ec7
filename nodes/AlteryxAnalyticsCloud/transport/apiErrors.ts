import { NodeApiError, type JsonObject } from 'n8n-workflow';

import { redactServerText } from '../core';
import { NETWORK_FAILURES } from '../core/networkFailures';
import type { AacNodeContext } from '../helpers/credentialWriter';
import type { AacRequest, AacResponse, Ambiguity } from './types';

/*
 * What an AAC API failure says: AAC's exception, the status, the request id, and what to do; for a
 * request that starts or cancels work and whose answer was lost, what may have happened and what
 * to check. Server text is redacted (core/redact.ts) before it is shown.
 */

export const RUN_AMBIGUITY: Ambiguity = {
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

export function ambiguousStartError(
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
 * The answer's media type as shown in messages: only a value shaped like one (`text/html`). The
 * header comes from whatever answered instead of AAC, so, as with the request id, anything else is
 * not shown.
 */
function mediaTypeOf(headers: Record<string, string | undefined>): string {
	const type = headers['content-type']?.split(';')[0].trim();
	if (!type) return 'no content type';
	return /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/.test(type)
		? type
		: 'a content type not shown (not shaped like one)';
}

export function notJsonError(
	context: AacNodeContext,
	request: AacRequest,
	url: string,
	response: AacResponse,
): NodeApiError {
	const error = new NodeApiError(
		context.getNode(),
		{ message: 'Not JSON', httpCode: String(response.statusCode) } as JsonObject,
		{
			message: `${new URL(url).origin}${request.path} answered ${response.statusCode} with ${mediaTypeOf(response.headers)}, not JSON`,
			description:
				"AAC's API answers JSON. Check the credential's API Base URL (e.g. https://us1.alteryxcloud.com): a login page, a proxy or another server answered instead.",
			httpCode: String(response.statusCode),
		},
	);
	// A wait reads this to poll again (runs/waitErrors.ts: isTransientPollError): a sign-in page
	// from a proxy mid-wait passes, and the run the wait follows is still running in AAC.
	error.context.notJson = true;
	return error;
}

/** A network failure in words ("was refused …"), from core's one table. */
export function networkFailureWords(code: string): string {
	return NETWORK_FAILURES[code]?.words ?? 'failed';
}

/** AAC could not be reached: the network failure in words, the code in the description. */
export function unreachableError(
	context: AacNodeContext,
	request: AacRequest,
	url: string,
	code: string,
	attempt: number,
): NodeApiError {
	const failed = networkFailureWords(code);
	const error = new NodeApiError(
		context.getNode(),
		{ message: 'AAC could not be reached' } as JsonObject,
		{
			message: `${request.method} ${new URL(url).origin}${request.path} ${failed}, ${attempt} attempt${attempt === 1 ? '' : 's'}`,
			description: `Network error ${code}. Check the credential's API Base URL and n8n's network access to it.`,
		},
	);
	// In context, not in the error response: n8n would replace our message with its own for a code
	// there. A wait reads it to go on polling (runs/waitErrors.ts: isTransientPollError).
	error.context.networkCode = code;
	return error;
}
