/*
 * Network failures, one table for every caller that talks to AAC (the token requests of the core,
 * the API requests of the node, the wait's status polls): which codes mean the request surely
 * never left (safe to send again, even a request that changes state), which mean it may have
 * reached the server (only a read may be sent again), and how each is said in words. n8n's
 * NodeApiError replaces a message that contains one of these codes with its own generic text, so
 * the words go in messages and the codes in descriptions.
 */

export type NetworkFailureKind = 'notSent' | 'timeout' | 'interrupted';

export const NETWORK_FAILURES: Readonly<
	Record<string, { readonly kind: NetworkFailureKind; readonly words: string }>
> = {
	ECONNREFUSED: { kind: 'notSent', words: 'was refused (nothing accepted the connection)' },
	ENOTFOUND: { kind: 'notSent', words: 'failed: the host name does not resolve' },
	EAI_AGAIN: { kind: 'notSent', words: 'failed: the host name could not be resolved' },
	ENETUNREACH: { kind: 'notSent', words: 'failed: the network is unreachable' },
	EHOSTUNREACH: { kind: 'notSent', words: 'failed: the host is unreachable' },
	EADDRNOTAVAIL: { kind: 'notSent', words: 'failed: no local address to connect from' },
	ETIMEDOUT: { kind: 'timeout', words: 'timed out' },
	ECONNABORTED: { kind: 'timeout', words: 'timed out' },
	ESOCKETTIMEDOUT: { kind: 'timeout', words: 'timed out' },
	ERR_SOCKET_CONNECTION_TIMEOUT: { kind: 'timeout', words: 'timed out' },
	UND_ERR_CONNECT_TIMEOUT: { kind: 'timeout', words: 'timed out' },
	UND_ERR_HEADERS_TIMEOUT: { kind: 'timeout', words: 'timed out' },
	UND_ERR_BODY_TIMEOUT: { kind: 'timeout', words: 'timed out' },
	ECONNRESET: { kind: 'interrupted', words: 'lost its connection (reset)' },
	EPIPE: { kind: 'interrupted', words: 'lost its connection (closed while sending)' },
	UND_ERR_SOCKET: { kind: 'interrupted', words: 'lost its connection' },
	ERR_STREAM_PREMATURE_CLOSE: { kind: 'interrupted', words: 'lost its connection' },
};

/** The codes of one kind (or of every kind). */
export function networkCodes(...kinds: NetworkFailureKind[]): ReadonlySet<string> {
	return new Set(
		Object.entries(NETWORK_FAILURES)
			.filter(([, failure]) => kinds.length === 0 || kinds.includes(failure.kind))
			.map(([code]) => code),
	);
}

/**
 * How long a server asked to wait: Retry-After (or AAC's x-retry-after) as seconds or an HTTP
 * date, in ms from `now`; undefined when absent or unreadable. Callers clamp it to what they can
 * wait.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
	if (value === undefined || value.trim() === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
