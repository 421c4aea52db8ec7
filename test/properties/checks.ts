// Assertions and oracles for the property tests in this folder: cheap checks for the generated runs,
// the issuer policy restated independently of issuer.ts, and the no-secret-in-errors check.
import { AacTokenError, type AacErrorCode } from '../../nodes/AlteryxAnalyticsCloud/core';
import { describeError } from '../helpers/secrets';

/** Generated inputs per property. */
export const RUNS = 10_000;

export const ERROR_CODES: readonly AacErrorCode[] = [
	'INVALID_FIELD',
	'ISSUER_NOT_ALLOWED',
	'ACCESS_TOKEN_EXPIRED',
	'REFRESH_TOKEN_REJECTED',
	'CLIENT_REJECTED',
	'TOKEN_ENDPOINT_ERROR',
	'TOKEN_ENDPOINT_UNREACHABLE',
	'BAD_TOKEN_RESPONSE',
];
export const SETTINGS_CODES: readonly AacErrorCode[] = ['INVALID_FIELD', 'ISSUER_NOT_ALLOWED'];
export const ANSWER_CODES: readonly AacErrorCode[] = [
	'REFRESH_TOKEN_REJECTED',
	'CLIENT_REJECTED',
	'TOKEN_ENDPOINT_ERROR',
];
export const TOKEN_ENDPOINT_CODES: readonly AacErrorCode[] = [
	...ANSWER_CODES,
	'TOKEN_ENDPOINT_UNREACHABLE',
	'BAD_TOKEN_RESPONSE',
];

// Cheap assertions for the generated runs: jest's expect() captures a stack trace per call and
// would cost more than the code under test. A failed one throws, and fast-check shrinks and reports.
export function show(value: unknown): string {
	if (typeof value === 'string')
		return JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}…` : value);
	try {
		return String(JSON.stringify(value)).slice(0, 300);
	} catch {
		return String(value);
	}
}

export function check(condition: boolean, what: string, detail?: unknown): void {
	if (!condition) throw new Error(detail === undefined ? what : `${what}: ${show(detail)}`);
}

export function same(actual: unknown, expected: unknown, what: string): void {
	if (!Object.is(actual, expected))
		throw new Error(`${what}: expected ${show(expected)}, received ${show(actual)}`);
}

/** Anything but a clean AacTokenError with one of `codes` fails the property (a TypeError is rethrown as is). */
export function expectAacError(
	error: unknown,
	codes: readonly AacErrorCode[],
): asserts error is AacTokenError {
	if (!(error instanceof AacTokenError)) throw error;
	check(ERROR_CODES.includes(error.code), 'unknown error code', error.code);
	check(codes.includes(error.code), `error code not one of ${codes.join(', ')}`, error.code);
	same(error.name, 'AacTokenError', 'error name');
	check(typeof error.message === 'string' && error.message.length > 0, 'error without a message');
	check(
		typeof error.description === 'string' && error.description.length > 0,
		'error without a description',
	);
}

/** Epoch milliseconds the node turns into ISO dates: finite and inside the range a Date can hold. */
export function expectPrintableEpochMs(value: number | undefined, what: string): void {
	if (value === undefined) return;
	check(
		typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= 8.64e15,
		`${what} is no valid Date`,
		value,
	);
}

/**
 * The issuer policy restated independently of issuer.ts, on the exact URL a transport receives:
 * AAC identity hosts over https; anything else only with the opt-in, and then https or loopback http,
 * never with credentials, a query or a fragment.
 */
export const AAC_TOKEN_ENDPOINT =
	/^https:\/\/pingauth(?:-[a-z0-9]+)?\.alteryxcloud\.com\/as\/token$/;

export function isLoopback(hostname: string): boolean {
	return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export function allowedTokenEndpoint(endpoint: string, allowCustomIssuer: boolean): boolean {
	if (AAC_TOKEN_ENDPOINT.test(endpoint)) return true;
	if (!allowCustomIssuer) return false;
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		return false;
	}
	if (`${url.origin}${url.pathname}` !== endpoint) return false; // what is sent is what was checked
	if (url.username || url.password || url.search || url.hash) return false;
	if (url.protocol === 'https:') return true;
	return url.protocol === 'http:' && isLoopback(url.hostname);
}

export function parsedUrl(raw: string): URL | undefined {
	try {
		return new URL(raw);
	} catch {
		return undefined;
	}
}

/** Whether checkIssuer may call `raw` "not an http(s) URL" (INVALID_FIELD) rather than refuse it. */
export function mayBeInvalidField(raw: string): boolean {
	if (!/^[\x21-\x7e]+$/.test(raw) || raw.includes('\\')) return true;
	const url = parsedUrl(raw);
	return url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:');
}

/** No secret, and no 16 characters in a row of a random one, in anything an error exposes. */
export function expectNoSecretsIn(error: unknown, whole: string[], opaque: string[]): void {
	const text = describeError(error);
	for (const secret of whole) {
		if (text.includes(secret))
			throw new Error(`a token leaked into the error: ${text.slice(0, 2000)}`);
	}
	for (const secret of opaque) {
		// Windows every 8 characters, plus the last one: any 24 leaked characters in a row are caught.
		const starts: number[] = [];
		for (let start = 0; start + 16 <= secret.length; start += 8) starts.push(start);
		starts.push(secret.length - 16);
		for (const start of starts) {
			const window = secret.slice(start, start + 16);
			if (text.includes(window))
				throw new Error(
					`part of a secret (${window}) leaked into the error: ${text.slice(0, 2000)}`,
				);
		}
	}
}
