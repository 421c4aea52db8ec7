// The Flow Trigger in real n8n (2.41.1 and 1.123.81) against the AAC stand-in in its strict world
// (real oidc-provider OAuth; our hand-written fake of AAC's v4 API, which calls n8n when a job
// finishes, with the task's body verbatim and unsigned): activation creates exactly one webhook
// task at n8n's webhook URL; a finished flow run starts exactly one execution with the expected
// item (found through the API: the body names no job); AAC repeating that delivery starts nothing;
// a forged delivery gets 401 and starts nothing; deactivation deletes the task. One `n8n start`
// per version.
// Run: node --test --test-concurrency=1 e2e/trigger-flow.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { CREDENTIAL_TYPE, PACKAGE_NAME } from './lib/n8n.mjs';
import { setUpOwner, startServer } from './lib/server.mjs';
import { forEachN8n } from './lib/versions.mjs';

const WORKFLOW_ID = 'wfFlowTrig';
const WEBHOOK_ID = '0b7f3c2e-5d41-4e8a-9c3b-7a1e2f4d6c58';
const FLOW_ID = 2;
const PROOF_HEADER = 'x-n8n-aac-proof';
// Flow 2 has one recipe, so one flow run is one job group and one delivery.
const SEED = {
	flows: [
		{ id: 1, name: 'Demo flow' },
		{ id: FLOW_ID, name: 'Nightly load' },
	],
	recipes: [
		{ id: 1, name: 'Demo recipe', flowId: 1 },
		{ id: 2, name: 'Demo recipe 2', flowId: 1 },
		{ id: 3, name: 'Load orders', flowId: FLOW_ID },
	],
};

/** Records what the workflow's HTTP Request node posts: one request per execution that got there. */
async function startReceiver() {
	const received = [];
	const server = createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			received.push(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		url: `http://127.0.0.1:${server.address().port}/item`,
		received,
		async waitFor(count, timeoutMs = 60_000) {
			const deadline = Date.now() + timeoutMs;
			while (received.length < count) {
				if (Date.now() > deadline)
					throw new Error(
						`receiver: ${received.length} of ${count} items after ${timeoutMs / 1000} s`,
					);
				await wait(100);
			}
		},
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

function workflow(receiverUrl, credential) {
	const trigger = {
		id: 'flow-trigger',
		name: 'AAC Flow Trigger',
		type: `${PACKAGE_NAME}.alteryxAnalyticsCloudFlowTrigger`,
		typeVersion: 1,
		position: [0, 0],
		webhookId: WEBHOOK_ID,
		parameters: { flowId: { __rl: true, mode: 'id', value: String(FLOW_ID) }, event: 'onJobDone' },
		credentials: { [CREDENTIAL_TYPE]: credential },
	};
	const report = {
		id: 'report',
		name: 'Report',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [220, 0],
		parameters: {
			method: 'POST',
			url: receiverUrl,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify($json) }}',
			options: {},
		},
	};
	return {
		id: WORKFLOW_ID,
		name: 'When a Nightly load job finishes',
		active: false,
		nodes: [trigger, report],
		connections: { [trigger.name]: { main: [[{ node: report.name, type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

forEachN8n(
	'the Flow Trigger (an AAC webhook task calling n8n)',
	{
		name: 'flowtrigger',
		standIn: { accessTokenTtlSeconds: 3600, api: { seed: SEED } },
		timeout: 5 * 60_000,
	},
	(fx) => {
		const { version } = fx;
		let standIn;
		let n8n;
		let server;
		let receiver;
		let cookie;
		let minted;
		const cred = { id: 'e2eFlowTrig', name: 'AAC flow trigger' };
		const webhookUrl = () => `${server.url}/webhook/${WEBHOOK_ID}/webhook`;
		/** A read of n8n's database; 1.x's SQLite (no WAL) is locked while n8n writes: try again. */
		const query = (sql) => {
			for (let attempt = 1; ; attempt++) {
				try {
					return n8n.queryDatabase(sql);
				} catch (error) {
					if (attempt >= 20 || !/database is locked/.test(String(error?.stderr ?? error?.message)))
						throw error;
					Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
				}
			}
		};
		const executions = () =>
			query(
				`select id, status from execution_entity where "workflowId" = '${WORKFLOW_ID}' order by id`,
			);
		const staticData = () =>
			JSON.parse(
				query(`select "staticData" as s from workflow_entity where id = '${WORKFLOW_ID}'`)[0].s ??
					'{}',
			);

		/** Runs flow 2 once in the stand-in; resolves with its delivery once n8n answered it. */
		async function finishFlowRun() {
			const before = standIn.api.webhookDeliveries().length;
			standIn.api.startRun({ kind: 'flow', id: FLOW_ID });
			const deadline = Date.now() + 30_000;
			for (;;) {
				const list = await standIn.api.flushWebhooks();
				if (list.length > before) return list[before];
				if (Date.now() > deadline) throw new Error('the stand-in sent no delivery within 30 s');
				await wait(100);
			}
		}

		before(async () => {
			({ standIn, n8n } = fx);
			standIn.api.setFixture({
				kind: 'flow',
				id: FLOW_ID,
				queuedMs: 200,
				runningMs: 300,
				outcome: 'Failed',
				failureReason: 'Disk full',
			});
			receiver = await startReceiver();
			minted = await standIn.mint();
			await n8n.importCredentials([
				{
					...cred,
					type: CREDENTIAL_TYPE,
					data: {
						accessToken: minted.accessToken,
						refreshToken: minted.refreshToken,
						allowCustomIssuer: true,
						apiBaseUrl: standIn.apiBaseUrl,
					},
				},
			]);
			await n8n.importWorkflow(workflow(receiver.url, cred));
			// Imports arrive deactivated; activate for the next start (2.x publishes a version, 1.x sets active).
			const activation = version.startsWith('1.')
				? await n8n.run(['update:workflow', `--id=${WORKFLOW_ID}`, '--active=true'], {
						label: 'activate',
					})
				: await n8n.run(['publish:workflow', `--id=${WORKFLOW_ID}`], { label: 'publish' });
			assert.equal(activation.exitCode, 0, `activating failed; see ${activation.logFile}`);
			server = await startServer(n8n);
			cookie = await setUpOwner(server);
		});

		after(async () => {
			await server?.stop();
			if (server) writeFileSync(join(n8n.logDir, 'n8n-start.log'), server.output.join(''));
			await receiver?.close();
		});

		test("activation: the stand-in has exactly one task, for the flow, at n8n's webhook URL, carrying the secret n8n stored", async () => {
			// n8n activates workflows once it is up; on a loaded machine that can take a while.
			const deadline = Date.now() + 120_000;
			while (standIn.api.webhookTasks().length === 0 && Date.now() < deadline) await wait(250);
			await wait(1000); // a second create would show by now
			const tasks = standIn.api.webhookTasks();
			assert.equal(tasks.length, 1, JSON.stringify(tasks));
			const [task] = tasks;
			assert.deepEqual(
				{
					url: task.url,
					flow: task.flow.id,
					triggerEvent: task.triggerEvent,
					triggerObject: task.triggerObject,
					signed: task.signed,
				},
				{
					url: webhookUrl(),
					flow: FLOW_ID,
					triggerEvent: 'onJobDone',
					triggerObject: 'any',
					signed: true,
				},
			);
			const state = staticData()['node:AAC Flow Trigger'];
			assert.equal(
				state?.webhookTaskId,
				task.id,
				`n8n's static data: ${JSON.stringify(Object.keys(state ?? {}))}`,
			);
			assert.equal(task.headers[PROOF_HEADER], state.secret);
			assert.equal(standIn.api.counters().requests.createWebhookFlowTask, 1);
		});

		test("a finished flow run: exactly one execution, with the job's item", async () => {
			const delivery = await finishFlowRun();
			assert.equal(delivery.responseStatus, 200, JSON.stringify(delivery));
			await receiver.waitFor(1);
			const [item] = receiver.received;
			const flowRun = standIn.api.runs().flowRuns.at(-1);
			assert.deepEqual(
				{
					jobId: item.jobId,
					status: item.status,
					succeeded: item.succeeded,
					flowId: item.flowId,
					flowRunId: item.flowRunId,
					recipeId: item.recipeId,
					webhookTaskId: item.webhookTaskId,
				},
				{
					jobId: delivery.jobGroupId,
					status: 'Failed',
					succeeded: false,
					flowId: FLOW_ID,
					flowRunId: flowRun.id,
					recipeId: 3,
					webhookTaskId: standIn.api.webhookTasks()[0].id,
				},
			);
			const text = JSON.stringify(item);
			for (const secret of [
				minted.accessToken,
				minted.refreshToken,
				staticData()['node:AAC Flow Trigger'].secret,
			])
				assert.equal(text.includes(secret), false);
			await wait(500); // the execution row is written as the run ends
			assert.deepEqual(
				executions().map((row) => row.status),
				['success'],
			);
		});

		test('AAC repeating the delivery starts nothing; the next job starts the second execution', async () => {
			const repeated = await standIn.api.repeatWebhookDelivery();
			assert.equal(repeated.responseStatus, 200, JSON.stringify(repeated));
			// The job is known in the cursor kept in n8n's database: the repeat found nothing new.
			assert.ok(
				staticData()['node:AAC Flow Trigger'].jobs.known.includes(repeated.jobGroupId),
				"remembered in n8n's database",
			);
			const next = await finishFlowRun();
			await receiver.waitFor(2);
			await wait(1000);
			assert.deepEqual(
				receiver.received.map((item) => item.jobId),
				[repeated.jobGroupId, next.jobGroupId],
			);
			assert.equal(executions().length, 2);
		});

		test('a forged delivery (no secret, or a wrong one): 401, no execution', async () => {
			const body = JSON.stringify({
				jobId: '999',
				jobStatus: 'Complete',
				flowId: String(FLOW_ID),
			});
			for (const headers of [{}, { [PROOF_HEADER]: 'f'.repeat(64) }]) {
				const response = await fetch(webhookUrl(), {
					method: 'POST',
					headers: { 'content-type': 'application/json', ...headers },
					body,
				});
				assert.equal(response.status, 401);
				assert.deepEqual(await response.json(), { message: 'Unauthorized' });
			}
			await wait(1000);
			assert.equal(executions().length, 2);
			assert.equal(receiver.received.length, 2);
		});

		test('with the secret header known (an attacker who read it): a forged job and a replayed old delivery start nothing; AAC is asked, the body is only a hint', async () => {
			const { secret } = staticData()['node:AAC Flow Trigger'];
			const before = standIn.api.counters().requests.getJobLibrary ?? 0;
			for (const jobId of ['999', String(receiver.received[0].jobId)]) {
				const response = await fetch(webhookUrl(), {
					method: 'POST',
					headers: { 'content-type': 'application/json', [PROOF_HEADER]: secret },
					body: JSON.stringify({ jobId, jobStatus: 'Complete', flowId: String(FLOW_ID) }),
				});
				assert.equal(response.status, 200);
			}
			const replayed = await standIn.api.repeatWebhookDelivery(0); // AAC's first delivery, again
			assert.equal(replayed.responseStatus, 200, JSON.stringify(replayed));
			await wait(1500);
			assert.equal(executions().length, 2);
			assert.equal(receiver.received.length, 2);
			assert.ok((standIn.api.counters().requests.getJobLibrary ?? 0) > before, 'AAC was asked');
		});

		test('deactivation deletes the task in the stand-in', async () => {
			const response = version.startsWith('1.')
				? await fetch(`${server.url}/rest/workflows/${WORKFLOW_ID}`, {
						method: 'PATCH',
						headers: { 'content-type': 'application/json', cookie },
						body: JSON.stringify({ active: false }),
					})
				: await fetch(`${server.url}/rest/workflows/${WORKFLOW_ID}/deactivate`, {
						method: 'POST',
						headers: { 'content-type': 'application/json', cookie },
						body: '{}',
					});
			assert.equal(response.status, 200, (await response.text()).slice(0, 300));
			// 2.41.1 may unpublish through an outbox: the webhooks go shortly after the answer.
			const deadline = Date.now() + 60_000;
			while (standIn.api.webhookTasks().length > 0 && Date.now() < deadline) await wait(250);
			assert.deepEqual(standIn.api.webhookTasks(), []);
			assert.equal(standIn.api.counters().requests.deleteWebhookFlowTask, 1);
		});
	},
);
