// Shared helpers for the benchmark (npm run bench): statistics, formatting, progress lines, loading
// the built package (dist/) and the compiled n8n test harness (.bench-build/), a loopback API.
// Plain .mjs on purpose: n8n's community lint forbids Node built-ins, process and timers in .ts.
import { createRequire } from 'node:module';
import * as http from 'node:http';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Statistics

export function quantile(sorted, q) {
	if (sorted.length === 0) return NaN;
	const pos = (sorted.length - 1) * q;
	const lo = Math.floor(pos);
	const hi = Math.ceil(pos);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** median, p10, p90, min, max of a list of numbers. */
export function summarize(values) {
	const sorted = [...values].sort((a, b) => a - b);
	return {
		n: sorted.length,
		median: quantile(sorted, 0.5),
		p10: quantile(sorted, 0.1),
		p90: quantile(sorted, 0.9),
		min: sorted[0],
		max: sorted[sorted.length - 1],
	};
}

export const fixed = (value, digits = 2) =>
	Number.isFinite(value) ? value.toFixed(digits) : String(value);

/** "1.02 (p10–p90 1.00–1.04)" or with min–max. */
export function spread(summary, digits = 2, unit = '', kind = 'p10–p90') {
	const [a, b] = kind === 'min–max' ? [summary.min, summary.max] : [summary.p10, summary.p90];
	return `${fixed(summary.median, digits)}${unit} (${kind} ${fixed(a, digits)}–${fixed(b, digits)}${unit})`;
}

// ---------------------------------------------------------------------------------------------
// Progress

const started = performance.now();
/** A positive integer from the environment (a size lowered for a quick look), else `fallback`. */
export const setting = (name, fallback) => {
	const value = Number(process.env[name]);
	return Number.isInteger(value) && value > 0 ? value : fallback;
};

export function progress(message) {
	const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
	console.log(`[bench ${seconds} s] ${message}`);
}

/** Gives timers, sockets and GC finalizers a moment between measurements. */
export const pause = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The package and the harness

/** The built package: `npm run build` must have run (npm run bench does it first). */
export function loadPackage() {
	const dist = join(ROOT, 'dist');
	const credentialPath = join(dist, 'credentials/AlteryxAnalyticsCloudOAuth2Api.credentials.js');
	if (!existsSync(credentialPath))
		throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');
	return {
		credentialPath,
		nodePath: join(dist, 'nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node.js'),
		core: require(join(dist, 'nodes/AlteryxAnalyticsCloud/core/index.js')),
		CredentialClass: require(credentialPath).AlteryxAnalyticsCloudOAuth2Api,
	};
}

/**
 * test/harness compiled by `tsc -p bench/tsconfig.json` into .bench-build/: n8n-core's real
 * WorkflowExecute with a CredentialsHelper that mirrors n8n's (see test/harness/n8n.ts).
 */
export function loadHarness() {
	const build = join(ROOT, '.bench-build/test/harness');
	if (!existsSync(join(build, 'n8n.js')))
		throw new Error(
			'.bench-build/ is missing: run `npx tsc -p bench/tsconfig.json` (npm run bench does)',
		);
	return {
		...require(join(build, 'n8n.js')),
		...require(join(build, 'testNodes.js')),
	};
}

// ---------------------------------------------------------------------------------------------
// A minimal loopback API: 200 with a small JSON body, keep-alive, counts requests and the
// Authorization headers it saw.

export async function startLoopbackApi() {
	let requests = 0;
	let withBearer = 0;
	const body = JSON.stringify({ ok: true });
	const server = http.createServer((req, res) => {
		requests += 1;
		if (
			typeof req.headers.authorization === 'string' &&
			req.headers.authorization.startsWith('Bearer ey')
		)
			withBearer += 1;
		res.writeHead(200, {
			'content-type': 'application/json',
			'content-length': Buffer.byteLength(body),
		});
		res.end(body);
	});
	server.keepAliveTimeout = 60_000;
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		url: `http://127.0.0.1:${server.address().port}/v4/people/current`,
		counts: () => ({ requests, withBearer }),
		async close() {
			const closed = once(server, 'close');
			server.close();
			server.closeAllConnections();
			await closed;
		},
	};
}

/** An unsigned-looking JWT with the given payload and a 342-character signature part (RS256 size). */
export function jwtLike(payload, signatureSeed = 'x') {
	const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
	const signature = Buffer.from(signatureSeed.padEnd(256, '.')).toString('base64url').slice(0, 342);
	return `${encode({ alg: 'RS256', typ: 'JWT', kid: 'bench' })}.${encode(payload)}.${signature}`;
}
