import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

import { ownNetworkCode } from '../helpers/errors';
import { NETWORK_ERROR_CODES } from '../transport/retryPolicy';

/*
 * How a wait for a run ends when it does not end well: its errors (with what kind of end it was
 * in `context.runWait`), and which failures of a poll are worth another poll.
 */

export type RunWaitErrorCode = 'TIMEOUT' | 'FAILED' | 'CANCELED' | 'STOPPED' | 'STATUS_UNAVAILABLE';

export interface RunWaitDetails {
	code: RunWaitErrorCode;
	runLabel: string;
	lastStatus: string | undefined;
	reason?: string;
	polls: number;
	waitedMs: number;
	canceledInAac?: boolean;
}

/**
 * The wait's errors are NodeOperationErrors (what n8n shows and what Continue On Fail turns into
 * an item); what kind of end it was is in `context.runWait` (read it with runWaitDetails).
 */
export function runWaitError(
	node: INode,
	message: string,
	description: string,
	details: RunWaitDetails,
): NodeOperationError {
	const error = new NodeOperationError(node, message, { description });
	error.context.runWait = { ...details };
	return error;
}

export function runWaitDetails(error: unknown): RunWaitDetails | undefined {
	const context = (error as { context?: { runWait?: RunWaitDetails } } | null)?.context;
	return context?.runWait;
}

/** An error from the status getter that ends the wait, as a node error (unchanged when it is one). */
export function asNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : new Error(String(error)));
}

/**
 * The error for a run that ended Failed or Canceled (the operations throw it unless the
 * "Output Failed Runs" option is on).
 */
export function runEndedError(
	node: INode,
	runLabel: string,
	status: 'Failed' | 'Canceled',
	reason: string | undefined,
	extra: { polls: number; waitedMs: number },
): NodeOperationError {
	const because = reason ? `: ${reason}` : '';
	return runWaitError(
		node,
		`${runLabel[0].toUpperCase()}${runLabel.slice(1)} ended ${status}${because}`,
		status === 'Failed'
			? `AAC reports the run as Failed${reason ? '' : ' without a reason; open the run in AAC for its job logs'}. To get the run as output instead of an error, turn on the option Output Failed Runs.`
			: 'The run was cancelled (in AAC, or by a Cancel operation). To get the run as output instead of an error, turn on the option Output Failed Runs.',
		{
			code: status === 'Failed' ? 'FAILED' : 'CANCELED',
			runLabel,
			lastStatus: status,
			reason,
			polls: extra.polls,
			waitedMs: extra.waitedMs,
		},
	);
}

function statusCodeOf(error: Record<string, unknown>): number | undefined {
	for (const key of ['httpCode', 'statusCode', 'status']) {
		const value = Number(error[key]);
		if (Number.isInteger(value) && value >= 100 && value < 600) return value;
	}
	return undefined;
}

/** 429, 5xx, network failures and a 2xx that is not JSON: what a later poll may not meet again. */
export function isTransientPollError(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const seen = new Set<unknown>();
	let current: unknown = error;
	while (typeof current === 'object' && current !== null && !seen.has(current)) {
		seen.add(current);
		const record = current as Record<string, unknown>;
		if ((record.context as { notJson?: unknown } | undefined)?.notJson === true) return true;
		const status = statusCodeOf(record);
		if (status !== undefined) return status === 429 || status >= 500;
		if (ownNetworkCode(record, NETWORK_ERROR_CODES)) return true;
		if (record.name === 'TimeoutError' || record.name === 'AbortError') return true;
		current = record.cause;
	}
	return false;
}
