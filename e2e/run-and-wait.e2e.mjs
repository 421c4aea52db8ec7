// examples/run-plan-and-wait.json in real n8n (1.123.81 and 2.41.1), imported as users import it
// (credential mapped by name), against the AAC stand-in (real oidc-provider OAuth; our
// hand-written fake of AAC's v4 API). The plan run takes 25 s while access tokens live 10 s, so
// the wait spans token expiries: every poll goes through the credential, which refreshes and saves.
// Then a run that fails takes the other branch. One run started per execution.
// Run: node --test --test-concurrency=1 e2e/run-and-wait.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { CREDENTIAL_TYPE } from './lib/n8n.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';

const TOKEN_TTL_SECONDS = 10;
const RUN_MS = 25_000;

forEachN8n(
	'run a plan and wait (examples/run-plan-and-wait.json)',
	{ name: 'runwait', standIn: { accessTokenTtlSeconds: TOKEN_TTL_SECONDS }, timeout: 6 * 60_000 },
	(fx) => {
		let minted;
		// The example names its credential; the import maps the placeholder id to this one.
		const cred = { id: 'e2eRunWait', name: 'Alteryx Analytics Cloud' };
		const stored = async () =>
			(await fx.n8n.exportCredentials()).find((c) => c.id === cred.id).data;

		before(async () => {
			const { standIn, n8n } = fx;
			minted = await standIn.mint({ accessTokenExpired: true });
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
			await n8n.importWorkflow(wf.example('run-plan-and-wait.json', 'exRunWait'));
		});

		test('Complete after 25 s: the "Succeeded" branch; one run started; the wait spanned token expiries, every rotation saved, 0 reuse', async () => {
			const { standIn, n8n } = fx;
			const [workflow] = (await n8n.exportWorkflows()).filter((entry) => entry.id === 'exRunWait');
			assert.equal(
				workflow.nodes.find((node) => node.credentials)?.credentials[CREDENTIAL_TYPE]?.id,
				cred.id,
				'placeholder mapped to the credential by name',
			);
			standIn.api.setFixture({
				kind: 'plan',
				id: 1,
				queuedMs: 1000,
				runningMs: RUN_MS - 1000,
				outcome: 'Complete',
			});

			const run = await n8n.execute('exRunWait', { timeoutMs: 180_000 });
			assert.ok(
				run.succeeded,
				`n8n execute failed (exit ${run.exitCode}): ${wf.runError(run.json)?.message ?? 'no run JSON'} (log: ${run.logFile})`,
			);
			const [result] = wf.outputOf(run.json, 'Succeeded');
			assert.equal(result?.status, 'Complete', JSON.stringify(result));
			assert.ok(result.planRunId, 'the run id is in the output');
			assert.ok(result.durationSeconds >= 20, `duration ${result.durationSeconds} s`);
			assert.deepEqual(wf.outputOf(run.json, 'Failed or canceled'), []);

			const counters = standIn.api.counters();
			assert.equal(counters.runsStarted.plan?.['1'], 1, JSON.stringify(counters.runsStarted));
			const stats = standIn.stats();
			// 25 s of polling with 10-s tokens refreshed 5 s before expiry: several refreshes, each saved.
			assert.ok(stats.refreshGrantsOk >= 3, JSON.stringify(stats));
			assert.equal(stats.reuseDetections, 0, JSON.stringify(stats));
			assert.equal(stats.maxUsesOfOneRefreshToken, 1, JSON.stringify(stats));
			assert.equal(stats.apiUnauthorized, 0, 'no poll was sent with an expired token');
			const pair = await stored();
			assert.equal(pair.refreshToken === minted.refreshToken, false, 'the rotated pair was stored');
			const issued = standIn.issuedRefreshTokens();
			assert.equal(
				pair.refreshToken,
				issued[issued.length - 1],
				'the stored refresh token is the newest issued',
			);
			assert.equal(await standIn.familyAlive(pair.refreshToken), true);
		});

		test("a Failed run takes the other branch with AAC's reason; one more run started, 0 reuse", async () => {
			const { standIn, n8n } = fx;
			standIn.api.setFixture({
				kind: 'plan',
				id: 1,
				queuedMs: 500,
				runningMs: 1500,
				outcome: 'Failed',
			});
			const run = await n8n.execute('exRunWait', { timeoutMs: 180_000 });
			assert.ok(
				run.succeeded,
				`n8n execute failed (exit ${run.exitCode}): ${wf.runError(run.json)?.message ?? 'no run JSON'} (log: ${run.logFile})`,
			);
			const [result] = wf.outputOf(run.json, 'Failed or canceled');
			assert.equal(result?.status, 'Failed', JSON.stringify(result));
			assert.deepEqual(wf.outputOf(run.json, 'Succeeded'), []);
			assert.equal(standIn.api.counters().runsStarted.plan?.['1'], 2);
			assert.equal(standIn.stats().reuseDetections, 0);
		});
	},
);
