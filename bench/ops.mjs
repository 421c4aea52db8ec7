// Shared parts of the operations benchmark (paging.mjs, perItem.mjs, waiting.mjs): our node and
// n8n's own HTTP Request and Split Out nodes in n8n-core's real WorkflowExecute (the compiled
// test harness), each run with a fresh credential; the token accounting every scenario reports;
// a simulated clock for the long waits.
//
// n8n's nodes come from the real n8n 2.41.1 that e2e/install.mjs installs into .tools/ (this
// package must not depend on n8n-nodes-base); its n8n-core is the version our devDependency pins.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startStandIn } from '../standin/aac-standin.mjs';
import { ROOT, loadHarness, require } from './lib.mjs';

export const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
export const HTTP_NODE = 'n8n-nodes-base.httpRequest';
export const SPLIT_OUT_NODE = 'n8n-nodes-base.splitOut';

/**
 * Access-token lifetime on the ops stand-in, and the credential's margin: a token is due after
 * TTL − margin. The margin must outlast the time from the credential's check to the stand-in's
 * (a loaded machine, a 50,000-plan page sorted in this process): n8n's paginated requests are sent
 * with `simple: false`, so a 401 is not retried after a refresh as n8n's other requests are.
 */
export const TOKEN_TTL_SECONDS = 12;
export const REFRESH_MARGIN_SECONDS = 4;
const DUE_AFTER_MS = (TOKEN_TTL_SECONDS - REFRESH_MARGIN_SECONDS) * 1000;

/** n8n-nodes-base of the installed n8n 2.41.1, or an explanation of how to get it. */
export function loadN8nNodesBase() {
	const base = join(ROOT, '.tools/n8n-2.41.1/node_modules/n8n-nodes-base');
	if (!existsSync(join(base, 'package.json'))) {
		throw new Error(
			`${base} is missing: the operations benchmark runs n8n's own HTTP Request node; install n8n with \`node e2e/install.mjs\``,
		);
	}
	const version = require(join(base, 'package.json')).version;
	const { HttpRequest } = require(join(base, 'dist/nodes/HttpRequest/HttpRequest.node.js'));
	const { SplitOut } = require(join(base, 'dist/nodes/Transform/SplitOut/SplitOut.node.js'));
	const core = require(join(ROOT, '.tools/n8n-2.41.1/node_modules/n8n-core/package.json')).version;
	const ours = require('n8n-core/package.json').version;
	if (core !== ours)
		throw new Error(
			`n8n-core ${core} in .tools/n8n-2.41.1, ${ours} here: the HTTP Request node would run on another engine than it ships with`,
		);
	return { HttpRequest, SplitOut, version };
}

/**
 * The fewest token requests a scenario can make: the access-token lifetimes its requests span.
 * Every scenario starts with an expired access token, so its first request needs a token, and a
 * token serves requests until it is due (TTL − margin after it was obtained). Greedy over the
 * request times (the credential's authenticate calls). The refresh happens a moment before the
 * request it serves, so the bound is taken with a little slack either way: [lo, hi].
 */
export function lifetimesSpanned(requestTimes, slackMs = 300) {
	const greedy = (window) => {
		let count = 0;
		let coveredUntil = -Infinity;
		for (const t of requestTimes) {
			if (t >= coveredUntil) {
				count += 1;
				coveredUntil = t + window;
			}
		}
		return count;
	};
	return { lo: greedy(DUE_AFTER_MS + slackMs), hi: greedy(DUE_AFTER_MS - slackMs) };
}

/**
 * Builds a runner for one-node workflows (Start → node [→ more]) with our credential type, our
 * node and n8n's HTTP Request and Split Out. Each run gets a freshly minted pair whose access
 * token has expired (a new token family), and reports wall and process CPU time, the token
 * requests and reuse detections the stand-in counted, and the lifetimes the run's requests span.
 */
export function createOpsRunner({ pkg, standIn, nodesBase }) {
	const { CredentialStore, createHarness, StartNode } = loadHarness();
	const { AlteryxAnalyticsCloud } = require(pkg.nodePath);
	const credential = new pkg.CredentialClass();
	const CRED = credential.name;
	// Request times, for the token accounting: n8n calls the credential's authenticate once per request.
	let requestTimes = [];
	const authenticate = credential.authenticate;
	credential.authenticate = async (credentials, requestOptions) => {
		requestTimes.push(performance.now());
		return await authenticate(credentials, requestOptions);
	};
	const nodeTypes = {
		'test.start': new StartNode(),
		[AAC_NODE]: new AlteryxAnalyticsCloud(),
		[HTTP_NODE]: new nodesBase.HttpRequest(),
		[SPLIT_OUT_NODE]: new nodesBase.SplitOut(),
	};
	let counter = 0;

	/**
	 * Runs Start (`items` items) → chain[0] → chain[1] …; returns the last node's output and the
	 * figures. `during` is awaited alongside the run (memory sampling).
	 */
	async function run({ chain, items = 1, label }) {
		const id = `ops-${++counter}`;
		const pair = await standIn.mint({ accessTokenExpired: true });
		const store = new CredentialStore([
			{
				id,
				name: 'AAC',
				type: CRED,
				data: { ...pair, allowCustomIssuer: true, refreshMarginSeconds: REFRESH_MARGIN_SECONDS },
			},
		]);
		const harness = createHarness({
			nodeTypes,
			credentialTypes: { [CRED]: credential },
			store,
			saveSemantics: 'n8n2',
		});
		const nodes = [
			{
				id: 's',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items },
			},
			...chain.map((node, i) => ({
				id: `n${i}`,
				position: [200 * (i + 1), 0],
				...node,
				...(node.type === SPLIT_OUT_NODE ? {} : { credentials: { [CRED]: { id, name: 'AAC' } } }),
			})),
		];
		const connections = {};
		const names = ['Start', ...chain.map((node) => node.name)];
		for (let i = 0; i + 1 < names.length; i++)
			connections[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
		standIn.resetStats();
		standIn.api.resetCounters();
		requestTimes = [];
		const cpu0 = process.cpuUsage();
		const t0 = performance.now();
		const result = await harness.runWorkflow({ nodes, connections });
		const wallMs = performance.now() - t0;
		const cpu = process.cpuUsage(cpu0);
		if (result.error) throw new Error(`${label}: the workflow failed: ${result.error.message}`);
		const stats = standIn.stats();
		const output = result.output(names.at(-1));
		return {
			output,
			wallMs,
			cpuMs: (cpu.user + cpu.system) / 1000,
			apiRequests: standIn.api.counters().requests,
			tokens: {
				label,
				tokenRequests: stats.tokenRequests,
				reuseDetections: stats.reuseDetections,
				invalidGrants: stats.invalidGrants,
				requests: requestTimes.length,
				spanned: lifetimesSpanned(requestTimes),
				spanMs: requestTimes.length ? requestTimes.at(-1) - requestTimes[0] : 0,
			},
		};
	}

	return { run, CRED };
}

/** Sum of the API requests per endpoint. */
export const totalRequests = (requests) => Object.values(requests).reduce((a, b) => a + b, 0);

/**
 * A simulated clock: real time plus an offset that sleeps add to at once. The ops stand-in's API
 * clock reads it (its runs finish on it), and the node's waits use it through
 * replaceWaitDependencies (helpers/n8nSleep.ts), so a 30-minute wait takes a moment.
 */
export function createSimulatedClock() {
	let offsetMs = 0;
	const now = () => Date.now() + offsetMs;
	return {
		now,
		deps: {
			now,
			async sleep(ms, signal) {
				if (signal?.aborted) throw new Error('The execution was stopped');
				offsetMs += Math.max(0, Number(ms) || 0);
				await new Promise((resolve) => setImmediate(resolve));
			},
		},
	};
}

/**
 * The operations' stand-in: access tokens live TOKEN_TTL_SECONDS (so the longer scenarios span
 * several lifetimes), its API clock is the simulated one (real time until a wait moves it), and it
 * answers as the generous world (standin/worlds.mjs).
 */
export async function startOpsStandIn() {
	const clock = createSimulatedClock();
	const opsStandIn = await startStandIn({
		accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
		// The generous world (pages of 100, as asked): both sides page alike, and the figures stay
		// comparable with earlier runs; section 9 (triggerPolls.mjs) measures both worlds.
		api: { world: 'generous', now: clock.now },
	});
	return { clock, opsStandIn };
}

/** Heap and RSS high-water marks above a baseline while `fn` runs (sampled every 5 ms, after a full GC). */
export async function peakMemory(fn) {
	globalThis.gc?.();
	const base = process.memoryUsage();
	let heap = base.heapUsed;
	let rss = base.rss;
	const sample = () => {
		const m = process.memoryUsage();
		if (m.heapUsed > heap) heap = m.heapUsed;
		if (m.rss > rss) rss = m.rss;
	};
	const timer = setInterval(sample, 5);
	try {
		const value = await fn();
		sample();
		return { value, heapDelta: heap - base.heapUsed, rssDelta: rss - base.rss };
	} finally {
		clearInterval(timer);
	}
}
