// AAC's documented contract in real n8n (1.123.81 and 2.41.1, side by side), installed as a
// community package, against the AAC stand-in in its strict world (standin/worlds.mjs; real
// oidc-provider OAuth, our hand-written fake of AAC's v4 API, which checks every request against
// standin/contract.json):
// - Plan → Run on a plan with missing flow references: AAC answers 201 with a plan run id that
//   never runs; the node fails at once, saying the plan did not start, and waits for nothing;
// - 25 Flow → Run items (without waiting) at the default pace: 25 runs, none fails, no 429 from
//   runFlow's quota of 20 a minute, each x-execution-id sent once (about 80 s);
// - no request outside the contract.
// Run: node --test --test-concurrency=1 e2e/contract.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';

const FLOW_ITEMS = 25;

forEachN8n(
	"AAC's documented contract in real n8n",
	{
		sideBySide: true,
		name: 'contract',
		timeout: 6 * 60_000,
		standIn: {
			accessTokenTtlSeconds: 600,
			api: {
				seed: {
					plans: [
						{ id: 1, name: 'Demo plan' },
						{ id: 2, name: 'Broken plan', validationStatus: 'MissingFlowReferences' },
					],
				},
			},
		},
	},
	(fx) => {
		const { version } = fx;
		let standIn;
		let n8n;
		const cred = { id: `e2eContract${version.split('.')[0]}`, name: 'AAC contract' };

		before(async () => {
			({ standIn, n8n } = fx);
			standIn.api.setFixture({ kind: 'flow', id: 1, queuedMs: 500, runningMs: 2000 });
			const minted = await standIn.mint();
			await n8n.importCredentials([wf.mintedCredential(cred, minted, standIn.apiBaseUrl)]);
			const credential = wf.credentialRef(cred.id, cred.name);
			await n8n.importWorkflow([
				wf.chain('ctrBroken', 'e2e plan with missing flow references', [
					wf.manualTrigger(),
					wf.aacOperation(
						'Run plan',
						{ resource: 'plan', operation: 'run', planId: wf.byId(2), options: {} },
						credential,
					),
				]),
				wf.chain('ctrFlows', 'e2e 25 flow runs', [
					wf.manualTrigger(),
					wf.makeArray('Ids', 'n', FLOW_ITEMS),
					wf.splitOut('Each', 'n'),
					wf.aacOperation(
						'Run flow',
						{
							resource: 'flow',
							operation: 'run',
							flowId: wf.byId(1),
							waitForCompletion: false,
							options: {},
						},
						credential,
					),
				]),
			]);
		});

		after(async () => {
			const violations = standIn?.api.contractViolations() ?? [];
			assert.deepEqual(violations, [], 'every request follows standin/contract.json');
		});

		test('Plan → Run on a plan with missing flow references fails at once: AAC did not start it', async () => {
			const started = Date.now();
			const run = await n8n.execute('ctrBroken');
			assert.equal(run.succeeded, false);
			const error = wf.runError(run.json);
			assert.match(
				String(error?.message),
				/^AAC did not start plan 2: validationStatus MissingFlowReferences/,
			);
			assert.match(String(error?.description), /will not run/);
			const counters = standIn.api.counters();
			assert.equal(counters.requests.runPlan, 1);
			assert.equal(
				counters.requests.getPlanSnapshotRun ?? 0,
				0,
				'no wait on a run that never runs',
			);
			assert.ok(Date.now() - started < 60_000);
		});

		test(`${FLOW_ITEMS} Flow → Run items at the default pace: ${FLOW_ITEMS} runs, none failed, no 429, each x-execution-id once`, async () => {
			const started = Date.now();
			const run = await n8n.execute('ctrFlows');
			assert.ok(
				run.succeeded,
				`n8n execute failed (exit ${run.exitCode}): ${wf.runError(run.json)?.message ?? 'no run JSON'} (log: ${run.logFile})`,
			);
			const out = wf.outputOf(run.json, 'Run flow');
			assert.equal(out.length, FLOW_ITEMS);
			assert.equal(new Set(out.map((o) => o.flowRunId)).size, FLOW_ITEMS);
			const counters = standIn.api.counters();
			assert.deepEqual(counters.runsStarted.flow, { 1: FLOW_ITEMS });
			assert.equal(counters.tooManyRequests, 0, 'paced within runFlow’s 20 a minute');
			const posts = Object.entries(counters.postsPerExecutionId)
				.filter(([executionId]) => executionId.includes(':ctrFlows:'))
				.map(([, n]) => n);
			assert.equal(posts.length, FLOW_ITEMS);
			assert.ok(posts.every((n) => n === 1));
			// 3 at once, then 17 a minute: the 25th at about 78 s.
			assert.ok(Date.now() - started > 70_000, `took ${Date.now() - started} ms`);
		});
	},
);
