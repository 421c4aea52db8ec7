/**
 * Redaction of server-provided text before it is shown. A server may echo what it received, or a
 * piece of it, and a proxy may put anything in an error page: so no run of MIN_PIECE or more
 * characters that also occurs in a secret survives, whole or in part, however the secrets overlap.
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

/**
 * `value` (server text) with every run shared with a secret, and anything JWT-shaped, replaced by
 * "[redacted]", then shortened. Redacting before shortening means a cut can never leave the start
 * of a secret visible. Non-strings give ''.
 */
export function redactServerText(value: unknown, secrets: readonly string[]): string {
	if (typeof value !== 'string' || !value) return '';
	const text = value.slice(0, MAX_INPUT);
	const windows = windowsOf(secrets);
	const hidden = new Uint8Array(text.length);
	for (let start = 0; start + MIN_PIECE <= text.length; start++) {
		if (windows.has(text.slice(start, start + MIN_PIECE))) hidden.fill(1, start, start + MIN_PIECE);
	}
	let shown = '';
	for (let index = 0; index < text.length; index++) {
		if (!hidden[index]) shown += text[index];
		else if (index === 0 || !hidden[index - 1]) shown += MARK;
	}
	shown = shown.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, MARK);
	return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown;
}
