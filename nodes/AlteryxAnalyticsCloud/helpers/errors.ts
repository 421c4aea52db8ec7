import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { AacTokenError } from '../core';

/**
 * The code of a network failure on this error object itself (not its causes), if it is one of
 * `known`: `code` (Node, axios), `httpCode` (n8n 1.x's NodeApiError drops the cause and keeps only
 * the axios error's code there, e.g. httpCode 'ECONNREFUSED'), or `context.networkCode` (the
 * transport's own "AAC could not be reached", where n8n would not overwrite our message).
 */
export function ownNetworkCode(error: object, known: ReadonlySet<string>): string | undefined {
	const record = error as {
		code?: unknown;
		httpCode?: unknown;
		context?: { networkCode?: unknown };
	};
	for (const code of [record.code, record.httpCode, record.context?.networkCode]) {
		if (typeof code === 'string' && known.has(code)) return code;
	}
	return undefined;
}

/** Token-endpoint failures are API errors; everything else the core reports is configuration. */
export function toNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (!(error instanceof AacTokenError)) {
		return error instanceof NodeApiError || error instanceof NodeOperationError
			? error
			: new NodeOperationError(node, error as Error);
	}
	const apiFailure = [
		'REFRESH_TOKEN_REJECTED',
		'CLIENT_REJECTED',
		'TOKEN_ENDPOINT_ERROR',
		'TOKEN_ENDPOINT_UNREACHABLE',
		'BAD_TOKEN_RESPONSE',
	];
	if (apiFailure.includes(error.code)) {
		const response: JsonObject = { code: error.code, message: error.message };
		return new NodeApiError(node, response, {
			message: error.message,
			description: error.description,
			httpCode: error.httpStatus === undefined ? undefined : String(error.httpStatus),
		});
	}
	return new NodeOperationError(node, error.message, { description: error.description });
}

/**
 * AAC will not show it: another user's (403), not found (404), or previously deleted (410). What a
 * trigger or a lookup reads about something else treats this as "unknown", not as a failure.
 */
export function isNotVisible(error: unknown): boolean {
	return error instanceof NodeApiError && ['403', '404', '410'].includes(String(error.httpCode));
}
