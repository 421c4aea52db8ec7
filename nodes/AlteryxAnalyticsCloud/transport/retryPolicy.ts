import { networkCodes, parseRetryAfter } from '../core/networkFailures';
import { ownNetworkCode } from '../helpers/errors';
import type { AacRequest } from './types';

/*
 * When an AAC API request may be sent again (after ayx-rs's live-tested client,
 * ../shared/notes/aac-api.md), pure: no I/O here.
 * - 'read' (GETs): 429, 500, 502, 503, 504 and network errors, READ_ATTEMPTS in all; waits what
 *   x-retry-after / Retry-After says, clamped to 1–60 s, else 250 ms doubling to 8 s, ±20 %.
 * - 'startsWork' (a POST that starts or cancels work): only when AAC surely did not process it:
 *   429, or the request never left (connection refused, DNS: core's network-failure table).
 *   Anything ambiguous (5xx, a reset, a timeout after sending) is never repeated.
 */

/** Attempts of one request (the 401 retry aside). */
export const READ_ATTEMPTS = 4;

const RETRYABLE_READ_STATUS = new Set([429, 500, 502, 503, 504]);

/** The request surely never reached AAC: safe to resend even a POST that starts a run. */
export const NOT_SENT_CODES = networkCodes('notSent');

/** Every network failure code the transport tells apart (sent or not). */
export const NETWORK_ERROR_CODES = networkCodes();

/** Whether an answer with this status is worth another attempt for this request. */
export function statusIsRetryable(request: AacRequest, statusCode: number): boolean {
	return request.retry === 'read' ? RETRYABLE_READ_STATUS.has(statusCode) : statusCode === 429;
}

/** Whether a network failure with this code is worth another attempt for this request. */
export function networkFailureIsRetryable(request: AacRequest, code: string): boolean {
	return request.retry === 'read' || NOT_SENT_CODES.has(code);
}

export function header(
	headers: Record<string, unknown> | undefined,
	name: string,
): string | undefined {
	const value = headers?.[name];
	if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
	return value === undefined || value === null ? undefined : String(value);
}

/** How long AAC asked to wait (x-retry-after, else Retry-After as seconds or a date), clamped 1–60 s. */
export function retryAfterMs(
	headers: Record<string, unknown> | undefined,
	now = Date.now(),
): number | undefined {
	const ms = parseRetryAfter(
		header(headers, 'x-retry-after') ?? header(headers, 'retry-after'),
		now,
	);
	return ms === undefined ? undefined : Math.min(60_000, Math.max(1000, ms));
}

/** 250 ms doubling to 8 s, ±20 % jitter (attempt 1 is the first retry). */
export function backoffMs(attempt: number, random = Math.random): number {
	const base = Math.min(8000, 250 * 2 ** (attempt - 1));
	return Math.round(base * (0.8 + 0.4 * random()));
}

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

/** The execution was stopped (n8n aborted the request): never retried, never reworded. */
export function isCancellation(error: unknown): boolean {
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
