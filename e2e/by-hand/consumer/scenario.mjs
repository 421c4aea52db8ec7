// What a library user does with the installed package, in Node.js (refresh.cjs, refresh.mjs) and
// Deno (test/deno/main.mts): refresh an expired pair, 20 calls at once, then once more with the
// spent pair. Prints one JSON line of facts and fingerprints, never a token. The tokens come in
// through the environment: AAC_ACCESS_TOKEN, AAC_REFRESH_TOKEN, and AAC_API_BASE_URL (the stand-in).
export async function scenario({ createRefreshClient, sleep }, env) {
	const accessToken = env('AAC_ACCESS_TOKEN');
	const refreshToken = env('AAC_REFRESH_TOKEN');
	// The stand-in's issuer is http://127.0.0.1: allowed only with allowCustomIssuer.
	const credential = { accessToken, refreshToken, allowCustomIssuer: true };
	const client = createRefreshClient();

	const results = await Promise.all(
		Array.from({ length: 20 }, () => client.getAccessToken(credential)),
	);
	const first = results[0];
	// A caller still holding the spent pair gets the newest one from memory, without a request.
	const stale = await client.getAccessToken(credential);

	const api = await fetch(`${env('AAC_API_BASE_URL')}/v4/people/current`, {
		headers: { authorization: `Bearer ${first.accessToken}` },
	});
	await api.body?.cancel();

	// The package's own sleep must keep the runtime alive while it waits: nothing else is pending.
	// A fractional delay, as a computed back-off can be (AbortSignal.timeout alone rejects it in Node).
	const sleepStarted = Date.now();
	await sleep(199.5);
	const sleptMs = Date.now() - sleepStarted;

	return {
		refreshed: results.map((r) => r.refreshed),
		changed: results.map((r) => r.changed),
		rotated: first.refreshToken !== refreshToken && first.accessToken !== accessToken,
		distinctRefreshTokens: new Set(results.map((r) => r.refreshToken)).size,
		staleRefreshed: stale.refreshed,
		staleGotNewest: stale.refreshToken === first.refreshToken,
		apiStatus: api.status,
		sleptMs,
		newRefreshTokenSha256: await sha256(first.refreshToken),
	};
}

async function sha256(text) {
	const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
	return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
