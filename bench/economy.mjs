// 1. Refresh economy: N requests arrive at once, just after the access token expired (one
// access-token lifetime), against the AAC stand-in (real oidc-provider: rotation + reuse
// detection). Counts token-endpoint calls, reuse detections, whether the token family survives,
// and the requests that failed, for:
//
// - ours:   our credential, through n8n-core's request helper inside WorkflowExecute
//           (test.apiCaller = the HTTP Request node's way: all items at once, legacy
//           requestWithAuthentication, continue on fail so every failed item is counted);
// - naive:  a preAuthentication credential without single flight (NaivePreAuthCredential), the
//           same way;
// - script: the refresh-every-call approach of AAC's published sample script: each request first
//           POSTs grant_type=refresh_token with the refresh token it holds (concurrently: all the
//           same one), saves the new pair (last writer wins), then calls the API. Plain fetch.
import { loadHarness, progress } from './lib.mjs';
import { NAIVE, NaivePreAuthCredential } from './n8nTypes.mjs';

export const APPROACHES = [
	{ key: 'ours', label: 'our credential (n8n)' },
	{ key: 'naive', label: 'preAuthentication, no single flight (n8n)' },
	{ key: 'script', label: 'AAC sample script: refresh every call' },
];

export async function runEconomy({ pkg, standIn, concurrencies = [1, 10, 100, 1000] }) {
	const { CredentialStore, createHarness, StartNode, makeApiCallerNode } = loadHarness();
	const ours = new pkg.CredentialClass();
	const OURS = ours.name;
	const nodeTypes = {
		'test.start': new StartNode(),
		'caller.ours': makeApiCallerNode(OURS),
		'caller.naive': makeApiCallerNode(NAIVE),
	};
	const credentialTypes = { [OURS]: ours, [NAIVE]: new NaivePreAuthCredential() };
	const apiUrl = `${standIn.apiBaseUrl}/v4/people/current`;
	let counter = 0;

	/** Start(n items) → API caller with the credential; returns the stored refresh token and failures. */
	async function throughN8n(approach, n, pair) {
		const type = approach === 'ours' ? OURS : NAIVE;
		const id = `${approach}-${++counter}`;
		const data = approach === 'ours' ? { ...pair, allowCustomIssuer: true } : { ...pair };
		const store = new CredentialStore([{ id, name: id, type, data }]);
		const harness = createHarness({ nodeTypes, credentialTypes, store, saveSemantics: 'n8n2' });
		const nodes = [
			{
				id: 's',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items: n },
			},
			{
				id: 'c',
				name: 'HTTP Request',
				type: `caller.${approach}`,
				typeVersion: 1,
				position: [200, 0],
				parameters: { url: apiUrl, helper: 'legacy' },
				continueOnFail: true,
				credentials: { [type]: { id, name: id } },
			},
		];
		const result = await harness.runWorkflow({
			nodes,
			connections: { Start: { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] } },
		});
		const items = result.output('HTTP Request');
		const ok = items.filter((item) => item.ok === true).length;
		return {
			failed: result.error ? n : n - ok,
			storedRefreshToken: store.read(id).refreshToken,
			saves: store.saves.length,
		};
	}

	/** The sample script's way, n copies at once, all holding the same pair. */
	async function sampleScript(n, pair) {
		let saved = { ...pair };
		const one = async () => {
			const held = pair.refreshToken;
			const token = await fetch(standIn.tokenEndpoint, {
				method: 'POST',
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					accept: 'application/json',
				},
				body: new URLSearchParams({
					grant_type: 'refresh_token',
					refresh_token: held,
					client_id: standIn.clientId,
				}).toString(),
			});
			const answer = await token.json();
			if (!token.ok || typeof answer.access_token !== 'string') return false;
			saved = { accessToken: answer.access_token, refreshToken: answer.refresh_token };
			const api = await fetch(apiUrl, {
				headers: { authorization: `Bearer ${answer.access_token}` },
			});
			await api.arrayBuffer();
			return api.ok;
		};
		const results = await Promise.allSettled(Array.from({ length: n }, one));
		const ok = results.filter((r) => r.status === 'fulfilled' && r.value === true).length;
		return { failed: n - ok, storedRefreshToken: saved.refreshToken };
	}

	const rows = [];
	for (const n of concurrencies) {
		for (const { key, label } of APPROACHES) {
			const pair = await standIn.mint({ accessTokenExpired: true });
			standIn.resetStats();
			const t0 = performance.now();
			const outcome =
				key === 'script' ? await sampleScript(n, pair) : await throughN8n(key, n, pair);
			const ms = performance.now() - t0;
			const stats = standIn.stats();
			const alive = await standIn.familyAlive(outcome.storedRefreshToken);
			const row = {
				approach: key,
				label,
				n,
				tokenCalls: stats.tokenRequests,
				reuseDetections: stats.reuseDetections,
				invalidGrants: stats.invalidGrants,
				maxUsesOfOneRefreshToken: stats.maxUsesOfOneRefreshToken,
				familyAlive: alive,
				failed: outcome.failed,
				apiOk: stats.apiOk,
				ms,
			};
			rows.push(row);
			progress(
				`economy N=${n} ${key}: ${row.tokenCalls} token calls, ${row.reuseDetections} reuse detections, ${row.invalidGrants} invalid_grant, family ${alive ? 'alive' : 'dead'}, ${row.failed} failed (${ms.toFixed(0)} ms)`,
			);
		}
	}
	return rows;
}
