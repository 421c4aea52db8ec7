// The Alteryx Analytics Cloud Token Keeper in real n8n 1.123.81 and 2.41.1 (regular mode, SQLite),
// side by side: `n8n start` with two active keeper workflows, examples/token-keeper.json as users
// import it, each on its own credential and its own AAC stand-in (real oidc-provider), polling
// every minute (the shortest n8n allows) with Idle Hours 0.01 (36 s: every poll finds the refresh
// token idle long enough). Once n8n is up, the stand-ins give refresh tokens an idle lifetime of
// 90 s: a refresh token not used within 90 s of its issue is dead.
// - "kept": watched for 3 lifetimes (270 s) and more. Asserted: every refresh token used in time
//   (each refresh within 90 s of the one before), the family alive at the end and the credential
//   holding its newest refresh token, 0 reuse, and 0 executions of the keeper. A control pair from
//   the same stand-in, minted at the same moment and used by nobody, must be dead by then.
// - "dead": its family revoked in the stand-in after the keeper's first refresh. Asserted: the next
//   poll fails the workflow with the keeper's error (one error execution whose message says AAC
//   rejected the refresh token and how to generate a new pair), the credential records the
//   rejection (a fingerprint, not the token), and for the 2 polls after it nothing is sent and
//   nothing more is recorded.
//
//   node --test --test-concurrency=1 e2e/token-keeper.e2e.mjs   (after npm run e2e:install)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { freePort } from './lib/n8n.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';
import { startMain } from './queue/processes.mjs';

const KEPT_ID = 'keeperKept';
const DEAD_ID = 'keeperDead';
/** The refresh tokens' idle lifetime at the stand-ins, once n8n is up (oidc-provider: whole seconds). */
const IDLE_LIFETIME_SECONDS = 90;
const LIFETIMES = 3;
/** Idle Hours of both keepers: 36 s, less than the minute between two polls. */
const IDLE_HOURS = 0.01;
/** After the rejection, this long without another token request or execution: 2 polls. */
const QUIET_AFTER_REJECTION_MS = 130_000;

async function until(what, check, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline)
			throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
		await wait(500);
	}
}

/** examples/token-keeper.json with this id, Idle Hours and (unless mapped by name) credential. */
function keeperWorkflow(id, credential) {
	const workflow = wf.example('token-keeper.json', id);
	workflow.name = `${workflow.name} (${id})`;
	const [keeper] = workflow.nodes;
	keeper.parameters.idleHours = IDLE_HOURS;
	if (credential) keeper.credentials = wf.credentialRef(credential.id, credential.name);
	return workflow;
}

forEachN8n(
	'Alteryx Analytics Cloud Token Keeper in real n8n',
	{ sideBySide: true, name: 'token-keeper', timeout: 12 * 60_000 },
	(fx) => {
		const { version, major } = fx;
		// "kept" is named as the example expects, so the import maps it by name.
		const kept = { id: `keepKept${major}`, name: 'Alteryx Analytics Cloud' };
		const dead = { id: `keepDead${major}`, name: 'AAC whose family gets revoked' };
		const figures = {};
		const started = Date.now();
		let keptStandIn;
		let deadStandIn;
		let n8n;
		let main;
		let control;
		let upAt;

		before(async () => {
			({ standIn: keptStandIn, n8n } = fx);
			deadStandIn = await fx.startStandIn();
			await n8n.importCredentials([
				wf.mintedCredential(kept, await keptStandIn.mint(), keptStandIn.apiBaseUrl),
				wf.mintedCredential(dead, await deadStandIn.mint(), deadStandIn.apiBaseUrl),
			]);
			await n8n.importWorkflow([keeperWorkflow(KEPT_ID), keeperWorkflow(DEAD_ID, dead)]);
			for (const id of [KEPT_ID, DEAD_ID]) {
				const args = version.startsWith('1.')
					? ['update:workflow', `--id=${id}`, '--active=true']
					: ['publish:workflow', `--id=${id}`];
				const result = await n8n.run(args, { label: `activate-${id}` });
				assert.equal(result.exitCode, 0, `activating ${id} failed; see ${result.logFile}`);
			}
			const port = await freePort();
			main = await startMain(n8n, { port });
			figures.bootSeconds = Math.round(main.bootMs / 1000);
			// From now on refresh tokens die unused after 90 s; the control pair is used by nobody.
			keptStandIn.setRefreshTokenTtl(IDLE_LIFETIME_SECONDS);
			deadStandIn.setRefreshTokenTtl(IDLE_LIFETIME_SECONDS);
			control = await keptStandIn.mint();
			upAt = Date.now();
		});

		after(async () => {
			await main?.stop();
			figures.wallSeconds = Math.round((Date.now() - started) / 1000);
			console.log(`\ntoken keeper in n8n ${version}: ${JSON.stringify(figures)}`);
		});

		const executions = (workflowId) =>
			n8n.queryDatabase(
				`SELECT e.id, e.status, e.mode, d.data FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = '${workflowId}' ORDER BY e.id`,
			);

		test('a refresh token with a 90-s idle lifetime kept alive for 3 lifetimes and more, 0 executions; the one nobody used is dead', async () => {
			// The dead keeper's part runs alongside: revoke its family after its first refresh.
			const deadPart = (async () => {
				await until(
					'the dead keeper to refresh once',
					() => deadStandIn.refreshLog().some((entry) => entry.ok),
					150_000,
				);
				const revoked = await deadStandIn.revokeFamily(deadStandIn.issuedRefreshTokens().at(-1));
				assert.ok(revoked.revoked, 'the family was revoked in the stand-in');
				figures.deadRevokedAfterSeconds = Math.round((Date.now() - upAt) / 1000);
				const [failed] = await until(
					"the dead keeper's error execution",
					() => {
						const rows = executions(DEAD_ID).filter((row) => row.status === 'error');
						return rows.length ? rows : undefined;
					},
					150_000,
				);
				figures.deadErrorAfterSeconds = Math.round((Date.now() - upAt) / 1000);
				const requestsAtError = deadStandIn.stats().tokenRequests;
				await wait(QUIET_AFTER_REJECTION_MS);
				return { failed, requestsAtError };
			})();

			await wait(LIFETIMES * IDLE_LIFETIME_SECONDS * 1000 + 20_000 - (Date.now() - upAt));
			const log = keptStandIn.refreshLog();
			const stats = keptStandIn.stats();
			const refreshes = log.filter((entry) => entry.at >= upAt);
			const gaps = refreshes.slice(1).map((entry, i) => entry.at - refreshes[i].at);
			figures.kept = {
				refreshes: log.length,
				afterStart: refreshes.length,
				maxGapSeconds: Math.round(Math.max(...gaps) / 1000),
				watchedSeconds: Math.round((Date.now() - upAt) / 1000),
				tokenRequests: stats.tokenRequests,
			};
			assert.ok(
				log.every((entry) => entry.ok),
				`every refresh succeeded: ${JSON.stringify(log)}`,
			);
			assert.equal(stats.tokenRequests, log.length, 'token requests = refreshes');
			assert.equal(stats.reuseDetections, 0, 'reuse detections');
			assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token sent once');
			assert.ok(
				refreshes.length >= LIFETIMES,
				`at least one refresh per lifetime watched: ${refreshes.length}`,
			);
			assert.ok(
				refreshes[0].at - upAt < IDLE_LIFETIME_SECONDS * 1000,
				'the first refresh after start came within a lifetime',
			);
			assert.ok(
				Math.max(...gaps) < (IDLE_LIFETIME_SECONDS - 1) * 1000,
				`each refresh token was used before it died (largest gap ${figures.kept.maxGapSeconds} s)`,
			);
			const exported = await n8n.exportCredentials();
			const stored = exported.find((entry) => entry.id === kept.id)?.data;
			assert.equal(
				stored?.refreshToken,
				keptStandIn.issuedRefreshTokens().at(-1),
				'the credential holds the newest refresh token',
			);
			assert.equal(await keptStandIn.familyAlive(stored.refreshToken), true, 'family alive');
			assert.equal(
				await keptStandIn.familyAlive(control.refreshToken),
				false,
				'the control pair, used by nobody, died of its idle lifetime',
			);
			assert.deepEqual(executions(KEPT_ID), [], 'the keeper started no execution');

			const { failed, requestsAtError } = await deadPart;
			const deadRows = executions(DEAD_ID);
			figures.dead = {
				executions: deadRows.map((row) => `${row.status}/${row.mode}`),
				tokenRequests: deadStandIn.stats().tokenRequests,
				refusals: deadStandIn.refreshLog().filter((entry) => !entry.ok).length,
			};
			assert.equal(deadRows.length, 1, 'one execution: the error the keeper threw, once');
			assert.equal(failed.mode, 'trigger');
			const data = String(failed.data ?? '');
			assert.match(data, /Alteryx Analytics Cloud rejected the refresh token/);
			assert.match(data, /User Preferences → OAuth 2\.0 API Tokens → Generate/);
			assert.match(data, /does not send this refresh token again/);
			assert.equal(
				deadStandIn.stats().tokenRequests,
				requestsAtError,
				'nothing sent in the 2 polls after the rejection',
			);
			assert.equal(figures.dead.refusals, 1, 'the rejected refresh token was sent once');
			const deadStored = (await n8n.exportCredentials()).find(
				(entry) => entry.id === dead.id,
			)?.data;
			assert.match(String(deadStored?.refreshTokenRejection), /"hash":"[0-9a-f]{64}"/);
			assert.ok(
				!String(deadStored?.refreshTokenRejection).includes(deadStored.refreshToken),
				'the rejection record holds no token',
			);

			const output = main.text();
			const leaked = [
				...keptStandIn.issuedRefreshTokens(),
				...deadStandIn.issuedRefreshTokens(),
			].filter((token) => output.includes(token));
			assert.deepEqual(leaked, [], 'no refresh token in what n8n printed');
		});
	},
);
