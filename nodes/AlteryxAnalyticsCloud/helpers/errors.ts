import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { AacTokenError } from '../core';

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
