// Stopping an execution during a wait, in a running n8n (1.123.81 and 2.41.1, `n8n start`,
// SQLite) against the AAC stand-in (real oidc-provider OAuth; our hand-written fake of AAC's v4
// API). A manual run of Manual Trigger → Plan → Run (Wait for Completion) started through n8n's
// REST API, as the editor's "Execute workflow" does; the run in AAC takes 10 minutes and the first
// status poll is due 20 s after the run POST. 2 s after the POST the execution is stopped through
// POST /rest/executions/:id/stop, as the editor's Stop button does.
// Asserted: the execution ends within 10 s of the stop (a sleep the stop cannot cut short would
// end 18 s later); no status poll reaches AAC until after the poll would have been due; the run
// in AAC is still InProgress and not cancelled (Cancel Run on Timeout is on: a stop is not a
// timeout); one run started.
// Run: node --test --test-concurrency=1 e2e/stop-wait.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { CREDENTIAL_TYPE } from './lib/n8n.mjs';
import { setUpOwner, startServer } from './lib/server.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';

const FIRST_POLL_SECONDS = 20;
const STOP_AFTER_MS = 2000;
const ENDED_WITHIN_MS = 10_000;
const PLAN_ID = 1;

forEachN8n(
	'stopping an execution while Plan → Run waits',
	{ name: 'stopwait', standIn: { accessTokenTtlSeconds: 300 }, timeout: 5 * 60_000 },
	(fx) => {
		const { version } = fx;
		let standIn;
		let server;
		let cookie;
		let workflow;

		const rest = async (method, path, body) => {
			const response = await fetch(`${server.url}/rest/${path}`, {
				method,
				headers: { 'content-type': 'application/json', cookie },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			const text = await response.text();
			assert.ok(response.ok, `${method} /rest/${path}: ${response.status} ${text.slice(0, 500)}`);
			const json = JSON.parse(text);
			return json.data ?? json;
		};
		const statusPolls = () => standIn.api.counters().requests.getPlanSnapshotRun ?? 0;

		before(async () => {
			({ standIn } = fx);
			standIn.api.setFixture({
				kind: 'plan',
				id: PLAN_ID,
				queuedMs: 1000,
				runningMs: 600_000,
				outcome: 'Complete',
			});
			server = await startServer(fx.n8n);
			cookie = await setUpOwner(server);

			const pair = await standIn.mint();
			const credential = await rest('POST', 'credentials', {
				name: 'AAC stop-wait',
				type: CREDENTIAL_TYPE,
				data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl },
			});
			const { nodes, connections, settings } = wf.chain('unused', 'unused', [
				wf.manualTrigger(),
				wf.aacOperation(
					'Run plan',
					{
						resource: 'plan',
						operation: 'run',
						planId: wf.byId(PLAN_ID),
						waitForCompletion: true,
						options: {
							pollIntervalSeconds: FIRST_POLL_SECONDS,
							maxWaitMinutes: 30,
							cancelOnTimeout: true,
						},
					},
					wf.credentialRef(credential.id, credential.name),
				),
			]);
			workflow = await rest('POST', 'workflows', {
				name: 'stop during a wait',
				nodes,
				connections,
				settings,
				active: false,
			});
		});

		after(async () => {
			await server?.stop();
		});

		test('the execution ends at once; no status poll after the stop; the run goes on in AAC, not cancelled; one run', async () => {
			const pollsBefore = statusPolls();
			// 1.x takes the workflow in the body; 2.x runs the stored one from the named trigger.
			const fromStart = { triggerToStartFrom: { name: 'Start' } };
			const body = version.startsWith('1.') ? { workflowData: workflow, ...fromStart } : fromStart;
			const started = await rest('POST', `workflows/${workflow.id}/run`, body);
			assert.ok(started.executionId, `no execution id: ${JSON.stringify(started)}`);

			// The run POST reached AAC: the node is in its wait (first poll due in 20 s).
			const deadline = Date.now() + 60_000;
			while ((standIn.api.counters().runsStarted.plan?.[String(PLAN_ID)] ?? 0) === 0) {
				assert.ok(Date.now() < deadline, 'the run POST never reached the stand-in');
				await wait(100);
			}
			const postedAt = Date.now();
			await wait(STOP_AFTER_MS);

			const stopAt = Date.now();
			await rest('POST', `executions/${started.executionId}/stop`, {});
			let execution;
			for (;;) {
				execution = await rest('GET', `executions/${started.executionId}`);
				if (execution.status !== 'running' && execution.status !== 'new' && execution.stoppedAt)
					break;
				assert.ok(
					Date.now() - stopAt < 60_000,
					`the execution is still ${execution.status} 60 s after the stop`,
				);
				await wait(200);
			}
			const endedMs = Date.now() - stopAt;

			// Past the moment the first poll was due (plus slack): a wait the stop did not end would poll now.
			const dueAt = postedAt + FIRST_POLL_SECONDS * 1000 + 3000;
			await wait(Math.max(0, dueAt - Date.now()));
			const runs = standIn.api.runs().planRuns.filter((run) => run.plan?.id === PLAN_ID);
			const counters = standIn.api.counters();
			const figures = {
				endedWithinLimit: endedMs < ENDED_WITHIN_MS,
				executionStatus: execution.status,
				statusPolls: statusPolls() - pollsBefore,
				runsInAac: runs.length,
				runStatus: runs[0]?.status,
				cancels: counters.cancels?.planRun ?? 0,
				runsStarted: counters.runsStarted.plan?.[String(PLAN_ID)],
				reuse: standIn.stats().reuseDetections,
			};
			process.stdout.write(
				`# n8n ${version}: ended ${endedMs} ms after the stop, ${JSON.stringify(figures)}\n`,
			);
			assert.deepEqual(figures, {
				endedWithinLimit: true,
				// The wait's error says "canceled", which n8n records as a cancelled execution.
				executionStatus: 'canceled',
				statusPolls: 0,
				runsInAac: 1,
				runStatus: 'InProgress',
				cancels: 0,
				runsStarted: 1,
				reuse: 0,
			});
			// Nothing n8n printed holds the refresh token.
			const printed = server.output.join('');
			for (const token of standIn.issuedRefreshTokens())
				assert.equal(printed.includes(token), false, "a refresh token in n8n's output");
		});
	},
);
