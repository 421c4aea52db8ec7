// 3. Refresh latency: one refresh through our core (readCredential + RefreshCoordinator.obtain with
// createFetchTransport(), from dist) versus one bare fetch POST of the same form whose JSON answer
// is read. Each sample is ABBA BAAB with freshly minted pairs (see below); ratio per sample.
import { pause, progress, summarize } from './lib.mjs';

export async function runLatency({ pkg, standIn, samples = 41, warmup = 5 }) {
	const { RefreshCoordinator, createFetchTransport, readCredential } = pkg.core;
	const coordinator = new RefreshCoordinator();
	const fetchTransport = createFetchTransport();
	// For the breakdown only: how long the transport (the HTTP exchange) took inside the refresh.
	let transportMs = 0;
	const deps = {
		transport: async (request) => {
			const t0 = performance.now();
			const response = await fetchTransport(request);
			transportMs = performance.now() - t0;
			return response;
		},
		sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
	};
	const parts = { readCredentialUs: [], obtainBeyondTransportUs: [], transportMs: [] };

	async function ours(pair) {
		const t0 = performance.now();
		const settings = readCredential({ ...pair, allowCustomIssuer: true });
		const t1 = performance.now();
		const result = await coordinator.obtain(settings, deps, { intent: 'refreshIfDue' });
		const t2 = performance.now();
		if (!result.refreshed || !result.changed || result.refreshToken === pair.refreshToken)
			throw new Error('latency: our core did not refresh');
		parts.readCredentialUs.push((t1 - t0) * 1000);
		parts.obtainBeyondTransportUs.push((t2 - t1 - transportMs) * 1000);
		parts.transportMs.push(transportMs);
		return t2 - t0;
	}

	async function bare(pair) {
		const t0 = performance.now();
		const response = await fetch(standIn.tokenEndpoint, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
			body: new URLSearchParams({
				grant_type: 'refresh_token',
				refresh_token: pair.refreshToken,
				client_id: standIn.clientId,
			}).toString(),
		});
		const answer = await response.json();
		const ms = performance.now() - t0;
		if (!response.ok || typeof answer.access_token !== 'string')
			throw new Error(`latency: bare fetch got HTTP ${response.status}`);
		return ms;
	}

	standIn.resetStats();
	const oursMs = [];
	const bareMs = [];
	const ratios = [];
	// One sample = ours, bare, bare, ours, bare, ours, ours, bare (ABBA BAAB), each refresh with its
	// own freshly minted pair, so that position, order and drift weigh on both sides alike: the
	// sample's ratio is (sum of ours) / (sum of bare), its times the means of four. Before each
	// sample: minting (not timed), a full GC when the process runs with --expose-gc (npm run bench
	// does), and one untimed refresh (the first refresh after minting is slower, whichever side).
	const pattern = ['ours', 'bare', 'bare', 'ours', 'bare', 'ours', 'ours', 'bare'];
	for (let i = -warmup; i < samples; i++) {
		const pairs = [];
		for (let k = 0; k <= pattern.length; k++)
			pairs.push(await standIn.mint({ accessTokenExpired: true }));
		globalThis.gc?.();
		await pause(5);
		await bare(pairs.pop());
		const sums = { ours: 0, bare: 0 };
		for (const side of pattern)
			sums[side] += side === 'ours' ? await ours(pairs.pop()) : await bare(pairs.pop());
		if (i < 0) continue;
		oursMs.push(sums.ours / 4);
		bareMs.push(sums.bare / 4);
		ratios.push(sums.ours / sums.bare);
	}
	const stats = standIn.stats();
	const expected = (pattern.length + 1) * (samples + warmup);
	if (stats.refreshGrantsOk !== expected || stats.reuseDetections !== 0) {
		throw new Error(
			`latency: expected ${expected} successful refreshes, the stand-in saw ${JSON.stringify(stats)}`,
		);
	}
	const result = {
		samples,
		ratio: summarize(ratios),
		oursMs: summarize(oursMs),
		bareMs: summarize(bareMs),
		// Breakdown of our side (every timed refresh of ours, warm-up excluded):
		readCredentialUs: summarize(parts.readCredentialUs.slice(4 * warmup)),
		obtainBeyondTransportUs: summarize(parts.obtainBeyondTransportUs.slice(4 * warmup)),
		transportMs: summarize(parts.transportMs.slice(4 * warmup)),
	};
	progress(
		`refresh latency: ours ${result.oursMs.median.toFixed(2)} ms, bare fetch ${result.bareMs.median.toFixed(2)} ms (medians of ${samples}), ratio ${result.ratio.median.toFixed(3)}`,
	);
	return result;
}
