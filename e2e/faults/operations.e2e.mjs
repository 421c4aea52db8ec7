// The operations under faults in a real, pinned n8n (CLI executions, SQLite) against the AAC
// stand-in (real oidc-provider; our hand-written v4 API fake), with the fault proxy
// (test/fakes/faultProxy.js) in front of the token endpoint and the API. Each case has its own
// plan, credential and token family; the cases are in lib/operationCases.mjs.
//
//   operations: Plan → Run and wait with the run POST or the status polls failing, the token
//            revoked mid-wait, a run that never ends; kill -9 during a wait, then Wait in a new run
//
// Writes its section of e2e/faults/RESULTS.md. n8n version: 2.41.1 (E2E_N8N, e2e/lib/versions.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as wf from '../lib/workflows.mjs';
import {
	PARALLEL,
	credentialId,
	errorOf,
	faultBench,
	forEachFaultN8n,
	mdCell,
	notRun,
	pool,
	ref,
	shortId,
	tableHead,
	writeFaultsSection,
} from './lib/bench.mjs';
import {
	FIRST_OPERATION_PLAN,
	KILL_DURING_WAIT,
	MAY_HAVE_STARTED,
	OPERATIONS,
	POLL_OPTIONS,
	RUN_POST,
	STATUS_GET,
} from './lib/operationCases.mjs';

const planOf = (spec) => FIRST_OPERATION_PLAN + OPERATIONS.indexOf(spec);
const KILL_PLAN = FIRST_OPERATION_PLAN + OPERATIONS.length;
const operationWorkflowId = (key) => shortId('wfO', key);
const KILL_RUN_WORKFLOW = 'wfOkillRun';
const KILL_WAIT_WORKFLOW = 'wfOkillWait';

/** Plan → Run with Wait for Completion, polling fast (the faults, not the schedule, are under test). */
const runPlanNode = (planId, credential, options = {}) =>
	wf.aacOperation(
		'Run plan',
		{
			resource: 'plan',
			operation: 'run',
			planId: wf.byId(planId),
			waitForCompletion: true,
			options: { ...POLL_OPTIONS, ...options },
		},
		credential,
	);

forEachFaultN8n(
	'operations',
	{
		name: 'faults-operations',
		standIn: { accessTokenTtlSeconds: 300, api: { seed: { plans: KILL_PLAN } } },
	},
	(fx) => {
		const bench = faultBench(fx);
		let standIn;
		let proxy;
		let n8n;
		/** The API host of the runRefused case only: it stops listening for a moment. */
		let refusingProxy;
		const minted = {};
		const operationOutcome = {};
		let killOutcome;
		const storedAll = () => bench.storedAll();

		before(async () => {
			({ standIn, proxy, n8n } = await bench.start());
			refusingProxy = await bench.startProxy();
			// Fresh access tokens (no refresh unless the case makes one), API through the proxy.
			const operationKeys = [
				...OPERATIONS.map((spec) => spec.key),
				...(KILL_DURING_WAIT ? ['killDuringWait'] : []),
			];
			const credentials = [];
			for (const key of operationKeys) {
				const spec = OPERATIONS.find((c) => c.key === key) ?? {};
				// An hour: longer than this file runs, so the only refresh is one a case makes.
				minted[key] = await standIn.mint({ accessTokenTtlSeconds: 3600 });
				proxy.plan(minted[key].refreshToken, ['pass'], key);
				const apiProxy = spec.refuseMs ? refusingProxy : proxy;
				if (spec.post) apiProxy.planApi(minted[key].accessToken, spec.post, key, RUN_POST);
				else if (spec.poll) apiProxy.planApi(minted[key].accessToken, spec.poll, key, STATUS_GET);
				else apiProxy.label(minted[key].accessToken, key);
				standIn.api.setFixture({
					kind: 'plan',
					id: spec.key ? planOf(spec) : KILL_PLAN,
					queuedMs: 500,
					runningMs: spec.runningMs ?? (spec.key ? 4000 : 3_600_000),
					outcome: 'Complete',
				});
				credentials.push(bench.credential(key, minted[key], { apiBaseUrl: apiProxy.origin }));
			}
			await n8n.importCredentials(credentials);

			const workflows = [];
			for (const spec of OPERATIONS) {
				const nodes = [wf.manualTrigger()];
				if (spec.refuseMs)
					nodes.push(
						wf.httpGet(
							'Refuse connections',
							`${refusingProxy.origin}/__refuse-connections?ms=${spec.refuseMs}`,
						),
					);
				nodes.push(runPlanNode(planOf(spec), ref(spec.key), spec.options));
				workflows.push(wf.chain(operationWorkflowId(spec.key), `faults: ${spec.key}`, nodes));
			}
			if (KILL_DURING_WAIT) {
				workflows.push(
					wf.chain(KILL_RUN_WORKFLOW, 'faults: kill -9 during a wait', [
						wf.manualTrigger(),
						runPlanNode(KILL_PLAN, ref('killDuringWait'), { maxWaitMinutes: 10 }),
					]),
				);
			}
			await n8n.importWorkflow(workflows);
		});

		after(() => bench.close());

		test(
			'operations: run and wait with the run POST or the status polls failing',
			{ skip: OPERATIONS.length === 0 },
			async () => {
				const reuse0 = standIn.stats().reuseDetections;
				const runs = await pool(OPERATIONS, PARALLEL, async (spec) => ({
					spec,
					run: await n8n.execute(operationWorkflowId(spec.key), { timeoutMs: 180_000 }),
				}));
				const counters = standIn.api.counters();
				const planRuns = standIn.api.runs().planRuns;
				const stored = await storedAll();
				const failures = [];
				for (const { spec, run } of runs) {
					const planId = planOf(spec);
					const error = errorOf(run);
					const [item] = wf.outputOf(run.json, 'Run plan');
					const apiEvents = (spec.refuseMs ? refusingProxy : proxy).apiEventsOf(spec.key);
					const posts = apiEvents.filter((event) => event.method === 'POST');
					const polls = apiEvents.filter(
						(event) => event.method === 'GET' && STATUS_GET.path.test(event.path),
					);
					const started = planRuns.filter((entry) => String(entry.plan?.id) === String(planId));
					const executionIds = [...new Set(posts.map((event) => event.executionId))];
					const result = {
						message: error?.message ?? null,
						description: error?.description ?? null,
						status: item?.status ?? null,
						proxyPosts: posts.length,
						runsStarted: counters.runsStarted.plan?.[String(planId)] ?? 0,
						postsAtAac: executionIds.map((id) => counters.postsPerExecutionId[id] ?? 0),
						polls: polls.length,
						pollFaults: polls.filter((event) => event.step !== 'pass').length,
						tokenRequests: proxy.eventsOf(spec.key).length,
						runStatus: started[0]?.status ?? null,
						seconds: Math.round(run.durationMs / 100) / 10,
					};
					operationOutcome[spec.key] = result;
					const problems = [];
					if (started.length !== 1 || result.runsStarted !== 1)
						problems.push(
							`${started.length} runs in AAC (${result.runsStarted} started through the API), expected exactly 1`,
						);
					if (executionIds.length !== 1)
						problems.push(
							`run POSTs carried ${executionIds.length} x-execution-ids (${executionIds.join(', ')}), expected 1`,
						);
					else if (started[0] && started[0].executionId !== executionIds[0])
						problems.push("the run in AAC does not carry the POST's x-execution-id");
					if (result.postsAtAac.some((count) => count !== 1))
						problems.push(
							`POSTs per x-execution-id at AAC ${JSON.stringify(result.postsAtAac)}, expected [1]`,
						);
					if (result.proxyPosts !== (spec.expect.proxyPosts ?? 1))
						problems.push(
							`${result.proxyPosts} run POSTs, expected ${spec.expect.proxyPosts ?? 1}`,
						);
					if (result.tokenRequests !== (spec.expect.tokenRequests ?? 0))
						problems.push(
							`${result.tokenRequests} token requests, expected ${spec.expect.tokenRequests ?? 0}`,
						);
					if (spec.expect.pollFaults !== undefined && result.pollFaults !== spec.expect.pollFaults)
						problems.push(
							`${result.pollFaults} faulty poll answers served, expected ${spec.expect.pollFaults}`,
						);
					if (spec.expect.message === null) {
						if (!run.succeeded) problems.push(`should succeed: ${result.message}`);
						if (result.status !== 'Complete')
							problems.push(`status ${result.status}, expected Complete`);
						if (started[0] && item?.planRunId !== String(started[0].id))
							problems.push(`planRunId ${item?.planRunId}, expected ${started[0].id}`);
						if (spec.poll && result.polls <= result.pollFaults)
							problems.push('no poll was answered after the faults');
					} else {
						if (run.succeeded) problems.push('should fail');
						if (!spec.expect.message.test(result.message ?? ''))
							problems.push(
								`message ${JSON.stringify(result.message)} does not match ${spec.expect.message}`,
							);
					}
					if (spec.expect.message === MAY_HAVE_STARTED) {
						// What the user needs to find the run: the x-execution-id it carried, and where to look.
						const text = `${result.message} ${result.description}`;
						if (!executionIds[0] || !text.includes(executionIds[0]))
							problems.push(`the error does not name the x-execution-id ${executionIds[0]}`);
						if (!/plan's runs/.test(text))
							problems.push('the error does not say where to find the run');
						if (/was not repeated/.test(text) === false)
							problems.push('the error does not say the request was not repeated');
					}
					if (spec.expect.stillRunning) {
						if (result.runStatus !== 'InProgress')
							problems.push(`the run is ${result.runStatus} in AAC, expected still InProgress`);
						if ((counters.cancels?.planRun ?? 0) !== 0)
							problems.push(
								`${counters.cancels.planRun} plan runs cancelled, expected 0 (Cancel Run on Timeout is off)`,
							);
					}
					if (
						spec.expect.retryAfterMs &&
						posts.length === 2 &&
						posts[1].receivedAt - posts[0].receivedAt < spec.expect.retryAfterMs - 100
					) {
						problems.push(
							`the POST was repeated ${posts[1].receivedAt - posts[0].receivedAt} ms after the 429, before x-retry-after`,
						);
					}
					if (spec.refuseMs) {
						const [refusal] = refusingProxy.refusals;
						const nodeStarted = wf.nodeRuns(run.json, 'Run plan')[0]?.startTime;
						result.refusedMs =
							refusal?.reopenedAt && nodeStarted ? refusal.reopenedAt - nodeStarted : null;
						if (refusingProxy.refusals.length !== 1 || !refusal.reopenedAt)
							problems.push('the proxy did not refuse connections once');
						// The node began while nothing listened, and its POST arrived after: its first attempt was refused.
						else if (
							!(nodeStarted < refusal.reopenedAt) ||
							!(posts[0]?.receivedAt >= refusal.reopenedAt)
						) {
							problems.push(
								`node started ${nodeStarted}, listening again ${refusal.reopenedAt}, POST received ${posts[0]?.receivedAt}: no refused attempt shown`,
							);
						}
					}
					if (spec.expect.tokenRequests) {
						const data = stored[credentialId(spec.key)];
						result.storedPair =
							data.refreshToken === minted[spec.key].refreshToken ? 'unchanged' : 'new';
						if (result.storedPair !== 'new') problems.push('the refreshed pair was not stored');
						else if (!(await standIn.familyAlive(data.refreshToken)))
							problems.push('the stored family is not alive');
					}
					if (problems.length)
						failures.push(`${spec.key}: ${problems.join('; ')} (log: ${run.logFile})`);
				}
				operationOutcome.reuse = standIn.stats().reuseDetections - reuse0;
				if (operationOutcome.reuse !== 0)
					failures.push(
						`${operationOutcome.reuse} reuse detections: a refresh token was presented twice`,
					);
				assert.deepEqual(failures, []);
			},
		);

		test(
			'operations: kill -9 of n8n during a wait leaves the run alone; Plan Run → Wait on its id in a new execution finishes it',
			{ skip: !KILL_DURING_WAIT },
			async () => {
				const key = 'killDuringWait';
				const reuse0 = standIn.stats().reuseDetections;
				let kill;
				const firstPoll = proxy
					.nextApi(key, (event) => event.method === 'GET')
					.then((event) => {
						kill();
						return event;
					});
				const killed = await n8n.execute(KILL_RUN_WORKFLOW, {
					timeoutMs: 90_000,
					onSpawn: (killer) => (kill = killer),
				});
				const polled = await Promise.race([
					firstPoll,
					new Promise((resolve) => setTimeout(resolve, 1000)),
				]);
				assert.ok(polled, `the wait never polled, so n8n was not killed (log: ${killed.logFile})`);
				assert.equal(
					killed.signal,
					'SIGKILL',
					`n8n was not killed (exit ${killed.exitCode}; log: ${killed.logFile})`,
				);
				// Give a run POST that was somehow still coming time to arrive: none may.
				await new Promise((resolve) => setTimeout(resolve, 1000));
				const left = standIn.api
					.runs()
					.planRuns.filter((entry) => String(entry.plan?.id) === String(KILL_PLAN));
				const counters = standIn.api.counters();
				killOutcome = {
					runsAfterKill: left.length,
					statusAfterKill: left[0]?.status ?? null,
					cancels: counters.cancels?.planRun ?? 0,
				};
				assert.equal(left.length, 1, 'exactly one run in AAC');
				assert.equal(left[0].status, 'InProgress', 'the run goes on in AAC');
				assert.equal(counters.runsStarted.plan?.[String(KILL_PLAN)], 1);
				assert.equal(killOutcome.cancels, 0, 'nothing cancelled it');

				const planRunId = String(left[0].id);
				await n8n.importWorkflow(
					wf.chain(KILL_WAIT_WORKFLOW, 'faults: Wait on the run after the crash', [
						wf.manualTrigger(),
						wf.aacOperation(
							'Wait for run',
							{ resource: 'planRun', operation: 'wait', planRunId, options: POLL_OPTIONS },
							ref(key),
						),
					]),
				);
				const pollsBefore = proxy.apiEventsOf(key).length;
				// The run ends in AAC when the new execution first asks.
				const finished = proxy
					.nextApi(key, (event) => event.method === 'GET')
					.then(() =>
						standIn.api.finishRun({ kind: 'planRun', id: Number(planRunId), outcome: 'Complete' }),
					);
				const waited = await n8n.execute(KILL_WAIT_WORKFLOW, { timeoutMs: 180_000 });
				assert.ok(
					await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1000))]),
					'the new execution never polled',
				);
				const [item] = wf.outputOf(waited.json, 'Wait for run');
				const events = proxy.apiEventsOf(key);
				Object.assign(killOutcome, {
					waitSucceeded: waited.succeeded,
					status: item?.status ?? null,
					pollsAfterRestart: events.slice(pollsBefore).filter((event) => event.method === 'GET')
						.length,
					proxyPosts: events.filter((event) => event.method === 'POST').length,
					runsInAac: standIn.api
						.runs()
						.planRuns.filter((entry) => String(entry.plan?.id) === String(KILL_PLAN)).length,
					tokenRequests: proxy.eventsOf(key).length,
					reuse: standIn.stats().reuseDetections - reuse0,
				});
				assert.ok(
					waited.succeeded,
					`Wait failed: ${errorOf(waited)?.message} (log: ${waited.logFile})`,
				);
				assert.equal(item?.status, 'Complete');
				assert.equal(item?.planRunId, planRunId);
				assert.ok(killOutcome.pollsAfterRestart >= 1);
				assert.deepEqual(
					{
						proxyPosts: killOutcome.proxyPosts,
						runsInAac: killOutcome.runsInAac,
						tokenRequests: killOutcome.tokenRequests,
						reuse: killOutcome.reuse,
					},
					{ proxyPosts: 1, runsInAac: 1, tokenRequests: 0, reuse: 0 },
				);
			},
		);

		after(() => {
			const lines = [
				'## Operations under faults',
				'',
				'Manual Trigger → Alteryx Analytics Cloud: Plan → Run with Wait for Completion (Poll Interval 0.5 s, Max Poll Interval 1 s), one plan and credential per case; the fault proxy in front of the stand-in\'s API (planned per access token) and token endpoint. "POSTs": run POSTs that reached the proxy / runs AAC started / POSTs per x-execution-id that reached AAC. "Poll faults": faulty status answers served / status polls in all.',
				'',
			];
			tableHead(lines, [
				'fault',
				'outcome',
				'POSTs / runs in AAC / per x-execution-id',
				'poll faults / polls',
				'token requests',
				'seconds',
			]);
			for (const spec of OPERATIONS) {
				const o = operationOutcome[spec.key];
				if (!o) {
					lines.push(notRun(spec, 6));
					continue;
				}
				const outcomeText = o.message
					? `${mdCell(o.message)}${o.runStatus === 'InProgress' ? ' (still InProgress in AAC, not cancelled)' : ''}`
					: `${o.status}${o.refusedMs ? ` (began ${o.refusedMs} ms before the proxy listened again)` : ''}${o.storedPair ? `; pair ${o.storedPair}` : ''}`;
				lines.push(
					`| \`${spec.key}\` ${spec.title} | ${outcomeText} | ${o.proxyPosts} / ${o.runsStarted} / ${o.postsAtAac.join(', ')} | ${o.pollFaults} / ${o.polls} | ${o.tokenRequests} | ${o.seconds} |`,
				);
			}
			if (operationOutcome.reuse !== undefined)
				lines.push('', `Reuse detections across these cases: ${operationOutcome.reuse}.`);
			if (killOutcome) {
				lines.push(
					'',
					`kill -9 of n8n at the wait's first status poll: ${killOutcome.runsAfterKill} run in AAC, ${killOutcome.statusAfterKill}, ${killOutcome.cancels} cancelled. Plan Run → Wait on its id in a new execution: ${killOutcome.status ?? 'no output'} after ${killOutcome.pollsAfterRestart ?? '?'} GETs of the run; ${killOutcome.proxyPosts ?? '?'} run POST and ${killOutcome.runsInAac ?? '?'} run in AAC in all, ${killOutcome.tokenRequests ?? '?'} token requests, ${killOutcome.reuse ?? '?'} reuse.`,
				);
			}
			writeFaultsSection('operations', bench, lines);
		});

		after(() => bench.assertNoLeaks());
	},
);
