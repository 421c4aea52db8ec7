// The package's benchmark: `npm run bench` (builds dist/ and the harness first, runs this file with
// --expose-gc so that timed sections can start from a collected heap). Everything runs on
// 127.0.0.1 in this process (the AAC stand-in, a loopback API) plus a few short child processes.
// Writes bench/RESULTS.md and prints the same table. Sections:
//   1. refresh economy  (economy.mjs)    2. hot-path cost  (hotpath.mjs)
//   3. refresh latency  (latency.mjs)    4. footprint      (footprint.mjs, child/)
//   5. paging economy   (paging.mjs)     6. per-item cost  (perItem.mjs)
//   7. waiting economy  (waiting.mjs)    8. token calls across 5–7 (ops.mjs; asserted)
// Sections 5–7 run our node and n8n's own HTTP Request node (from the n8n 2.41.1 that
// `node e2e/install.mjs` installs into .tools/) in n8n-core's WorkflowExecute, against a second
// stand-in with short-lived access tokens and a simulated API clock.
// Sizes can be lowered for a quick look: BENCH_HOT_REQUESTS, BENCH_HOT_RUNS, BENCH_LATENCY_SAMPLES,
// BENCH_REQUIRE_PROCESSES, BENCH_MEMORY_CREDENTIALS, BENCH_PAGING_LARGE, BENCH_PAGING_ROUNDS,
// BENCH_PAGING_LARGE_ROUNDS, BENCH_PER_ITEM, BENCH_PER_ITEM_ROUNDS (defaults: 3000, 5, 41, 9,
// 10000, 50000, 5, 3, 1000, 5).
// Section 6 alone (rewrites only its rows and note in RESULTS.md): bench/perItemOnly.mjs.
// Exits non-zero (after writing the results) when a scenario of 5–7 made more or fewer token
// requests than the access-token lifetimes it spanned, or any reuse was detected.
import * as os from 'node:os';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startStandIn } from '../standin/aac-standin.mjs';
import { runEconomy } from './economy.mjs';
import { runFootprint } from './footprint.mjs';
import { runHotPath } from './hotpath.mjs';
import { runLatency } from './latency.mjs';
import {
	REFRESH_MARGIN_SECONDS,
	TOKEN_TTL_SECONDS,
	createOpsRunner,
	loadN8nNodesBase,
	startOpsStandIn,
} from './ops.mjs';
import { runPaging } from './paging.mjs';
import { concurrentItems, runPerItem } from './perItem.mjs';
import { checkTokenRecords } from './tokens.mjs';
import { runWaiting } from './waiting.mjs';
import { ROOT, loadHarness, loadPackage, progress, require, setting } from './lib.mjs';
import { renderResults } from './report.mjs';

const config = {
	// 3,000 × 5 since the operations sections came (was 10,000 × 7): the whole run must fit in 10
	// minutes on a shared 2-core machine.
	hotRequests: setting('BENCH_HOT_REQUESTS', 3_000),
	hotRuns: setting('BENCH_HOT_RUNS', 5),
	latencySamples: setting('BENCH_LATENCY_SAMPLES', 41),
	requireProcesses: setting('BENCH_REQUIRE_PROCESSES', 9),
	memoryCredentials: setting('BENCH_MEMORY_CREDENTIALS', 10_000),
	pagingLarge: setting('BENCH_PAGING_LARGE', 50_000),
	pagingRounds: setting('BENCH_PAGING_ROUNDS', 5),
	pagingLargeRounds: setting('BENCH_PAGING_LARGE_ROUNDS', 3),
	perItem: setting('BENCH_PER_ITEM', 1000),
	perItemRounds: setting('BENCH_PER_ITEM_ROUNDS', 5),
};

const startedAt = new Date();
const loadAtStart = os.loadavg();
const wallStart = performance.now();
progress(
	`node ${process.version}, ${os.availableParallelism()} cores, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
);

const pkg = loadPackage();
loadHarness();
const nodesBase = loadN8nNodesBase(); // fails early, with what to do, when n8n is not installed
const standIn = await startStandIn();
progress(`AAC stand-in (oidc-provider) at ${standIn.issuer}`);

let economy;
let hot;
let latency;
try {
	progress(
		'1/7 refresh economy: 1, 10, 100, 1,000 requests at once after the access token expired',
	);
	economy = await runEconomy({ pkg, standIn });
	progress(
		`2/7 hot path: ${config.hotRuns} runs × ${config.hotRequests.toLocaleString('en-US')} requests per credential`,
	);
	hot = await runHotPath({ pkg, standIn, requests: config.hotRequests, runs: config.hotRuns });
	progress(`3/7 refresh latency: ${config.latencySamples} interleaved samples`);
	latency = await runLatency({ pkg, standIn, samples: config.latencySamples });
} finally {
	await standIn.close();
}

progress('4/7 footprint: npm pack, require time, rotation memory');
const footprint = await runFootprint({
	requireProcesses: config.requireProcesses,
	credentials: config.memoryCredentials,
});

const { clock, opsStandIn } = await startOpsStandIn();
const { replaceWaitDependencies } = require(join(dirname(pkg.nodePath), 'helpers/n8nSleep.js'));
let paging;
let perItem;
let waiting;
try {
	const runner = createOpsRunner({ pkg, standIn: opsStandIn, nodesBase });
	progress(
		`5/7 paging economy: Return All over 10, 1,000, ${config.pagingLarge.toLocaleString('en-US')} plans, ours vs n8n's HTTP Request ${nodesBase.version} with its pagination`,
	);
	paging = await runPaging({
		runner,
		standIn: opsStandIn,
		sizes: [10, 1000, config.pagingLarge],
		rounds: config.pagingRounds,
		largeRounds: config.pagingLargeRounds,
	});
	progress(
		`6/7 per-item overhead: Plan → Get on ${config.perItem.toLocaleString('en-US')} plans by id`,
	);
	perItem = await runPerItem({
		runner,
		standIn: opsStandIn,
		items: config.perItem,
		rounds: config.perItemRounds,
		concurrency: concurrentItems(pkg),
	});
	progress(
		'7/7 waiting economy: runs of 10 s, 2 min, 30 min (simulated clock), one 10 s in real time',
	);
	waiting = await runWaiting({ runner, standIn: opsStandIn, clock, replaceWaitDependencies });
} finally {
	await opsStandIn.close();
}
const tokens = checkTokenRecords([
	...paging.tokenRecords,
	...perItem.tokenRecords,
	...waiting.tokenRecords,
]);
progress(
	`token calls across sections 5–7: ${tokens.tokenRequests} in ${tokens.scenarios} scenarios for ${tokens.spannedLo}–${tokens.spannedHi} lifetimes spanned, ${tokens.reuseDetections} reuse detections, ${tokens.violations.length} violations`,
);

const cpus = os.cpus();
const environment = {
	date: startedAt.toISOString(),
	node: process.version,
	machine: `${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
	load: `${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(' ')} at end (1/5/15 min)`,
	durationS: (performance.now() - wallStart) / 1000,
};
const { markdown, table } = renderResults({
	environment,
	economy,
	hot,
	latency,
	footprint,
	paging,
	perItem,
	waiting,
	tokens,
	nodesBaseVersion: nodesBase.version,
	tokenTtlSeconds: TOKEN_TTL_SECONDS,
	refreshMarginSeconds: REFRESH_MARGIN_SECONDS,
});
const resultsPath = join(ROOT, 'bench/RESULTS.md');
writeFileSync(resultsPath, markdown);
console.log(`\n${table}\n`);
progress(`done in ${environment.durationS.toFixed(0)} s; wrote ${resultsPath}`);
if (tokens.violations.length > 0) {
	console.error(
		`bench: token accounting violated in ${tokens.violations.length} scenario(s):\n${tokens.violations.map((v) => `  ${v}`).join('\n')}`,
	);
	process.exitCode = 1;
}
