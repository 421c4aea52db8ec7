// The polling trigger (Alteryx Analytics Cloud Trigger) in real n8n 1.123.81 and 2.41.1, side by
// side (about 3 minutes for both): `n8n start` with two active workflows polling every minute
// against the AAC stand-in (real oidc-provider OAuth; our hand-written fake of AAC's v4 API):
// - "every finished run": trigger (all final statuses) → HTTP Request to a local receiver;
// - examples/alert-on-failed-plan-run.json as users import it (credential mapped by name; only its
//   alert URL pointed at the receiver): trigger (Failed) → HTTP Request.
// After both workflows' first poll (which records what already finished: one run finished
// before it must never come), three plan runs finish (one Failed; two at the same instant). Asserted
// after the next poll and once more after the one after it (no duplicates over two polls): one
// execution per workflow with one item per run, the alert only for the failed run, every request
// one per poll.
//
//   node --test --test-concurrency=1 e2e/trigger-poll.e2e.mjs   (after npm run e2e:install)
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { CREDENTIAL_TYPE, PACKAGE_NAME, freePort } from './lib/n8n.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';
import { startMain } from './queue/processes.mjs';

const TRIGGER_TYPE = `${PACKAGE_NAME}.alteryxAnalyticsCloudTrigger`;
const ALL_ID = 'trigPollAll';
const ALERT_ID = 'trigPollAlert';
const JOBS_ID = 'trigPollJobs';
const POLL_WAIT_MS = 150_000; // a poll every minute, at one random second of it, on a loaded machine

/** Records every POST (JSON body) by path. */
async function startReceiver() {
	const received = [];
	const server = createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			let body;
			try {
				body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
			} catch {
				body = Buffer.concat(chunks).toString('utf8');
			}
			received.push({ path: req.url, body });
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end('{"ok":true}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		received,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Job Finished (every final status, every minute) → POST each item, with its index, to `url`. */
function everyFinishedJob(url, credential) {
	const workflow = everyFinishedRun(url, credential);
	const [trigger, record] = workflow.nodes;
	return {
		...workflow,
		id: JOBS_ID,
		name: 'AAC trigger e2e: every finished job',
		nodes: [
			{
				...trigger,
				id: 'trig-poll-jobs-1',
				parameters: { ...trigger.parameters, event: 'jobFinished' },
			},
			{
				...record,
				id: 'trig-poll-jobs-2',
				parameters: {
					...record.parameters,
					jsonBody:
						'={{ JSON.stringify({ item: $json, index: $itemIndex, n8nExecutionId: $execution.id }) }}',
				},
			},
		],
	};
}

/** Trigger (all final statuses, every minute) → POST each item to `url`. */
function everyFinishedRun(url, credential) {
	return {
		id: ALL_ID,
		name: 'AAC trigger e2e: every finished plan run',
		active: false,
		nodes: [
			{
				id: 'trig-poll-all-1',
				name: 'Plan run finished',
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					event: 'planRunFinished',
					statuses: ['Canceled', 'Complete', 'Failed'],
				},
				credentials: credential,
			},
			{
				id: 'trig-poll-all-2',
				name: 'Record',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [260, 0],
				parameters: {
					method: 'POST',
					url,
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify({ item: $json, n8nExecutionId: $execution.id }) }}',
					options: {},
				},
			},
		],
		connections: { 'Plan run finished': { main: [[{ node: 'Record', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

async function until(what, check, timeoutMs = POLL_WAIT_MS) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await wait(500);
	}
}

forEachN8n(
	'Alteryx Analytics Cloud Trigger in real n8n',
	{
		sideBySide: true,
		name: 'trigger-poll',
		standIn: { accessTokenTtlSeconds: 600 },
		timeout: 8 * 60_000,
	},
	(fx) => {
		const { version } = fx;
		let standIn;
		let n8n;
		let receiver;
		let main;
		const figures = {};
		const started = Date.now();
		const cred = { id: `e2eTrig${version.split('.')[0]}`, name: 'Alteryx Analytics Cloud' };

		before(async () => {
			({ standIn, n8n } = fx);
			receiver = await startReceiver();
			const pair = await standIn.mint();
			await n8n.importCredentials([
				{
					...cred,
					type: CREDENTIAL_TYPE,
					data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl },
				},
			]);
			const alert = wf.example('alert-on-failed-plan-run.json', ALERT_ID);
			const send = alert.nodes.find((node) => node.name === 'Send alert');
			send.parameters.url = `${receiver.url}/alert`;
			await n8n.importWorkflow([
				everyFinishedRun(`${receiver.url}/all`, wf.credentialRef(cred.id, cred.name)),
				alert,
				everyFinishedJob(`${receiver.url}/jobs`, wf.credentialRef(cred.id, cred.name)),
			]);
			// 1.x: update:workflow --active=true; 2.x imports deactivated and publishes instead.
			for (const id of [ALL_ID, ALERT_ID, JOBS_ID]) {
				const args = version.startsWith('1.')
					? ['update:workflow', `--id=${id}`, '--active=true']
					: ['publish:workflow', `--id=${id}`];
				const result = await n8n.run(args, { label: `activate-${id}` });
				assert.equal(result.exitCode, 0, `activating ${id} failed; see ${result.logFile}`);
			}
			// Runs: 2 s each, started by the tests through the admin API (as a schedule would).
			standIn.api.setFixture({
				kind: 'plan',
				id: 1,
				queuedMs: 0,
				runningMs: 2000,
				outcome: 'Complete',
			});
			const beforeActivation = standIn.api.startRun({ kind: 'plan', id: 1 }).planSnapshotRunId;
			await until(
				'the run before activation to finish',
				() =>
					standIn.api.runs().planRuns.find((r) => r.id === beforeActivation)?.status === 'Complete',
				10_000,
			);
			figures.beforeActivation = beforeActivation;

			const port = await freePort();
			main = await startMain(n8n, { port });
			figures.bootSeconds = Math.round(main.bootMs / 1000);
		});

		after(async () => {
			await main?.stop();
			await receiver?.close();
			figures.wallSeconds = Math.round((Date.now() - started) / 1000);
			console.log(`\ntrigger (polling) in n8n ${version}: ${JSON.stringify(figures)}`);
		});

		const polls = () => standIn.api.counters().requests.listPlanSnapshotRuns ?? 0;
		const jobPolls = () => standIn.api.counters().requests.getJobLibrary ?? 0;
		const executions = () =>
			n8n
				.queryDatabase('SELECT id, workflowId, status, mode FROM execution_entity ORDER BY id')
				.filter((row) => [ALL_ID, ALERT_ID].includes(row.workflowId));

		test('each finished run starts its workflows once, over two polls: one execution per workflow, one item per run, the alert for the failed run only', async () => {
			const [imported] = (await n8n.exportWorkflows()).filter((entry) => entry.id === ALERT_ID);
			assert.equal(
				imported.nodes[0].credentials[CREDENTIAL_TYPE].id,
				cred.id,
				"the example's credential was mapped by name",
			);

			// Both workflows' first poll (the activation poll): one request each, nothing emitted.
			await until('the first poll of the three workflows', () => polls() >= 2 && jobPolls() >= 1);
			figures.firstPollsAfterBootSeconds =
				Math.round((Date.now() - started) / 1000) - figures.bootSeconds;
			const afterFirst = polls();

			// Three runs finish: one Failed, two Complete at the same instant (identical timestamps).
			const failed = standIn.api.startRun({ kind: 'plan', id: 1 }).planSnapshotRunId;
			const together = standIn.api
				.startRun({ kind: 'plan', id: 1, count: 2 })
				.runs.map((r) => r.planSnapshotRunId);
			standIn.api.finishRun({ kind: 'planRun', id: failed, outcome: 'Failed' });
			await until(
				'the two runs to finish',
				() =>
					together.every(
						(id) => standIn.api.runs().planRuns.find((r) => r.id === id)?.status === 'Complete',
					),
				10_000,
			);
			const finished = standIn.api.runs().planRuns.filter((r) => together.includes(r.id));
			assert.equal(
				finished[0].finishedAt,
				finished[1].finishedAt,
				'the two runs finished at the same instant',
			);

			await until(
				'the next poll of both workflows and their executions',
				() => polls() >= afterFirst + 2 && receiver.received.length >= 4,
			);
			await until('the executions to be saved', () => executions().length >= 2, 30_000);
			const afterSecond = polls();
			// One poll more for both: nothing new may come.
			await until('one more poll of both workflows', () => polls() >= afterSecond + 2);
			await wait(5000); // anything a duplicate would start has started by now
			figures.polls = polls();

			const all = receiver.received.filter((r) => r.path === '/all');
			const alerts = receiver.received.filter((r) => r.path === '/alert');
			figures.received = { all: all.length, alert: alerts.length };
			const ids = all.map((r) => Number(r.body.item.planRunId)).sort((a, b) => a - b);
			assert.deepEqual(
				ids,
				[failed, ...together].sort((a, b) => a - b),
				'every run that finished after activation once, the earlier one never',
			);
			assert.equal(
				new Set(all.map((r) => r.body.n8nExecutionId)).size,
				1,
				'the three came in one execution',
			);
			const byId = Object.fromEntries(all.map((r) => [Number(r.body.item.planRunId), r.body.item]));
			assert.equal(byId[failed].status, 'Failed');
			assert.equal(byId[together[0]].status, 'Complete');
			assert.equal(byId[failed].planName, 'Demo plan');
			assert.equal(typeof byId[failed].durationSeconds, 'number');
			assert.ok(byId[failed].finishedAt && byId[failed].createdAt, JSON.stringify(byId[failed]));

			assert.equal(alerts.length, 1, JSON.stringify(alerts));
			assert.equal(Number(alerts[0].body.planRunId), failed);
			assert.equal(alerts[0].body.status, 'Failed');
			assert.match(
				alerts[0].body.text,
				/^Alteryx plan "Demo plan" \(ID 1\) failed: run \d+, finished /,
			);

			const rows = executions();
			figures.executions = rows.map((row) => `${row.workflowId}:${row.status}:${row.mode}`);
			assert.equal(rows.filter((row) => row.workflowId === ALL_ID).length, 1, JSON.stringify(rows));
			assert.equal(
				rows.filter((row) => row.workflowId === ALERT_ID).length,
				1,
				JSON.stringify(rows),
			);
			assert.ok(
				rows.every((row) => row.status === 'success' && row.mode === 'trigger'),
				JSON.stringify(rows),
			);
			assert.equal(standIn.stats().reuseDetections, 0);
		});

		test('jobs: oldest first by the time they finished (not by id); a failed job whose reason AAC will not show (403) has failureReason null, and the next poll goes on', async () => {
			const jobsReceived = () => receiver.received.filter((r) => r.path === '/jobs');
			await until('the first poll of the jobs workflow', () => jobPolls() >= 1);
			standIn.api.setFixture({ kind: 'recipe', id: 1, queuedMs: 0, runningMs: 600_000 });
			const start = () => standIn.api.startRun({ kind: 'recipe', id: 1 }).jobGroupId;
			const [earlierId, laterId] = [start(), start()];
			await wait(2500); // so that a finish 2 s ago is still after they started
			// Both end now, in one poll: the job with the higher id finished 2 s earlier (its stamps
			// say so); the other Failed and its reason cannot be read (another user's job: 403).
			standIn.api.addFault({ endpoint: 'getJobGroupJobs', status: 403, times: null });
			standIn.api.finishRun({
				kind: 'jobGroup',
				id: laterId,
				outcome: 'Complete',
				stampOffsetMs: -2000,
			});
			standIn.api.finishRun({ kind: 'jobGroup', id: earlierId, outcome: 'Failed' });
			await until('the two jobs at the receiver', () => jobsReceived().length >= 2);
			const first = jobsReceived()
				.slice(0, 2)
				.sort((a, b) => a.body.index - b.body.index)
				.map((r) => r.body.item);
			assert.deepEqual(
				first.map((item) => [Number(item.jobId), item.status, item.failureReason]),
				[
					[laterId, 'Complete', null],
					[earlierId, 'Failed', null],
				],
			);
			assert.ok(Date.parse(first[0].finishedAt) < Date.parse(first[1].finishedAt));
			// Polling goes on: the next job comes, with its reason once AAC shows it.
			standIn.api.clearFaults();
			const next = start();
			standIn.api.finishRun({ kind: 'jobGroup', id: next, outcome: 'Failed' });
			await until('the next job at the receiver', () => jobsReceived().length >= 3);
			const third = jobsReceived()[2].body.item;
			assert.equal(Number(third.jobId), next);
			assert.match(String(third.failureReason), /Job failed/);
			await wait(3000);
			assert.equal(jobsReceived().length, 3, 'each job once');
		});
	},
);
