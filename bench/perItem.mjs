// 6. Per-item overhead: Plan → Get on N plans by id (N input items, id = index + 1), in n8n-core's
// real WorkflowExecute against the ops stand-in:
//
// - ours: our node, Plan → Get (GET /v4/plans/{id}/full), one output item per input item;
// - http: n8n's HTTP Request node with the predefined credential (our credential type), URL
//         {{ base }}/v4/plans/{{ $json.index + 1 }}/full. It starts every item's request at once
//         (Promise.allSettled); our node runs a read-only operation's items CONCURRENT_ITEMS at a
//         time (actions/router.ts), so wall time compares two concurrency models as well as the
//         per-item work, and process CPU time compares the work alone.
//
// Rounds interleave the two (the order alternates).
import { dirname, join } from 'node:path';
import { pause, progress, require, summarize } from './lib.mjs';
import { AAC_NODE, HTTP_NODE, totalRequests } from './ops.mjs';

/** How many items our built node runs at once for Plan → Get (dist/, actions/router.js). */
export const concurrentItems = (pkg) =>
	require(join(dirname(pkg.nodePath), 'actions/router.js')).CONCURRENT_ITEMS;

export const PER_ITEM_APPROACHES = [
	{ key: 'ours', label: 'our Plan → Get (CONCURRENT_ITEMS at a time)' },
	{ key: 'http', label: 'HTTP Request, predefined credential (all items at once)' },
];

function chainFor(key, { standIn, CRED }) {
	if (key === 'ours') {
		return [
			{
				name: 'AAC',
				type: AAC_NODE,
				typeVersion: 1,
				parameters: {
					resource: 'plan',
					operation: 'get',
					planId: { __rl: true, mode: 'id', value: '={{ $json.index + 1 }}' },
				},
			},
		];
	}
	return [
		{
			name: 'HTTP Request',
			type: HTTP_NODE,
			typeVersion: 4.2,
			parameters: {
				url: `=${standIn.apiBaseUrl}/v4/plans/{{ $json.index + 1 }}/full`,
				authentication: 'predefinedCredentialType',
				nodeCredentialType: CRED,
				options: {},
			},
		},
	];
}

export async function runPerItem({ runner, standIn, items = 1000, rounds = 5, concurrency }) {
	standIn.api.reset({ plans: items });
	const tokenRecords = [];
	const data = Object.fromEntries(
		PER_ITEM_APPROACHES.map(({ key }) => [key, { wallMs: [], cpuMs: [], requests: new Set() }]),
	);
	const once = async (key) => {
		const r = await runner.run({
			chain: chainFor(key, { standIn, CRED: runner.CRED }),
			items,
			label: `per-item ${key}`,
		});
		if (r.output.length !== items)
			throw new Error(`per-item ${key}: ${r.output.length} items, expected ${items}`);
		const ids = new Set(r.output.map((json) => json.id));
		if (ids.size !== items)
			throw new Error(`per-item ${key}: ${ids.size} distinct plans, expected ${items}`);
		tokenRecords.push(r.tokens);
		return r;
	};
	for (const { key } of PER_ITEM_APPROACHES) await once(key); // warm-up
	for (let round = 0; round < rounds; round++) {
		const order = round % 2 === 0 ? ['ours', 'http'] : ['http', 'ours'];
		for (const key of order) {
			globalThis.gc?.();
			await pause(20);
			const r = await once(key);
			data[key].wallMs.push(r.wallMs);
			data[key].cpuMs.push(r.cpuMs);
			data[key].requests.add(totalRequests(r.apiRequests));
		}
	}
	const result = { items, rounds, concurrency, approaches: {} };
	for (const { key } of PER_ITEM_APPROACHES) {
		const d = data[key];
		result.approaches[key] = {
			requests: [...d.requests].join('/'),
			wallMs: summarize(d.wallMs),
			cpuMs: summarize(d.cpuMs),
		};
	}
	result.ratioWall = summarize(data.ours.wallMs.map((ms, i) => ms / data.http.wallMs[i]));
	result.ratioCpu = summarize(data.ours.cpuMs.map((ms, i) => ms / data.http.cpuMs[i]));
	result.tokenRecords = tokenRecords;
	progress(
		`per item, ${items.toLocaleString('en-US')} × Plan → Get: ours ${result.approaches.ours.wallMs.median.toFixed(0)} ms (CPU ${result.approaches.ours.cpuMs.median.toFixed(0)}), HTTP ${result.approaches.http.wallMs.median.toFixed(0)} ms (CPU ${result.approaches.http.cpuMs.median.toFixed(0)}); ratio wall ${result.ratioWall.median.toFixed(3)}, CPU ${result.ratioCpu.median.toFixed(3)}`,
	);
	return result;
}
