// What the fault-matrix files (e2e/faults/*.e2e.mjs) share: the fixture over the n8n versions
// (2.41.1 unless E2E_N8N asks for others), the AAC_FAULTS_ONLY filter, the bench (the fixture's
// n8n and AAC stand-in, and the fault proxy in front of its token endpoint and API; one credential
// and token family per case), the check that no refresh token leaked into n8n's output, and their
// sections of e2e/faults/RESULTS.md (one writer: here).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

import { startFaultProxy } from '../../../test/fakes/faultProxy.js';
import { CREDENTIAL_TYPE, ROOT } from '../../lib/n8n.mjs';
import { cell, writeResults } from '../../lib/report.mjs';
import { forEachN8n } from '../../lib/versions.mjs';
import * as wf from '../../lib/workflows.mjs';

/**
 * A fault file's describe: `n8n <version>: fault matrix: <title>` on 2.41.1 (or the versions
 * E2E_N8N asks for), with the fixture's n8n user folder `name` and stand-in (startStandIn(standIn)).
 */
export const forEachFaultN8n = (title, { name, standIn }, body) =>
	forEachN8n(
		`fault matrix: ${title}`,
		{ byDefault: ['2'], name, standIn, timeout: 25 * 60_000 },
		body,
	);
/**
 * AAC_FAULTS_ONLY=key,key (fault names: status:503:1,post forwardThen:502) runs only those cases and crash points (no save window unless
 * AAC_FAULTS_WINDOW_RUNS is set), and writes its results beside the runs, not into RESULTS.md.
 */
export const ONLY = process.env.AAC_FAULTS_ONLY
	? new Set(process.env.AAC_FAULTS_ONLY.split(',').map((key) => key.trim()))
	: undefined;
/** The specs of a table that AAC_FAULTS_ONLY selects (all when it is unset). */
export const selected = (specs) => specs.filter((spec) => !ONLY || ONLY.has(spec.key));
// Runs of another build (AAC_E2E_PACKAGE_DIR) or of some tests only write elsewhere.
const RESULTS_FILE =
	process.env.AAC_FAULTS_RESULTS_FILE ??
	(ONLY
		? join(ROOT, '.tools', 'run', 'faults-only-RESULTS.md')
		: join(ROOT, 'e2e', 'faults', 'RESULTS.md'));

/** Executions run this many at a time (each is one n8n process). */
export const PARALLEL = 3;
/** What the next run says when a rotated pair was lost on the way back. */
export const LOST = /an earlier refresh, started at \S+, never saved its result/;

export const errorOf = (run) => wf.runError(run.json);
export const firstSentence = (text) => String(text ?? '').split(/(?<=\.)\s/)[0];
export const mdCell = cell;
export const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};
/** A Markdown table's head, into `lines`. */
export const tableHead = (lines, columns) =>
	lines.push(`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
/** The row of a case that did not run, in a table of `columns` columns. */
export const notRun = (spec, columns) =>
	`| \`${spec.key}\` ${spec.title} | (not run) |${' |'.repeat(columns - 2)}`;

/** Runs `fn` over `items`, `limit` at a time, keeping the order of results. */
export async function pool(items, limit, fn) {
	const results = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(limit, items.length) }, async () => {
			while (next < items.length) {
				const index = next++;
				results[index] = await fn(items[index], index);
			}
		}),
	);
	return results;
}

// Keys are fault names ("status:503:1 once"); n8n ids are at most 16 plain characters.
export const shortId = (prefix, key) =>
	`${prefix}${createHash('sha256')
		.update(key)
		.digest('hex')
		.slice(0, 16 - prefix.length)}`;
export const credentialId = (key) => shortId('flt', key);
export const refreshWorkflowId = (key) => shortId('wfR', key);
export const ref = (key) => wf.credentialRef(credentialId(key), `AAC faults ${key}`);

/**
 * The bench of one fault file, on the fixture `fx` (forEachFaultN8n's): its n8n and stand-in, and
 * the fault proxy in front of the stand-in, started by start() in the file's before().
 */
export function faultBench(fx) {
	const bench = {
		started: Date.now(),
		version: fx.version,
		standIn: undefined,
		proxy: undefined,
		n8n: undefined,
		/** Other proxies of the file, closed with the bench. */
		proxies: [],
		async start() {
			bench.standIn = fx.standIn;
			bench.n8n = fx.n8n;
			bench.proxy = await startFaultProxy({ upstream: bench.standIn.issuer });
			return bench;
		},
		/** Another fault proxy in front of the stand-in (options: startFaultProxy's). */
		async startProxy(options = {}) {
			const proxy = await startFaultProxy({ upstream: bench.standIn.issuer, ...options });
			bench.proxies.push(proxy);
			return proxy;
		},
		/** The credential of case `key`: its minted pair, through the proxy unless `data` says. */
		credential(key, minted, data = {}) {
			return {
				id: credentialId(key),
				name: `AAC faults ${key}`,
				type: CREDENTIAL_TYPE,
				data: {
					accessToken: minted.accessToken,
					refreshToken: minted.refreshToken,
					issuer: bench.proxy.issuer,
					allowCustomIssuer: true,
					apiBaseUrl: bench.standIn.apiBaseUrl,
					refreshMode: 'automatic',
					...data,
				},
			};
		},
		/** The stored credentials, decrypted (one n8n boot). */
		async storedAll() {
			const all = await bench.n8n.exportCredentials();
			return Object.fromEntries(all.map((entry) => [entry.id, entry.data]));
		},
		/** updatedAt of every credential row, epoch ms (n8n keeps it in UTC, millisecond precision). */
		updatedAt() {
			return Object.fromEntries(
				bench.n8n
					.queryDatabase('SELECT id, updatedAt FROM credentials_entity')
					.map((row) => [row.id, Date.parse(`${row.updatedAt.replace(' ', 'T')}Z`)]),
			);
		},
		/** Closes the proxies (the fixture closes the stand-in). */
		async close() {
			for (const proxy of bench.proxies) await proxy?.close();
			await bench.proxy?.close();
		},
		/** Secrets: no refresh token (issued by the stand-in, or made up by the proxy) in anything n8n printed. */
		assertNoLeaks() {
			if (!bench.n8n) return;
			const secrets = [
				...bench.standIn.issuedRefreshTokens(),
				...(bench.proxy?.madeUpTokens ?? []),
			].filter((token) => token.length >= 16);
			const printed = bench.n8n.commands
				.map((command) => command.stdout + command.stderr)
				.join('\n');
			const leaks = secrets.filter(
				(secret) => !secret.startsWith('proxy-made-access') && printed.includes(secret),
			);
			assert.equal(leaks.length, 0, `${leaks.length} refresh tokens appear in n8n's output`);
		},
	};
	return bench;
}

/** The sections of RESULTS.md, one per file, in this order. */
const SECTIONS = ['token-endpoint', 'crashes', 'operations'];
const HEADER = `# Fault matrix and crash recovery in real n8n

Written by \`npm run test:faults\` (e2e/faults/*.e2e.mjs), one section per file, each replaced by the latest run of its file. n8n runs with SQLite and CLI executions, one credential and token family per case. Between n8n and the AAC stand-in (real oidc-provider: rotation, reuse detection) sits the fault proxy (test/fakes/faultProxy.js), the only hand-written part: it makes the faults a real server cannot.`;

/**
 * Writes the section of fault file `section` (one of SECTIONS) into RESULTS.md: a line saying
 * which file wrote it, when, on which n8n and in how long, then `lines`. Prints it too.
 */
export function writeFaultsSection(section, bench, lines) {
	const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
	const wall = Math.round((Date.now() - bench.started) / 1000);
	const [title, ...rest] = lines;
	const all = [
		title,
		'',
		`Written by e2e/faults/${section}.e2e.mjs on ${when} UTC: n8n ${bench.version} (${bench.n8n?.nodeVersion ?? '?'}). Wall time ${wall} s.`,
		...rest,
	];
	writeResults(RESULTS_FILE, {
		lines: all,
		section: `faults:${section}`,
		header: HEADER,
		order: SECTIONS.map((s) => `faults:${s}`),
	});
	process.stdout.write(`\n${all.join('\n')}\n`);
}
