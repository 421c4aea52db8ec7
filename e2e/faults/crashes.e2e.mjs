// Crash recovery of the refresh in a real, pinned n8n (CLI executions, SQLite) against the AAC
// stand-in (real oidc-provider), with the fault proxy (test/fakes/faultProxy.js) in front of the
// token endpoint. Each case has its own credential and token family.
//
//   crashes: kill -9 n8n while a refresh is in flight, at three points, then the next run
//   window:  the time between AAC's answer and n8n's saved credential, per refresh path
//
// Writes its section of e2e/faults/RESULTS.md. n8n version: 2.41.1 (E2E_N8N, e2e/lib/versions.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as wf from '../lib/workflows.mjs';
import {
	LOST,
	ONLY,
	credentialId,
	errorOf,
	faultBench,
	forEachFaultN8n,
	mdCell,
	median,
	pool,
	ref,
	refreshWorkflowId,
	selected,
	writeFaultsSection,
} from './lib/bench.mjs';
/**
 * Crash points: kill -9 n8n (its whole process group) at the moment the proxy reports.
 * before: the token request is held at the proxy, never reaches AAC.
 * afterRotation: AAC rotated; its answer is held before n8n gets it.
 * afterSave: the new pair is saved; n8n is killed in the next node.
 */
const CRASHES = selected([
	{
		key: 'crashBefore',
		title: 'kill -9 while the token request is on its way (AAC never saw it)',
		steps: ['hold', 'pass'],
		expect: { stored: 'old', marker: true, next: 'ok' },
	},
	{
		key: 'crashAfterRotation',
		title: 'kill -9 after AAC rotated, before n8n saved',
		steps: ['holdAnswer', 'pass'],
		expect: { stored: 'old', marker: true, next: 'lost' },
	},
	{
		key: 'crashAfterSave',
		title: 'kill -9 after the save, in the next node',
		steps: ['pass'],
		holdAfter: true,
		expect: { stored: 'new', marker: false, next: 'ok' },
	},
]);

/** Extra refreshes measured for the save window, per path. */
const WINDOW_RUNS = Number(process.env.AAC_FAULTS_WINDOW_RUNS ?? (ONLY ? 0 : 6));

forEachFaultN8n(
	'crash recovery',
	{ name: 'faults-crashes', standIn: { accessTokenTtlSeconds: 300 } },
	(fx) => {
		const bench = faultBench(fx);

		let standIn;
		let proxy;
		let n8n;
		const minted = {};
		const crashOutcome = {};
		const windows = { node: [], http: [] };
		const storedAll = () => bench.storedAll();
		const updatedAt = () => bench.updatedAt();

		before(async () => {
			({ standIn, proxy, n8n } = await bench.start());
			const windowKeys = [];
			for (let i = 1; i <= WINDOW_RUNS; i++) windowKeys.push(`winNode${i}`, `winHttp${i}`);
			const credentials = [];
			for (const key of [...CRASHES.map((c) => c.key), ...windowKeys]) {
				const spec = CRASHES.find((c) => c.key === key) ?? {};
				minted[key] = await standIn.mint({ accessTokenExpired: true });
				proxy.plan(minted[key].refreshToken, spec.steps ?? ['pass'], key);
				credentials.push(bench.credential(key, minted[key], { clientId: '' }));
			}
			await n8n.importCredentials(credentials);

			const holdUrl = `${proxy.origin}/__hold-after-save`;
			proxy.holdRequestsTo('/__hold-after-save');
			const workflows = CRASHES.map((spec) => {
				const nodes = [wf.manualTrigger(), wf.aacNode('Refresh', 'refresh', ref(spec.key))];
				if (spec.holdAfter) nodes.push(wf.httpWithAuthorizationHeader('Next node', holdUrl));
				return wf.chain(refreshWorkflowId(spec.key), `faults: ${spec.key}`, nodes);
			});
			for (let i = 1; i <= WINDOW_RUNS; i++) {
				workflows.push(
					wf.chain(refreshWorkflowId(`winNode${i}`), `window: node ${i}`, [
						wf.manualTrigger(),
						wf.aacNode('Refresh', 'refresh', ref(`winNode${i}`)),
					]),
				);
				workflows.push(
					wf.chain(refreshWorkflowId(`winHttp${i}`), `window: HTTP Request ${i}`, [
						wf.manualTrigger(),
						wf.httpWithCredential(
							'Call API',
							`${standIn.apiBaseUrl}/v4/people/current`,
							ref(`winHttp${i}`),
						),
					]),
				);
			}
			await n8n.importWorkflow(workflows);
		});

		after(() => bench.close());

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
				const run = await n8n.execute(refreshWorkflowId(spec.key), {
					timeoutMs: 120_000,
					onSpawn: (killer) => (kill = killer),
				});
				const event = await Promise.race([
					killedAt,
					new Promise((resolve) => setTimeout(resolve, 1000)),
				]);
				proxy.releaseAll();
				if (!event) {
					failures.push(
						`${spec.key}: nothing was held, so n8n was not killed (log: ${run.logFile})`,
					);
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
					succeeded:
						next.succeeded || (spec.holdAfter && wf.outputOf(next.json, 'Refresh').length === 1),
					message: error?.message ?? null,
					description: error?.description ?? null,
					reuse: standIn.stats().reuseDetections - reuse0,
					familyAlive: await standIn.familyAlive(afterNext.refreshToken),
					marker: Boolean(afterNext.refreshStartedAt),
				};
				crashOutcome[spec.key] = { state, next: nextResult };
				const problems = [];
				if (run.signal !== 'SIGKILL')
					problems.push(`n8n was not killed (exit ${run.exitCode}, signal ${run.signal})`);
				if (state.storedPair !== spec.expect.stored)
					problems.push(`stored pair ${state.storedPair}, expected ${spec.expect.stored}`);
				if (state.marker !== spec.expect.marker)
					problems.push(`refreshStartedAt ${state.marker ? 'set' : 'clear'} after the crash`);
				if (spec.expect.next === 'ok') {
					if (!nextResult.succeeded)
						problems.push(`next run should succeed: ${nextResult.message}`);
					if (nextResult.reuse !== 0) problems.push(`${nextResult.reuse} reuse detections`);
					if (!nextResult.familyAlive) problems.push('family not alive after the next run');
					if (nextResult.marker) problems.push('refreshStartedAt left set after the next run');
				} else {
					if (!LOST.test(nextResult.message ?? ''))
						problems.push(
							`next run message ${JSON.stringify(nextResult.message)} does not explain the lost refresh`,
						);
					if (!/Generate a new token pair/.test(nextResult.description ?? ''))
						problems.push('next run does not say to generate new tokens');
				}
				if (problems.length)
					failures.push(
						`${spec.key}: ${problems.join('; ')} (logs: ${run.logFile}, ${next.logFile})`,
					);
				proxy.releaseAll();
			}
			assert.deepEqual(failures, []);
		});

		test('save window: from AAC answering to the credential saved, per refresh path', async () => {
			const keys = [];
			for (let i = 1; i <= WINDOW_RUNS; i++) keys.push(`winNode${i}`, `winHttp${i}`);
			const runs = await pool(keys, 2, async (key) => ({
				key,
				run: await n8n.execute(refreshWorkflowId(key), { timeoutMs: 120_000 }),
			}));
			const saved = updatedAt();
			for (const { key, run } of runs) {
				assert.ok(run.succeeded, `${key}: ${errorOf(run)?.message} (log: ${run.logFile})`);
				const answered = proxy.eventsOf(key).find((event) => event.answeredAt)?.answeredAt;
				assert.ok(answered, `${key}: no answered token request`);
				windows[key.startsWith('winNode') ? 'node' : 'http'].push(
					saved[credentialId(key)] - answered,
				);
			}
			for (const list of Object.values(windows))
				for (const ms of list) assert.ok(ms >= 0 && ms < 10_000, `window ${ms} ms`);
		});

		after(() => {
			const lines = [
				'## Crash recovery (kill -9 of the n8n process group)',
				'',
				'| crash point | left behind | next run |',
				'|---|---|---|',
			];
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
				const fmt = (list) =>
					list.length
						? `median ${median(list)} ms, max ${Math.max(...list)} ms (n=${list.length})`
						: 'not measured';
				lines.push(
					'',
					'### Save window',
					'',
					"From the proxy handing AAC's answer to n8n to the credential row's updatedAt in SQLite: the only time in which a crash loses a rotated pair.",
					'',
					`- Refresh operation (the node): ${fmt(windows.node)}`,
					`- HTTP Request with the credential (preAuthentication): ${fmt(windows.http)}`,
				);
			}
			writeFaultsSection('crashes', bench, lines);
		});

		after(() => bench.assertNoLeaks());
	},
);
