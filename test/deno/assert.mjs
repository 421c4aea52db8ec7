// Minimal assertions, so the Deno test needs nothing from outside the npm registry (jsr.io,
// home of @std/assert, is not reachable here).
export function assert(condition, message = 'assertion failed') {
	if (!condition) throw new Error(message);
}

export function assertEquals(actual, expected) {
	const a = JSON.stringify(actual);
	const e = JSON.stringify(expected);
	if (a !== e) throw new Error(`expected ${e}, got ${a}`);
}

export function assertNotEquals(actual, unexpected) {
	if (JSON.stringify(actual) === JSON.stringify(unexpected)) throw new Error(`did not expect ${JSON.stringify(actual)}`);
}

export function assertMatch(text, pattern) {
	if (!pattern.test(text)) throw new Error(`${JSON.stringify(text)} does not match ${pattern}`);
}
