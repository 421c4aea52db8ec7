// The fault matrix and the crash tests: the refresh run through a real, pinned n8n (CLI
// executions, SQLite) against the AAC stand-in (real oidc-provider), with the fault proxy
// (e2e/lib/faultProxy.mjs) in between. Each case has its own credential and token family.
//
//   phase 1: the fault       — what the user sees, what is stored, what AAC saw
//   phase 2: the next run    — without the fault: does it recover, or say exactly what happened
//   crashes: kill -9 n8n while a refresh is in flight, at three points, then the next run
//   window:  the time between AAC's answer and n8n's saved credential, per refresh path
//
// Writes e2e/faults/RESULTS.md. n8n version: AAC_FAULTS_VERSION (default 2.41.1).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startStandIn } from '../../test/standin/aac-standin.mjs';
import { startFaultProxy } from '../lib/faultProxy.mjs';
import { CREDENTIAL_TYPE, ROOT, createN8n, freePort } from '../lib/n8n.mjs';
import * as wf from '../lib/workflows.mjs';

const VERSION = process.env.AAC_FAULTS_VERSION ?? '2.41.1';
// Runs of another build (AAC_E2E_PACKAGE_DIR) or of some tests only write elsewhere.
const RESULTS_FILE =
	process.env.AAC_FAULTS_RESULTS_FILE ?? (process.env.AAC_FAULTS_ONLY ? join(ROOT, '.tools', 'run', 'faults-only-RESULTS.md') : join(ROOT, 'e2e', 'faults', 'RESULTS.md'));
/** Executions of phase 1 and 2 run this many at a time (each is one n8n process). */
const PARALLEL = 3;
const LOST = /an earlier refresh, started at \S+, never saved its result/;
/** What the description of an ambiguous failure says: the refresh may have been used. */
const MAY_HAVE_ROTATED = /may have rotated/;
/**
 * AAC_FAULTS_ONLY=key,key runs only those cases and crash points (no save window unless
 * AAC_FAULTS_WINDOW_RUNS is set), and writes its results beside the runs, not into RESULTS.md.
 */
const ONLY = process.env.AAC_FAULTS_ONLY ? new Set(process.env.AAC_FAULTS_ONLY.split(',').map((key) => key.trim())) : undefined;

/**
 * The matrix. steps: what the proxy does with each token request presenting the case's refresh
 * token (the last step repeats). expect.message: what phase 1 shows (null: it succeeds);
 * toAac: token requests the stand-in received; marker: whether "refresh started" stays recorded;
 * next: how phase 2 ends (ok | lost | rejected | clientRejected).
 */
const CASES = [
	{ key: 'refused', title: 'connection refused', refused: true, expect: { message: /could not be reached \(3 attempts\)/, toAac: 0, marker: false, next: 'ok' } },
	{ key: 'reset', title: 'reset before the response', steps: ['reset'], expect: { message: /closed the connection before answering/, description: MAY_HAVE_ROTATED, toAac: 0, marker: true, next: 'ok' } },
	{ key: 'resetMidBody', title: 'reset mid-body (after AAC rotated)', steps: ['resetMidBody', 'pass'], expect: { message: /closed the connection before answering|did not answer/, description: MAY_HAVE_ROTATED, toAac: 1, marker: true, next: 'lost' } },
	{ key: 'stall', title: '30 s stall (timeout)', steps: ['stall:40000'], expect: { message: /did not answer within 30 s/, description: MAY_HAVE_ROTATED, toAac: 0, marker: true, next: 'ok' } },
	// 500, 502 and 504 are ambiguous (a gateway may have forwarded the refresh): sent once, record
	// kept. Here the proxy never forwarded, so the next run finds the token unspent.
	{ key: 'status500', title: '500 every time (not forwarded)', steps: ['status:500'], expect: { message: /answered HTTP 500/, description: MAY_HAVE_ROTATED, toAac: 0, marker: true, next: 'ok', proxyRequests: 1 } },
	{ key: 'status502', title: '502 every time (not forwarded)', steps: ['status:502'], expect: { message: /answered HTTP 502/, description: MAY_HAVE_ROTATED, toAac: 0, marker: true, next: 'ok', proxyRequests: 1 } },
	// 503 and 429 mean "not processed": repeated after Retry-After, 3 attempts in all.
	{ key: 'status503', title: '503 with Retry-After: 1 (three times)', steps: ['status:503:1'], expect: { message: /answered HTTP 503/, toAac: 0, marker: false, next: 'ok', proxyRequests: 3 } },
	{ key: 'status429', title: '429 with Retry-After: 1 (three times)', steps: ['status:429:1'], expect: { message: /answered HTTP 429/, toAac: 0, marker: false, next: 'ok', proxyRequests: 3 } },
	{ key: 'once500', title: '500 once, then AAC (not repeated)', steps: ['status:500', 'pass'], expect: { message: /answered HTTP 500/, description: MAY_HAVE_ROTATED, toAac: 0, marker: true, next: 'ok', proxyRequests: 1 } },
	{ key: 'once503', title: '503 with Retry-After: 1 once, then AAC', steps: ['status:503:1', 'pass'], expect: { message: null, toAac: 1, marker: false, next: 'ok', proxyRequests: 2 } },
	{ key: 'once429', title: '429 with Retry-After: 1 once, then AAC', steps: ['status:429:1', 'pass'], expect: { message: null, toAac: 1, marker: false, next: 'ok', proxyRequests: 2 } },
	// A gateway that forwarded the refresh (AAC rotated) and then failed on the way back. The step
	// repeats: an attempt sent again would reach AAC again and be counted as a reuse.
	{ key: 'fwd500', title: 'forwarded (AAC rotated), then 500', steps: ['forwardThen:500'], expect: { message: /answered HTTP 500/, description: MAY_HAVE_ROTATED, toAac: 1, marker: true, next: 'lost', proxyRequests: 1 } },
	{ key: 'fwd502', title: 'forwarded (AAC rotated), then 502', steps: ['forwardThen:502'], expect: { message: /answered HTTP 502/, description: MAY_HAVE_ROTATED, toAac: 1, marker: true, next: 'lost', proxyRequests: 1 } },
	{ key: 'fwd504', title: 'forwarded (AAC rotated), then 504', steps: ['forwardThen:504'], expect: { message: /answered HTTP 504/, description: MAY_HAVE_ROTATED, toAac: 1, marker: true, next: 'lost', proxyRequests: 1 } },
	{ key: 'htmlPage', title: 'HTML error page (403 from a firewall)', steps: ['htmlPage'], expect: { message: /answered HTTP 403 with an HTML page/, toAac: 0, marker: false, next: 'ok' } },
	{ key: 'truncatedJson', title: 'truncated JSON (200)', steps: ['truncatedJson'], expect: { message: /body that is not JSON/, toAac: 0, marker: true, next: 'ok' } },
	// RFC 6749 §6: a server may keep the refresh token; the new access token is stored with it.
	{ key: 'noRefreshToken', title: '200 without refresh_token (the server kept it)', steps: ['noRefreshToken'], expect: { message: null, keptRefreshToken: true, toAac: 0, marker: false, next: 'ok' } },
	{ key: 'noAccessToken', title: '200 without access_token', steps: ['noAccessToken'], expect: { message: /without an access_token/, toAac: 0, marker: true, next: 'ok' } },
	{ key: 'invalidGrant', title: 'invalid_grant (family revoked at AAC)', revoke: true, expect: { message: /rejected the refresh token \(invalid_grant/, toAac: 1, marker: false, next: 'rejected' } },
	{ key: 'invalidClient', title: 'invalid_client (wrong Client ID field)', clientId: 'not-a-registered-client', expect: { message: /rejected the client ID "not-a-registered-client"/, toAac: 1, marker: false, next: 'clientRejected' } },
	{ key: 'slow', title: 'slow answer, 26 s of a 30 s timeout', steps: ['slow:26000'], expect: { message: null, toAac: 1, marker: false, next: 'ok' } },
].filter((spec) => !ONLY || ONLY.has(spec.key));

const NEXT = {
	ok: { message: null },
	lost: { message: LOST },
	rejected: { message: /rejected the refresh token \(invalid_grant/ },
	clientRejected: { message: /rejected the client ID/ },
};

/**
 * Crash points: kill -9 n8n (its whole process group) at the moment the proxy reports.
 * before: the token request is held at the proxy, never reaches AAC.
 * afterRotation: AAC rotated; its answer is held before n8n gets it.
 * afterSave: the new pair is saved; n8n is killed in the next node.
 */
const CRASHES = [
	{ key: 'crashBefore', title: 'kill -9 while the token request is on its way (AAC never saw it)', steps: ['hold', 'pass'], expect: { stored: 'old', marker: true, next: 'ok' } },
	{ key: 'crashAfterRotation', title: 'kill -9 after AAC rotated, before n8n saved', steps: ['holdAnswer', 'pass'], expect: { stored: 'old', marker: true, next: 'lost' } },
	{ key: 'crashAfterSave', title: 'kill -9 after the save, in the next node', steps: ['pass'], holdAfter: true, expect: { stored: 'new', marker: false, next: 'ok' } },
].filter((spec) => !ONLY || ONLY.has(spec.key));

/** Extra refreshes measured for the save window, per path. */
const WINDOW_RUNS = Number(process.env.AAC_FAULTS_WINDOW_RUNS ?? (ONLY ? 0 : 6));

const errorOf = (run) => wf.runError(run.json);
const firstSentence = (text) => String(text ?? '').split(/(?<=\.)\s/)[0];
const mdCell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Runs `fn` over `items`, `limit` at a time, keeping the order of results. */
async function pool(items, limit, fn) {
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

describe(`fault matrix and crash recovery in n8n ${VERSION}`, { timeout: 25 * 60_000 }, () => {
	const started = Date.now();
	let standIn;
	let proxy;
	let refusedProxy;
	let refusedPort;
	let n8n;
	const minted = {};
	const outcome = {};
	const crashOutcome = {};
	const windows = { node: [], http: [] };
	const reuseBefore = {};

	const credentialId = (key) => `flt${key}`.slice(0, 16);
	const refreshWorkflowId = (key) => `wfR${key}`.slice(0, 16);
	const ref = (key) => wf.credentialRef(credentialId(key), `AAC faults ${key}`);

	/** The stored credentials, decrypted (one n8n boot). */
	async function storedAll() {
		const all = await n8n.exportCredentials();
		return Object.fromEntries(all.map((entry) => [entry.id, entry.data]));
	}

	/** updatedAt of every credential row, epoch ms (n8n keeps it in UTC, millisecond precision). */
	function updatedAt() {
		return Object.fromEntries(
			n8n.queryDatabase('SELECT id, updatedAt FROM credentials_entity').map((row) => [row.id, Date.parse(`${row.updatedAt.replace(' ', 'T')}Z`)]),
		);
	}

	before(async () => {
		standIn = await startStandIn({ accessTokenTtlSeconds: 300 });
		proxy = await startFaultProxy({ upstream: standIn.issuer });
		refusedPort = await freePort(); // nothing listens here until phase 2
		n8n = createN8n({ version: VERSION, name: 'faults' });

		const keys = [...CASES.map((c) => c.key), ...CRASHES.map((c) => c.key)];
		const windowKeys = [];
		for (let i = 1; i <= WINDOW_RUNS; i++) windowKeys.push(`winNode${i}`, `winHttp${i}`);
		const credentials = [];
		for (const key of [...keys, ...windowKeys]) {
			const spec = CASES.find((c) => c.key === key) ?? CRASHES.find((c) => c.key === key) ?? {};
			minted[key] = await standIn.mint({ accessTokenExpired: true });
			if (spec.steps) proxy.plan(minted[key].refreshToken, spec.steps, key);
			else proxy.plan(minted[key].refreshToken, ['pass'], key);
			if (spec.revoke) await standIn.revokeFamily(minted[key].refreshToken);
			credentials.push({
				id: credentialId(key),
				name: `AAC faults ${key}`,
				type: CREDENTIAL_TYPE,
				data: {
					accessToken: minted[key].accessToken,
					refreshToken: minted[key].refreshToken,
					issuer: spec.refused ? `http://127.0.0.1:${refusedPort}/as` : proxy.issuer,
					clientId: spec.clientId ?? '',
					allowCustomIssuer: true,
					apiBaseUrl: standIn.apiBaseUrl,
					refreshMode: 'automatic',
				},
			});
		}
		await n8n.importCredentials(credentials);

		const holdUrl = `${proxy.origin}/__hold-after-save`;
		proxy.holdRequestsTo('/__hold-after-save');
		const workflows = keys.map((key) => {
			const nodes = [wf.manualTrigger(), wf.aacNode('Refresh', 'refresh', ref(key))];
			if (CRASHES.find((c) => c.key === key)?.holdAfter) nodes.push(wf.httpWithAuthorizationHeader('Next node', holdUrl));
			return wf.chain(refreshWorkflowId(key), `faults: ${key}`, nodes);
		});
		for (let i = 1; i <= WINDOW_RUNS; i++) {
			workflows.push(wf.chain(refreshWorkflowId(`winNode${i}`), `window: node ${i}`, [wf.manualTrigger(), wf.aacNode('Refresh', 'refresh', ref(`winNode${i}`))]));
			workflows.push(
				wf.chain(refreshWorkflowId(`winHttp${i}`), `window: HTTP Request ${i}`, [
					wf.manualTrigger(),
					wf.httpWithCredential('Call API', `${standIn.apiBaseUrl}/v4/people/current`, ref(`winHttp${i}`)),
				]),
			);
		}
		await n8n.importWorkflow(workflows);
	});

	after(async () => {
		await refusedProxy?.close();
		await proxy?.close();
		await standIn?.close();
	});

	test('phase 1: each fault, through a real n8n execution', async () => {
		const reuse0 = standIn.stats().reuseDetections;
		const runs = await pool(CASES, PARALLEL, async (spec) => {
			const run = await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000 });
			return { spec, run };
		});
		const stored = await storedAll();
		const failures = [];
		for (const { spec, run } of runs) {
			const error = errorOf(run);
			const data = stored[credentialId(spec.key)];
			const events = proxy.eventsOf(spec.key);
			const result = {
				message: error?.message ?? null,
				description: error?.description ?? null,
				succeeded: run.succeeded,
				proxyRequests: events.length,
				toAac: events.filter((event) => event.forwarded).length,
				storedPair: data.refreshToken === minted[spec.key].refreshToken ? 'unchanged' : 'new',
				storedAccessTokenUnchanged: data.accessToken === minted[spec.key].accessToken,
				marker: Boolean(data.refreshStartedAt),
				seconds: Math.round(run.durationMs / 100) / 10,
			};
			outcome[spec.key] = { phase1: result };
			const problems = [];
			if (spec.expect.message === null) {
				if (!run.succeeded) problems.push(`should succeed: ${result.message}`);
				if (spec.expect.keptRefreshToken) {
					if (result.storedPair !== 'unchanged' || result.storedAccessTokenUnchanged) problems.push('the new access token was not stored with the kept refresh token');
				} else if (result.storedPair !== 'new') problems.push('the new pair was not stored');
			} else {
				if (run.succeeded) problems.push('should fail');
				if (!spec.expect.message.test(result.message ?? '')) problems.push(`message ${JSON.stringify(result.message)} does not match ${spec.expect.message}`);
				if (!/Nothing was saved/.test(result.message ?? '')) problems.push('message does not say that nothing was saved');
				if (!result.description) problems.push('no description saying what to do');
				else if (spec.expect.description && !spec.expect.description.test(result.description)) {
					problems.push(`description ${JSON.stringify(firstSentence(result.description))}… does not match ${spec.expect.description}`);
				}
				if (result.storedPair !== 'unchanged' || !result.storedAccessTokenUnchanged) problems.push('stored pair changed without a complete new pair');
			}
			if (result.toAac !== (spec.refused ? 0 : spec.expect.toAac)) problems.push(`AAC received ${result.toAac} token requests, expected ${spec.expect.toAac}`);
			if (spec.expect.proxyRequests !== undefined && result.proxyRequests !== spec.expect.proxyRequests) {
				problems.push(`${result.proxyRequests} token requests, expected ${spec.expect.proxyRequests}`);
			}
			if (result.marker !== spec.expect.marker) problems.push(`refreshStartedAt ${result.marker ? 'set' : 'clear'}, expected ${spec.expect.marker ? 'set' : 'clear'}`);
			if (problems.length) failures.push(`${spec.key}: ${problems.join('; ')} (log: ${run.logFile})`);
		}
		reuseBefore.phase2 = standIn.stats().reuseDetections;
		outcome.phase1Reuse = reuseBefore.phase2 - reuse0;
		// A refresh token sent twice shows here, whichever case sent it (cases run in parallel).
		if (outcome.phase1Reuse !== 0) failures.push(`${outcome.phase1Reuse} reuse detections in phase 1: a refresh token was presented twice`);
		assert.deepEqual(failures, []);
	});

	test('phase 2: the next run, without the fault', async () => {
		refusedProxy = await startFaultProxy({ upstream: standIn.issuer, port: refusedPort });
		for (const spec of CASES) proxy.plan(minted[spec.key].refreshToken, ['pass'], spec.key);
		const runs = await pool(CASES, PARALLEL, async (spec) => ({ spec, run: await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000 }) }));
		const stored = await storedAll();
		const failures = [];
		for (const { spec, run } of runs) {
			const error = errorOf(run);
			const data = stored[credentialId(spec.key)];
			const newest = data.refreshToken;
			const result = {
				message: error?.message ?? null,
				description: error?.description ?? null,
				succeeded: run.succeeded,
				marker: Boolean(data.refreshStartedAt),
				familyAlive: await standIn.familyAlive(newest),
			};
			outcome[spec.key].phase2 = result;
			const expected = NEXT[spec.expect.next];
			const problems = [];
			if (expected.message === null) {
				if (!run.succeeded) problems.push(`should succeed: ${result.message}`);
				if (!result.familyAlive) problems.push('family not alive');
				if (result.marker) problems.push('refreshStartedAt left set');
			} else {
				if (run.succeeded) problems.push('should fail');
				if (!expected.message.test(result.message ?? '')) problems.push(`message ${JSON.stringify(result.message)} does not match ${expected.message}`);
			}
			if (problems.length) failures.push(`${spec.key}: ${problems.join('; ')} (log: ${run.logFile})`);
		}
		const reuse = standIn.stats().reuseDetections - reuseBefore.phase2;
		outcome.phase2Reuse = reuse;
		// Only the cases whose rotated pair was lost on the way back send a spent refresh token.
		const lost = CASES.filter((c) => c.expect.next === 'lost').length;
		if (reuse !== lost) failures.push(`${reuse} reuse detections in phase 2, expected ${lost} (one per case whose rotated pair was lost)`);
		assert.deepEqual(failures, []);
	});

	test('crashes: kill -9 at three points of a refresh, then the next run', async () => {
		const failures = [];
		for (const spec of CRASHES) {
			const reuse0 = standIn.stats().reuseDetections;
			let kill;
			const held = proxy.nextHeld();
			const killedAt = held.then((event) => {
				kill();
				return event;
			});
			const run = await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000, onSpawn: (killer) => (kill = killer) });
			const event = await Promise.race([killedAt, new Promise((resolve) => setTimeout(resolve, 1000))]);
			proxy.releaseAll();
			if (!event) {
				failures.push(`${spec.key}: nothing was held, so n8n was not killed (log: ${run.logFile})`);
				continue;
			}
			const afterCrash = (await storedAll())[credentialId(spec.key)];
			const state = {
				signal: run.signal,
				storedPair: afterCrash.refreshToken === minted[spec.key].refreshToken ? 'old' : 'new',
				marker: Boolean(afterCrash.refreshStartedAt),
				aacRotated: proxy.eventsOf(spec.key).some((e) => e.forwarded && e.upstreamStatus === 200),
				familyAliveAfterCrash: await standIn.familyAlive(afterCrash.refreshToken),
				heldAt: event.case,
			};
			// The next run of crashAfterSave is held in its second node again: let that one go at once.
			if (spec.holdAfter) proxy.nextHeld().then(() => proxy.releaseAll());
			const next = await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000 });
			const error = errorOf(next);
			const afterNext = (await storedAll())[credentialId(spec.key)];
			const nextResult = {
				succeeded: next.succeeded || (spec.holdAfter && wf.outputOf(next.json, 'Refresh').length === 1),
				message: error?.message ?? null,
				description: error?.description ?? null,
				reuse: standIn.stats().reuseDetections - reuse0,
				familyAlive: await standIn.familyAlive(afterNext.refreshToken),
				marker: Boolean(afterNext.refreshStartedAt),
			};
			crashOutcome[spec.key] = { state, next: nextResult };
			const problems = [];
			if (run.signal !== 'SIGKILL') problems.push(`n8n was not killed (exit ${run.exitCode}, signal ${run.signal})`);
			if (state.storedPair !== spec.expect.stored) problems.push(`stored pair ${state.storedPair}, expected ${spec.expect.stored}`);
			if (state.marker !== spec.expect.marker) problems.push(`refreshStartedAt ${state.marker ? 'set' : 'clear'} after the crash`);
			if (spec.expect.next === 'ok') {
				if (!nextResult.succeeded) problems.push(`next run should succeed: ${nextResult.message}`);
				if (nextResult.reuse !== 0) problems.push(`${nextResult.reuse} reuse detections`);
				if (!nextResult.familyAlive) problems.push('family not alive after the next run');
				if (nextResult.marker) problems.push('refreshStartedAt left set after the next run');
			} else {
				if (!LOST.test(nextResult.message ?? '')) problems.push(`next run message ${JSON.stringify(nextResult.message)} does not explain the lost refresh`);
				if (!/Generate a new token pair/.test(nextResult.description ?? '')) problems.push('next run does not say to generate new tokens');
			}
			if (problems.length) failures.push(`${spec.key}: ${problems.join('; ')} (logs: ${run.logFile}, ${next.logFile})`);
			proxy.releaseAll();
		}
		assert.deepEqual(failures, []);
	});

	test('save window: from AAC answering to the credential saved, per refresh path', async () => {
		const keys = [];
		for (let i = 1; i <= WINDOW_RUNS; i++) keys.push(`winNode${i}`, `winHttp${i}`);
		const runs = await pool(keys, 2, async (key) => ({ key, run: await n8n.execute(refreshWorkflowId(key), { timeoutMs: 120_000 }) }));
		const saved = updatedAt();
		for (const { key, run } of runs) {
			assert.ok(run.succeeded, `${key}: ${errorOf(run)?.message} (log: ${run.logFile})`);
			const answered = proxy.eventsOf(key).find((event) => event.answeredAt)?.answeredAt;
			assert.ok(answered, `${key}: no answered token request`);
			windows[key.startsWith('winNode') ? 'node' : 'http'].push(saved[credentialId(key)] - answered);
		}
		for (const list of Object.values(windows)) for (const ms of list) assert.ok(ms >= 0 && ms < 10_000, `window ${ms} ms`);
	});

	after(() => {
		const lines = [];
		lines.push('# Fault matrix and crash recovery in real n8n', '');
		lines.push(
			`Written by \`npm run test:faults\` (e2e/faults/faults.e2e.mjs) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: n8n ${VERSION} (${n8n?.nodeVersion ?? '?'}), SQLite, CLI executions of a Manual Trigger → Alteryx Analytics Cloud: Refresh workflow, one credential and token family per case. Between n8n and the AAC stand-in (real oidc-provider: rotation, reuse detection) sits the fault proxy (e2e/lib/faultProxy.mjs), the only hand-written part: it makes the faults a real server cannot. Wall time ${Math.round((Date.now() - started) / 1000)} s.`,
			'',
			'"To AAC": token requests that reached the stand-in. "Record": the credential\'s refreshStartedAt, written before the token request and cleared when the outcome is known; it stays only when AAC may have rotated (so a later invalid_grant can say what happened). Phase 2 is the next run without the fault.',
			'',
			'| fault | what the user sees (message) | token requests / to AAC | stored pair | record | next run |',
			'|---|---|---|---|---|---|',
		);
		for (const spec of CASES) {
			const o = outcome[spec.key];
			if (!o?.phase1) {
				lines.push(`| ${spec.title} | (not run) | | | | |`);
				continue;
			}
			const p1 = o.phase1;
			const p2 = o.phase2;
			const next = !p2 ? '(not run)' : p2.succeeded ? `ok, family ${p2.familyAlive ? 'alive' : 'dead'}` : `fails: ${mdCell(firstSentence(p2.message))}`;
			lines.push(
				`| ${spec.title} | ${p1.succeeded ? `ok after ${p1.proxyRequests} attempts` : mdCell(p1.message)} | ${p1.proxyRequests} / ${p1.toAac} | ${p1.storedPair} | ${p1.marker ? 'kept' : 'clear'} | ${next} |`,
			);
		}
		if (outcome.phase2Reuse !== undefined) {
			lines.push(
				'',
				`Reuse detections: ${outcome.phase1Reuse} in phase 1; ${outcome.phase2Reuse} in phase 2 (the cases in which AAC rotated and the answer was lost on the way back: those refresh tokens were spent, and only sending one reveals it).`,
			);
		}
		lines.push('', '## Crash recovery (kill -9 of the n8n process group)', '', '| crash point | left behind | next run |', '|---|---|---|');
		for (const spec of CRASHES) {
			const o = crashOutcome[spec.key];
			if (!o) {
				lines.push(`| ${spec.title} | (not run) | |`);
				continue;
			}
			const left = `${o.state.storedPair} pair stored, record ${o.state.marker ? 'kept' : 'clear'}; AAC ${o.state.aacRotated ? 'had rotated' : 'had not rotated'}`;
			const next = o.next.succeeded
				? `ok: refreshed with the stored token, ${o.next.reuse} reuse, family ${o.next.familyAlive ? 'alive' : 'dead'}`
				: `fails (${o.next.reuse} reuse): "${mdCell(o.next.message)}" ${mdCell(o.next.description)}`;
			lines.push(`| ${spec.title} | ${left} | ${next} |`);
		}
		if (windows.node.length || windows.http.length) {
			const fmt = (list) => (list.length ? `median ${median(list)} ms, max ${Math.max(...list)} ms (n=${list.length})` : 'not measured');
			lines.push(
				'',
				'## Save window',
				'',
				'From the proxy handing AAC\'s answer to n8n to the credential row\'s updatedAt in SQLite: the only time in which a crash loses a rotated pair.',
				'',
				`- Refresh operation (the node): ${fmt(windows.node)}`,
				`- HTTP Request with the credential (preAuthentication): ${fmt(windows.http)}`,
			);
		}
		writeFileSync(RESULTS_FILE, `${lines.join('\n')}\n`);
		process.stdout.write(`\n${lines.join('\n')}\n`);
	});

	after(async () => {
		// Secrets: no refresh token (issued by the stand-in, or made up by the proxy) in anything n8n printed.
		if (!n8n) return;
		const secrets = [...standIn.issuedRefreshTokens(), ...(proxy?.madeUpTokens ?? [])].filter((token) => token.length >= 16);
		const printed = n8n.commands.map((command) => command.stdout + command.stderr).join('\n');
		const leaks = secrets.filter((secret) => !secret.startsWith('proxy-made-access') && printed.includes(secret));
		assert.equal(leaks.length, 0, `${leaks.length} refresh tokens appear in n8n's output`);
	});
});
