// 5. Paging economy: Return All over N plans, in n8n-core's real WorkflowExecute, against the
// ops stand-in (its v4 API serves any page size; AAC's largest is unverified, so both sides ask
// for pages of 100, our node's PAGE_SIZE):
//
// - ours:      Plan → Get Many, Return All: one item per plan;
// - httpCount: n8n's HTTP Request node with the predefined credential (our credential type) and
//              n8n's own pagination set up the way n8n's docs show ("Update a Parameter in Each
//              Request": offset = {{ $pageCount * 100 }}, limit=100&includeCount=true fixed;
//              complete when {{ $response.body.count <= $pageCount * 100 }}, the fewest requests
//              a user can configure), then Split Out on `data` for one item per plan;
// - httpShort: the same, complete when a page is short ({{ $response.body.data.length < 100 }}),
//              the form most examples use: one more request when N is a multiple of 100.
//
// Rounds interleave the three (the order rotates), so load drift on the shared machine hits all.
// At the largest N, one more run each measures peak memory (heap and RSS above a GC'd baseline).
import { progress, pause, summarize } from './lib.mjs';
import { AAC_NODE, HTTP_NODE, SPLIT_OUT_NODE, peakMemory, totalRequests } from './ops.mjs';

const PAGE = 100;

export const PAGING_APPROACHES = [
	{ key: 'ours', label: 'our Plan → Get Many (Return All)' },
	{
		key: 'httpCount',
		label: 'HTTP Request + n8n pagination (complete when count reached) + Split Out',
	},
	{
		key: 'httpShort',
		label: 'HTTP Request + n8n pagination (complete on a short page) + Split Out',
	},
];

function chainFor(key, { standIn, CRED }) {
	if (key === 'ours') {
		return [
			{
				name: 'AAC',
				type: AAC_NODE,
				typeVersion: 1,
				parameters: { resource: 'plan', operation: 'getMany', returnAll: true },
			},
		];
	}
	const complete =
		key === 'httpCount'
			? `={{ $response.body.count <= $pageCount * ${PAGE} }}`
			: `={{ $response.body.data.length < ${PAGE} }}`;
	return [
		{
			name: 'HTTP Request',
			type: HTTP_NODE,
			typeVersion: 4.2,
			parameters: {
				url: `${standIn.apiBaseUrl}/v4/plans`,
				authentication: 'predefinedCredentialType',
				nodeCredentialType: CRED,
				sendQuery: true,
				queryParameters: {
					parameters: [
						{ name: 'limit', value: String(PAGE) },
						{ name: 'includeCount', value: 'true' },
					],
				},
				options: {
					pagination: {
						pagination: {
							paginationMode: 'updateAParameterInEachRequest',
							parameters: {
								parameters: [{ type: 'qs', name: 'offset', value: `={{ $pageCount * ${PAGE} }}` }],
							},
							paginationCompleteWhen: 'other',
							completeExpression: complete,
						},
					},
				},
			},
		},
		{
			name: 'Split Out',
			type: SPLIT_OUT_NODE,
			typeVersion: 1,
			parameters: { fieldToSplitOut: 'data', include: 'noOtherFields' },
		},
	];
}

export async function runPaging({
	runner,
	standIn,
	sizes = [10, 1000, 50_000],
	rounds = 5,
	largeRounds = 3,
}) {
	const tokenRecords = [];
	const results = [];
	for (const n of sizes) {
		standIn.api.reset({ plans: n });
		const fewest = Math.max(1, Math.ceil(n / PAGE));
		const perApproach = Object.fromEntries(
			PAGING_APPROACHES.map(({ key }) => [key, { wallMs: [], cpuMs: [], requests: new Set() }]),
		);
		const once = async (key) => {
			const r = await runner.run({
				chain: chainFor(key, { standIn, CRED: runner.CRED }),
				label: `paging ${n} ${key}`,
			});
			if (r.output.length !== n)
				throw new Error(`paging ${n} ${key}: ${r.output.length} items, expected ${n}`);
			tokenRecords.push(r.tokens);
			return r;
		};
		// One untimed warm-up each (JIT); the largest list comes after the smaller ones and is not repeated for it.
		if (n < 10_000) for (const { key } of PAGING_APPROACHES) await once(key);
		const roundsHere = n >= 50_000 ? largeRounds : rounds;
		for (let round = 0; round < roundsHere; round++) {
			const order = PAGING_APPROACHES.map((a) => a.key);
			for (let i = 0; i < round % order.length; i++) order.push(order.shift());
			for (const key of order) {
				globalThis.gc?.();
				await pause(20);
				const r = await once(key);
				const p = perApproach[key];
				p.wallMs.push(r.wallMs);
				p.cpuMs.push(r.cpuMs);
				p.requests.add(totalRequests(r.apiRequests));
			}
		}
		const row = { n, fewest, rounds: roundsHere, approaches: {} };
		for (const { key } of PAGING_APPROACHES) {
			const p = perApproach[key];
			if (p.requests.size !== 1)
				throw new Error(
					`paging ${n} ${key}: the request count varied between rounds (${[...p.requests].join(', ')})`,
				);
			row.approaches[key] = {
				requests: [...p.requests][0],
				wallMs: summarize(p.wallMs),
				cpuMs: summarize(p.cpuMs),
			};
		}
		const ratio = (base) =>
			summarize(perApproach.ours.wallMs.map((ms, i) => ms / perApproach[base].wallMs[i]));
		row.ratioWall = { httpCount: ratio('httpCount'), httpShort: ratio('httpShort') };
		row.ratioCpu = summarize(
			perApproach.ours.cpuMs.map((ms, i) => ms / perApproach.httpCount.cpuMs[i]),
		);
		progress(
			`paging ${n.toLocaleString('en-US')} plans: requests ours ${row.approaches.ours.requests}, HTTP (count) ${row.approaches.httpCount.requests}, HTTP (short page) ${row.approaches.httpShort.requests} (fewest ${fewest}); wall ours ${row.approaches.ours.wallMs.median.toFixed(0)} ms vs ${row.approaches.httpCount.wallMs.median.toFixed(0)} / ${row.approaches.httpShort.wallMs.median.toFixed(0)} ms, ratio ${row.ratioWall.httpCount.median.toFixed(3)} / ${row.ratioWall.httpShort.median.toFixed(3)}`,
		);
		results.push(row);
	}

	// Peak memory at the largest N: one run each, ours and HTTP (count) (heap after a full GC is
	// the baseline; RSS seldom shrinks, so the second run's RSS figure may be low).
	const largest = sizes.at(-1);
	standIn.api.reset({ plans: largest });
	const memory = {};
	for (const key of ['httpCount', 'ours']) {
		await pause(50);
		const { value, heapDelta, rssDelta } = await peakMemory(async () => {
			const r = await runner.run({
				chain: chainFor(key, { standIn, CRED: runner.CRED }),
				label: `paging memory ${key}`,
			});
			tokenRecords.push(r.tokens);
			return r.output.length;
		});
		if (value !== largest) throw new Error(`paging memory ${key}: ${value} items`);
		(memory[key] ??= []).push({ heapDelta, rssDelta });
	}
	const memorySummary = Object.fromEntries(
		Object.entries(memory).map(([key, [first]]) => [key, first]),
	);
	progress(
		`paging memory at ${largest.toLocaleString('en-US')}: ours heap +${(memorySummary.ours.heapDelta / 2 ** 20).toFixed(1)} MiB, HTTP +${(memorySummary.httpCount.heapDelta / 2 ** 20).toFixed(1)} MiB`,
	);
	return { rows: results, memory: { n: largest, ...memorySummary }, tokenRecords };
}
