// The rows and notes of sections 5–8 (the operations) for bench/RESULTS.md; report.mjs puts them
// into its table.
import { fixed, spread } from './lib.mjs';

const MET = 'met';
const MISSED = '**missed**';
const INFO = '—';
const ms = (value) => `${fixed(value, 0)} ms`;
const s = (valueMs, digits = 2) => `${fixed(valueMs / 1000, digits)} s`;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const int = (n) => n.toLocaleString('en-US');
const lengthLabel = (seconds) => (seconds < 60 ? `${seconds} s` : `${seconds / 60} min`);

export function opsRows({ paging, perItem, waiting, tokens }) {
	const rows = [];
	const row = (section, measure, result, target, status) =>
		rows.push({ section, measure, result, target, status });

	// 5. Paging economy -------------------------------------------------------------------------
	for (const r of paging.rows) {
		const { ours, httpCount, httpShort } = r.approaches;
		row(
			'5',
			`Paging, Return All over ${int(r.n)} plans: requests, ours / HTTP Request (count) / HTTP Request (short page)`,
			`**${ours.requests}** / ${httpCount.requests} / ${httpShort.requests} (fewest at 100 a page: ${r.fewest})`,
			'fewest possible',
			ours.requests === r.fewest ? MET : MISSED,
		);
		row(
			'5',
			`Paging, ${int(r.n)} plans: wall time, ours ÷ HTTP Request + Split Out (median of ${r.rounds} interleaved rounds)`,
			`**${spread(r.ratioWall.httpCount, 3, '', 'min–max')}** vs count-aware; ${fixed(r.ratioWall.httpShort.median, 3)} vs short-page; ${ms(ours.wallMs.median)} vs ${ms(httpCount.wallMs.median)} / ${ms(httpShort.wallMs.median)}; CPU ratio ${fixed(r.ratioCpu.median, 3)}`,
			'≤ 1.1',
			r.ratioWall.httpCount.median <= 1.1 ? MET : MISSED,
		);
	}
	const mem = paging.memory;
	row(
		'5',
		`Paging, ${int(mem.n)} plans: peak memory above a GC'd baseline (sampled every 5 ms, one run each)`,
		`ours heap +${mib(mem.ours.heapDelta)}, RSS +${mib(mem.ours.rssDelta)}; HTTP Request + Split Out heap +${mib(mem.httpCount.heapDelta)}, RSS +${mib(mem.httpCount.rssDelta)}`,
		'—',
		INFO,
	);

	rows.push(...perItemRows(perItem));

	// 7. Waiting economy ------------------------------------------------------------------------
	for (const r of waiting.rows) {
		const { ours: o, fixed1, fixed30 } = r.strategies;
		const len = lengthLabel(r.lengthS);
		row(
			'7',
			`Waiting for a ${len} run (simulated clock, mean of ${waiting.jitters.length} lengths +0…+${Math.round(waiting.jitters.at(-1) * 100)} %): status requests, ours / 1 s poll / 30 s poll`,
			`**${fixed(o.meanStatusRequests, 1)}** / ${fixed(fixed1.meanStatusRequests, 1)} / ${fixed(fixed30.meanStatusRequests, 1)} (ours ${fixed(r.requestsVs30, 2)}× the 30 s poll)`,
			'≤ 2× the 30 s poll',
			r.requestsVs30 <= 2 ? MET : MISSED,
		);
		row(
			'7',
			`Waiting for a ${len} run: reaction delay (the run's end → the node's output), ours / 1 s poll / 30 s poll`,
			`**${s(o.meanDelayMs)}** (max ${s(o.maxDelayMs)}) / ${s(fixed1.meanDelayMs)} / ${s(fixed30.meanDelayMs)} (ours ${fixed(r.delayVs1, 1)}× the 1 s poll)`,
			'≤ 2× the 1 s poll',
			r.delayVs1 <= 2 ? MET : MISSED,
		);
	}
	const real = waiting.real;
	row(
		'7',
		`The simulation's check: one ${lengthLabel(waiting.rows[0].lengthS)} wait with our schedule in real time`,
		`${real.polls} polls (simulated ${real.simulatedPolls}), delay ${s(real.delayMs)} (simulated ${s(real.simulatedDelayMs)}), ${s(real.realMs, 1)} of real time`,
		'same polls',
		real.polls === real.simulatedPolls ? MET : MISSED,
	);

	// 8. Token calls ----------------------------------------------------------------------------
	const spanned =
		tokens.spannedLo === tokens.spannedHi
			? int(tokens.spannedLo)
			: `${int(tokens.spannedLo)}–${int(tokens.spannedHi)}`;
	row(
		'8',
		`Token calls across sections 5–7 (${int(tokens.scenarios)} scenarios, ${int(tokens.requests)} API requests; each starts with an expired access token)`,
		`**${int(tokens.tokenRequests)} token requests for ${spanned} access-token lifetimes spanned**, ${tokens.reuseDetections} reuse detections, ${tokens.invalidGrants} invalid_grant; ${tokens.multiLifetimeScenarios} scenarios spanned more than one lifetime (up to ${tokens.maxSpanned}); ${tokens.violations.length} scenarios off the limit`,
		'= lifetimes spanned in every scenario, 0 reuse (asserted)',
		tokens.violations.length === 0 ? MET : MISSED,
	);
	return rows;
}

/** Section 6's rows (also what `BENCH_ONLY=perItem` puts in place of the old ones). */
export function perItemRows(perItem) {
	const { ours, http } = perItem.approaches;
	return [
		{
			section: '6',
			measure: `Per item: Plan → Get on ${int(perItem.items)} plans by id, ours ÷ HTTP Request with the predefined credential, wall time (median of ${perItem.rounds} interleaved rounds)`,
			result: `**${spread(perItem.ratioWall, 3, '', 'min–max')}**; ${ms(ours.wallMs.median)} vs ${ms(http.wallMs.median)} (${fixed((ours.wallMs.median * 1000) / perItem.items, 0)} vs ${fixed((http.wallMs.median * 1000) / perItem.items, 0)} µs per item; ours ${perItem.concurrency} items at a time, HTTP Request all at once); ${ours.requests} vs ${http.requests} requests`,
			target: '≤ 1.1',
			status: perItem.ratioWall.median <= 1.1 ? MET : MISSED,
		},
		{
			section: '6',
			measure: 'Per item, same rounds, process CPU time',
			result: `${spread(perItem.ratioCpu, 3, '', 'min–max')}; ${fixed((ours.cpuMs.median * 1000) / perItem.items, 0)} vs ${fixed((http.cpuMs.median * 1000) / perItem.items, 0)} µs per item`,
			target: '≤ 1.1',
			status: perItem.ratioCpu.median <= 1.1 ? MET : MISSED,
		},
	];
}

/** Section 6's note under "How the figures were obtained". */
export function perItemNote(perItem) {
	return `6. **Per-item overhead.** ${int(perItem.items)} input items (\`index\` 0…${perItem.items - 1}); our node's Plan → Get with the plan id \`{{ $json.index + 1 }}\` (GET /v4/plans/{id}/full) versus the HTTP Request node with the predefined credential on the same URL. Our node runs a read-only operation's items ${perItem.concurrency} at a time (actions/router.ts CONCURRENT_ITEMS; output order, pairedItem and Continue On Fail as one after another); the HTTP Request node starts all items' requests at once and awaits them together, so on a loopback API both wall times are mostly CPU. Process CPU time includes the stand-in's work (in this process) for both.`;
}

export function opsNotes({
	paging,
	perItem,
	waiting,
	nodesBaseVersion,
	tokenTtlSeconds,
	refreshMarginSeconds,
}) {
	return [
		`5. **Paging economy.** A second stand-in (same oidc-provider and v4 API; access tokens live ${tokenTtlSeconds} s, the credential's Refresh Margin is ${refreshMarginSeconds} s) seeded with N plans. Three workflows in n8n-core's WorkflowExecute, each run with a freshly minted pair whose access token has expired: Start → our node, Plan → Get Many with Return All (pages of 100, \`includeCount\`, stops when \`count\` is reached); Start → n8n's own HTTP Request node (n8n-nodes-base ${nodesBaseVersion}, the real node from the n8n that \`node e2e/install.mjs\` installs; version 4.2) with Authentication = Predefined Credential Type (our credential type), query \`limit=100&includeCount=true\`, Pagination = Update a Parameter in Each Request, \`offset\` = \`{{ $pageCount * 100 }}\`, Complete When = Other, either \`{{ $response.body.count <= $pageCount * 100 }}\` (count-aware: the fewest requests a user can configure) or \`{{ $response.body.data.length < 100 }}\` (a short page ends, the common form; one empty page more when N is a multiple of 100) → Split Out on \`data\` (one item per plan, as ours gives). Both sides ask for pages of 100: AAC's largest page size is unverified, and the stand-in serves any. Every run's output is checked to hold N items. Rounds of the three in turn, the order rotating; the ratio is per round. Requests are the stand-in's counters. At ${int(paging.memory.n)} one more run each samples \`process.memoryUsage()\` every 5 ms from a GC'd baseline; the peak includes the run's ${int(paging.memory.n)} output items, which n8n holds in both cases.`,
		perItemNote(perItem),
		`7. **Waiting economy.** Plan Run → Wait (our node) on a plan run the stand-in started just before (Created 1 s, then InProgress, then Complete), with Max Wait 60 minutes, for each of ${waiting.jitters.length} lengths (${waiting.jitters.map((j) => `+${Math.round(j * 100)} %`).join(', ')}: where the end falls between two polls decides a wait's cost). Schedules: ours (the default: 3 s, then ×1.5, at most 30 s); fixed 1 s (Poll Interval = Max Poll Interval = 1, what apify's node does); fixed 30 s. Status requests are the stand-in's GET /v4/planSnapshotRuns/{id} count (the polls plus one full read of the run at the end, the same in every schedule). Reaction delay: the node's output time minus the run's end on the stand-in's API clock. Simulated clock: \`replaceWaitDependencies\` (helpers/n8nSleep.ts) makes the node's sleeps advance a clock that the stand-in's API also reads, so runs finish on it; HTTP requests still take real time. Check: one ${lengthLabel(waiting.rows[0].lengthS)} wait with our schedule on the real clock must poll as often as the simulation predicted. Access tokens expire on real time (the credential's clock), which the simulated waits barely span.`,
		`8. **Token calls.** Every scenario of 5–7 starts with a freshly minted pair whose access token has expired (its own token family). The credential's authenticate is wrapped to record each API request's time; the lifetimes a scenario spans are counted greedily over those times (a token obtained at a request serves the requests of the next ${tokenTtlSeconds - refreshMarginSeconds} s: its lifetime less the margin), with 0.3 s of slack either way for the moment between refresh and request. Token requests, reuse detections and invalid_grant answers are the stand-in's counters. The benchmark exits non-zero when a scenario falls outside the bound or any reuse or invalid_grant is seen.`,
	];
}
