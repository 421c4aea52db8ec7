// The package's benchmark: `npm run bench` (builds dist/ and the harness first, runs this file with
// --expose-gc so that timed sections can start from a collected heap). Everything runs on
// 127.0.0.1 in this process (the AAC stand-in, a loopback API) plus a few short child processes.
// Writes bench/RESULTS.md and prints the same table. Sections:
//   1. refresh economy  (economy.mjs)    2. hot-path cost  (hotpath.mjs)
//   3. refresh latency  (latency.mjs)    4. footprint      (footprint.mjs, child/)
// Sizes can be lowered for a quick look: BENCH_HOT_REQUESTS, BENCH_HOT_RUNS, BENCH_LATENCY_SAMPLES,
// BENCH_REQUIRE_PROCESSES, BENCH_MEMORY_CREDENTIALS (defaults: 10000, 7, 41, 9, 10000).
import * as os from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startStandIn } from '../test/standin/aac-standin.mjs';
import { runEconomy } from './economy.mjs';
import { runFootprint } from './footprint.mjs';
import { runHotPath } from './hotpath.mjs';
import { runLatency } from './latency.mjs';
import { ROOT, loadHarness, loadPackage, progress } from './lib.mjs';
import { renderResults } from './report.mjs';

const setting = (name, fallback) => {
	const value = Number(process.env[name]);
	return Number.isInteger(value) && value > 0 ? value : fallback;
};
const config = {
	hotRequests: setting('BENCH_HOT_REQUESTS', 10_000),
	hotRuns: setting('BENCH_HOT_RUNS', 7),
	latencySamples: setting('BENCH_LATENCY_SAMPLES', 41),
	requireProcesses: setting('BENCH_REQUIRE_PROCESSES', 9),
	memoryCredentials: setting('BENCH_MEMORY_CREDENTIALS', 10_000),
};

const startedAt = new Date();
const loadAtStart = os.loadavg();
const wallStart = performance.now();
progress(`node ${process.version}, ${os.availableParallelism()} cores, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`);

const pkg = loadPackage();
loadHarness();
const standIn = await startStandIn();
progress(`AAC stand-in (oidc-provider) at ${standIn.issuer}`);

let economy;
let hot;
let latency;
try {
	progress('1/4 refresh economy: 1, 10, 100, 1,000 requests at once after the access token expired');
	economy = await runEconomy({ pkg, standIn });
	progress(`2/4 hot path: ${config.hotRuns} runs × ${config.hotRequests.toLocaleString('en-US')} requests per credential`);
	hot = await runHotPath({ pkg, standIn, requests: config.hotRequests, runs: config.hotRuns });
	progress(`3/4 refresh latency: ${config.latencySamples} interleaved samples`);
	latency = await runLatency({ pkg, standIn, samples: config.latencySamples });
} finally {
	await standIn.close();
}
progress('4/4 footprint: npm pack, require time, rotation memory');
const footprint = await runFootprint({ requireProcesses: config.requireProcesses, credentials: config.memoryCredentials });

const cpus = os.cpus();
const environment = {
	date: startedAt.toISOString(),
	node: process.version,
	machine: `${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
	load: `${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at end (1/5/15 min)`,
	durationS: (performance.now() - wallStart) / 1000,
};
const { markdown, table } = renderResults({ environment, economy, hot, latency, footprint });
const resultsPath = join(ROOT, 'bench/RESULTS.md');
writeFileSync(resultsPath, markdown);
console.log(`\n${table}\n`);
progress(`done in ${environment.durationS.toFixed(0)} s; wrote ${resultsPath}`);
