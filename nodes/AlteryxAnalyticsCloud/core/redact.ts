/**
 * Redaction of server-provided text before it is shown. A server may echo what it received, or a
 * piece of it, and a proxy may put anything in an error page: so no run of MIN_PIECE or more
 * characters that also occurs in a secret survives, whole or in part, however the secrets overlap.
 * A server may also show a token this package never held (another client's, a proxy's session, one
 * it minted by mistake): anything shaped like a token is hidden too (see tokenShapedSpans).
 */
export const MIN_PIECE = 12;

/** Longest server text we look at (the rest is dropped unread) and longest text we show. */
const MAX_INPUT = 2000;
const MAX_SHOWN = 200;
const MARK = '[redacted]';

/** Every window of MIN_PIECE characters of every secret: a shared run of 12+ contains one. */
function windowsOf(secrets: readonly string[]): Set<string> {
	const windows = new Set<string>();
	for (const secret of secrets) {
		for (let start = 0; start + MIN_PIECE <= secret.length; start++)
			windows.add(secret.slice(start, start + MIN_PIECE));
	}
	return windows;
}

/** True when `text` shares a run of MIN_PIECE or more characters with any of `secrets`. */
export function sharesSecretPiece(text: string, secrets: readonly string[]): boolean {
	const windows = windowsOf(secrets);
	for (let start = 0; start + MIN_PIECE <= text.length; start++)
		if (windows.has(text.slice(start, start + MIN_PIECE))) return true;
	return false;
}

/** A JWT: a JSON header (base64url of `{"` is `eyJ`), a payload, a signature. */
const JWT = /eyJ[\w-]*\.[\w-]+\.[\w-]*/g;
/**
 * A run of the characters tokens are made of (base64 with its padding, base64url, hex), long enough that it is no
 * word or id: opaque OAuth tokens are 32 to 64 of them, API keys and session ids 24 and more.
 */
const RUN = /[A-Za-z0-9+/_~-]{24,}={0,2}/g;
/** A path has a slash every few characters; a random base64 token has one in 64 on average. */
const MAX_SLASH_EVERY = 16;

/** True for a run mixing letters and digits (words and numbers alone are not tokens). */
function mixesLettersAndDigits(run: string): boolean {
	return /[0-9]/.test(run) && /[A-Za-z]/.test(run);
}

/**
 * [start, end) of every token-shaped value in `text`: a JWT, or a run of 24+ token characters that
 * mixes letters and digits (hex strings and UUIDs included). Words joined by underscores, numbers,
 * dates, URLs and paths stay (a run with a slash every few characters is a path: its parts are
 * judged one by one).
 */
export function tokenShapedSpans(text: string): Array<[number, number]> {
	const spans: Array<[number, number]> = [];
	for (const match of text.matchAll(JWT)) spans.push([match.index, match.index + match[0].length]);
	for (const match of text.matchAll(RUN)) {
		const run = match[0];
		const slashes = run.split('/').length - 1;
		if (slashes * MAX_SLASH_EVERY <= run.length) {
			if (mixesLettersAndDigits(run)) spans.push([match.index, match.index + run.length]);
			continue;
		}
		let offset = match.index;
		for (const part of run.split('/')) {
			if (part.length >= 24 && mixesLettersAndDigits(part))
				spans.push([offset, offset + part.length]);
			offset += part.length + 1;
		}
	}
	return spans;
}

/** `text` with every token-shaped value (see tokenShapedSpans) replaced by "[redacted]". */
export function redactTokenShaped(text: string): string {
	return redactServerText(text, [], { maxShown: Infinity });
}

export interface RedactOptions {
	/** Hide token-shaped values too (default). Off only for values that are ours, such as a client ID. */
	tokenShapes?: boolean;
	/** Longest text shown (200 characters by default). */
	maxShown?: number;
}

/**
 * `value` (server text) with every run shared with a secret, and anything token-shaped, replaced by
 * "[redacted]", then shortened. Both are found in the text as the server sent it, before anything is
 * replaced (hiding a shared piece first could leave the rest of a token unrecognisable), and
 * redacting comes before shortening, so a cut can never leave the start of a secret visible.
 * Non-strings give ''.
 */
export function redactServerText(
	value: unknown,
	secrets: readonly string[],
	options: RedactOptions = {},
): string {
	if (typeof value !== 'string' || !value) return '';
	const text = value.slice(0, MAX_INPUT);
	const windows = windowsOf(secrets);
	const hidden = new Uint8Array(text.length);
	for (let start = 0; start + MIN_PIECE <= text.length; start++) {
		if (windows.has(text.slice(start, start + MIN_PIECE))) hidden.fill(1, start, start + MIN_PIECE);
	}
	if (options.tokenShapes !== false)
		for (const [start, end] of tokenShapedSpans(text)) hidden.fill(1, start, end);
	let shown = '';
	for (let index = 0; index < text.length; index++) {
		if (!hidden[index]) shown += text[index];
		else if (index === 0 || !hidden[index - 1]) shown += MARK;
	}
	const maxShown = options.maxShown ?? MAX_SHOWN;
	return shown.length > maxShown ? `${shown.slice(0, maxShown)}…` : shown;
}
