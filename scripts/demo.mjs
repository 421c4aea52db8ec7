// `npm run demo` (and `npm run dev`): the package's main job inside a real, pinned n8n (2.41.1,
// installed once into .tools/), with n8n's SQLite. Against the local AAC stand-in (the real
// oidc-provider, short-lived access tokens), or against the real AAC when AAC_ACCESS_TOKEN and
// AAC_REFRESH_TOKEN are set. Prints a report: never a raw token, only fingerprints.
//
//   node scripts/demo.mjs          run the main example a few times and report
//   node scripts/demo.mjs --dev    set up the same, then serve the n8n editor until Ctrl-C
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

import { CREDENTIAL_TYPE, ROOT, createN8n } from '../e2e/lib/n8n.mjs';
import { startServer } from '../e2e/lib/server.mjs';
import { outputOf, runError } from '../e2e/lib/workflows.mjs';
import { startStandIn } from '../standin/aac-standin.mjs';

const VERSION = '2.41.1';
const CREDENTIAL_ID = 'aacDemoCred';
const CREDENTIAL_NAME = 'Alteryx Analytics Cloud';
const dev = process.argv.includes('--dev');
const realAac = Boolean(process.env.AAC_ACCESS_TOKEN && process.env.AAC_REFRESH_TOKEN);
const say = (text) => process.stdout.write(`${text}\n`);
const fingerprint = (token) =>
	token ? createHash('sha256').update(String(token)).digest('hex').slice(0, 10) : '—';

function step(command, args) {
	const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
	if (result.status !== 0)
		throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

/** The example runs plan 1; against the real AAC the plan comes from AAC_DEMO_PLAN_ID. */
function withPlanId(workflow, planId) {
	for (const node of workflow.nodes)
		if (planId && node.parameters?.planId) node.parameters.planId.value = String(planId);
	return workflow;
}

/** An example workflow from examples/, pointed at the demo credential. */
function example(file, id) {
	const text = readFileSync(join(ROOT, 'examples', file), 'utf8').replaceAll(
		'REPLACE_ON_IMPORT',
		CREDENTIAL_ID,
	);
	return { ...JSON.parse(text), id, active: false };
}

say('1/4 build the package and install n8n 2.41.1 (first time: a few minutes, ~2.5 GB in .tools/)');
step('npm', ['run', '--silent', 'build']);
step('node', ['e2e/install.mjs', 'node24', `n8n-${VERSION}`]);

say(
	`2/4 AAC: ${realAac ? 'the real Alteryx Analytics Cloud (tokens from AAC_ACCESS_TOKEN / AAC_REFRESH_TOKEN)' : 'local stand-in (real OAuth server, access tokens live 30 s)'}`,
);
const standIn = realAac ? undefined : await startStandIn({ accessTokenTtlSeconds: 30 });
const credentialData = realAac
	? { accessToken: process.env.AAC_ACCESS_TOKEN, refreshToken: process.env.AAC_REFRESH_TOKEN }
	: {
			...(await standIn.mint({ accessTokenExpired: true })),
			allowCustomIssuer: true,
			refreshMarginSeconds: 3,
		};
if (standIn)
	say(
		`    issuer ${standIn.issuer}, client ${standIn.clientId}; the pasted access token has already expired`,
	);

say('3/4 import the credential and the example workflows into n8n');
const n8n = createN8n({ version: VERSION, name: dev ? 'dev' : 'demo' });
await n8n.importCredentials([
	{ id: CREDENTIAL_ID, name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: credentialData },
]);
await n8n.importWorkflow([
	example('token-to-downstream-node.json', 'aacTokenDemo'),
	example('list-plans-http-request.json', 'aacPlansDemo'),
	example('keep-alive-refresh.json', 'aacKeepAlive'),
	withPlanId(
		example('run-plan-and-wait.json', 'aacRunPlanDemo'),
		standIn ? '1' : process.env.AAC_DEMO_PLAN_ID,
	),
]);

let failed = false;

/**
 * examples/run-plan-and-wait.json: Plan → Run with "wait for completion", then an IF on the status.
 * On the stand-in the plan run takes 40 s, longer than one access token lives (30 s), so the
 * wait goes through a refresh; against the real AAC it runs plan 1 of your workspace only when
 * AAC_DEMO_PLAN_ID names a plan (running a real plan is not a demo's decision to make).
 */
async function runPlanAndWait() {
	const planId = standIn ? '1' : process.env.AAC_DEMO_PLAN_ID;
	if (!planId) {
		say('\n(plan run skipped: set AAC_DEMO_PLAN_ID to a plan of yours to run it and wait for it)');
		return;
	}
	if (standIn)
		standIn.api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 2000,
			runningMs: 38_000,
			outcome: 'Complete',
		});
	say(`\nrun plan ${planId} and wait for it (examples/run-plan-and-wait.json)`);
	const before = standIn && { token: standIn.stats().refreshGrantsOk, api: standIn.api.counters() };
	const run = await n8n.execute('aacRunPlanDemo', { timeoutMs: 10 * 60_000 });
	const error = runError(run.json);
	const [result] = [
		...outputOf(run.json, 'Succeeded'),
		...outputOf(run.json, 'Failed or canceled'),
	];
	if (error || !run.succeeded || result?.status !== 'Complete') failed = true;
	if (error) return say(`    failed: ${error.message}`);
	say(`    plan run ${result?.planRunId}: ${result?.status} after ${result?.durationSeconds} s`);
	if (standIn) {
		const api = standIn.api.counters();
		const polls =
			(api.requests.getPlanSnapshotRun ?? 0) - (before.api.requests.getPlanSnapshotRun ?? 0);
		const started = (api.runsStarted.plan?.['1'] ?? 0) - (before.api.runsStarted.plan?.['1'] ?? 0);
		say(
			`    runs started in AAC: ${started}, status requests: ${polls}, refreshes during the wait: ${standIn.stats().refreshGrantsOk - before.token}`,
		);
		if (started !== 1) failed = true;
	}
}

try {
	if (dev) {
		const server = await startServer(n8n, { port: 5678 });
		say(
			`4/4 n8n editor: ${server.url}  (create the owner account on first visit; the credential "${CREDENTIAL_NAME}" and the four examples are there). Ctrl-C stops.`,
		);
		await new Promise((resolveStop) => {
			process.once('SIGINT', resolveStop);
			process.once('SIGTERM', resolveStop);
		});
		await server.stop();
	} else {
		say('4/4 run the examples (each run boots n8n, ~10 s)\n');
		say('run  workflow                         refreshed  stored refresh token (sha256)  AAC call');
		const runs = [
			['aacTokenDemo', 'Get token → HTTP Request header', 'Get access token', 'Who am I'],
			['aacTokenDemo', 'Get token → HTTP Request header', 'Get access token', 'Who am I'],
			['aacPlansDemo', 'HTTP Request with the credential', undefined, 'List plans'],
			['aacTokenDemo', 'Get token → HTTP Request header', 'Get access token', 'Who am I'],
		];
		for (const [index, [id, label, tokenNode, callNode]] of runs.entries()) {
			if (index === 3 && standIn) await wait(30_000); // let the access token expire once more
			const before = standIn?.stats().refreshGrantsOk;
			const run = await n8n.execute(id);
			const error = runError(run.json);
			const stored = (await n8n.exportCredentials()).find(
				(credential) => credential.id === CREDENTIAL_ID,
			);
			const refreshed = tokenNode
				? outputOf(run.json, tokenNode)[0]?.refreshed
				: standIn
					? standIn.stats().refreshGrantsOk > before
					: '?';
			const call = error
				? `failed: ${error.message}`
				: outputOf(run.json, callNode).length > 0
					? 'HTTP 200'
					: 'no output';
			if (error || run.exitCode !== 0) failed = true;
			say(
				`${String(index + 1).padEnd(5)}${label.padEnd(33)}${String(refreshed === true ? 'yes' : refreshed === false ? 'no' : refreshed).padEnd(11)}${fingerprint(stored?.data?.refreshToken).padEnd(31)}${call}`,
			);
		}
		await runPlanAndWait();
		if (standIn) {
			const stats = standIn.stats();
			const alive = await standIn.familyAlive(
				(await n8n.exportCredentials()).find((c) => c.id === CREDENTIAL_ID).data.refreshToken,
			);
			say(
				`\nAAC stand-in: ${stats.tokenRequests} token requests, ${stats.refreshGrantsOk} refreshes, ${stats.reuseDetections} reuse detections, each refresh token used at most ${stats.maxUsesOfOneRefreshToken}×, token family alive: ${alive ? 'yes' : 'NO'}`,
			);
			if (stats.reuseDetections !== 0 || !alive) failed = true;
		}
		say(
			`n8n ${VERSION} home: ${n8n.userFolder} (logs in ${n8n.logDir}); run "npm run dev" to open the editor.`,
		);
	}
} finally {
	await standIn?.close();
}
process.exitCode = failed ? 1 : 0;
