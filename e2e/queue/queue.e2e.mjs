// n8n 2.41.1 in queue mode (one main, two workers, PostgreSQL, Redis) with the credential in
// "Refresh Operation Only" mode: a keep-alive workflow (Schedule Trigger every 2/3 of the access
// token's lifetime → Alteryx Analytics Cloud: Refresh) is the one writer; reader workflows
// (Webhook → HTTP Request with the credential), called many at once by a load script, only read.
//
//   npm run test:queue                       (node --test --test-concurrency=1 e2e/queue/queue.e2e.mjs)
//   AAC_QUEUE_SECONDS=60 npm run test:queue  (shorter load; the default and the requirement is 300 s)
//
// Needs `npm run e2e:install` (n8n 2.41.1 and the packed package) and Debian's redis-server and
// postgresql. Writes e2e/queue/RESULTS.md.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { startStandIn } from '../../test/standin/aac-standin.mjs';
import { CREDENTIAL_TYPE, PACKED_PACKAGE, ROOT, createN8n, freePort } from '../lib/n8n.mjs';
import { failedLines, recordingTest } from '../lib/recording.mjs';
import { startPostgres, startRedis } from '../lib/services.mjs';
import * as wf from '../lib/workflows.mjs';
import { classify, runLoad } from './load.mjs';
import { startN8nProcess } from './processes.mjs';

const VERSION = '2.41.1';
/** Access-token lifetime at the stand-in, for minted and refreshed tokens alike. */
const TOKEN_TTL_SECONDS = 20;
/** The keep-alive schedule: 2/3 of the token lifetime. */
const KEEP_ALIVE_SECONDS = Math.floor((2 / 3) * TOKEN_TTL_SECONDS);
const LOAD_SECONDS = Number(process.env.AAC_QUEUE_SECONDS ?? 300);
const CONCURRENCY = Number(process.env.AAC_QUEUE_CONCURRENCY ?? 8);
const MAX_CALLS = Number(process.env.AAC_QUEUE_MAX_CALLS ?? 20_000);
const WORKERS = 2;
/** Finished jobs bull keeps in Redis (see queueEnv below); n8n's default is 0. */
const KEEP_LAST_FINISHED = process.env.AAC_QUEUE_KEEP_LAST_FINISHED ?? '1000';

const CRED = { id: 'aacQueue', name: 'AAC queue mode (Refresh Operation Only)' };
/** The control: same mode, an expired access token, and no keep-alive. Its readers must fail. */
const CONTROL_CRED = { id: 'aacQueueNoKeep', name: 'AAC queue mode, no keep-alive (control)' };
const CONTROL_READER_ID = 'aacReaderNoKeep';
const CONTROL_WEBHOOK_PATH = 'aac-queue-no-keep-alive';
const CONTROL_CALLS = 4;
const KEEP_ALIVE_ID = 'aacKeepAlive';
const READER_ID = 'aacReader';
const WEBHOOK_PATH = 'aac-queue-reader';
const RESULTS_FILE = join(ROOT, 'e2e', 'queue', 'RESULTS.md');

const seconds = (ms) => Math.round(ms / 100) / 10;
const ref = wf.credentialRef(CRED.id, CRED.name);
const controlRef = wf.credentialRef(CONTROL_CRED.id, CONTROL_CRED.name);

// --- workflows -------------------------------------------------------------------------------

const scheduleEvery = (name, everySeconds) => ({
	id: 'queue-schedule',
	name,
	type: 'n8n-nodes-base.scheduleTrigger',
	typeVersion: 1.2,
	position: [0, 0],
	parameters: { rule: { interval: [{ field: 'seconds', secondsInterval: everySeconds }] } },
});

const webhook = (name, path) => ({
	// Node ids go into varchar(36) columns (workflow_publication_trigger_status): keep them short.
	id: `wh-${path}`.slice(0, 36),
	name,
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position: [0, 0],
	webhookId: path,
	// "Respond: When Last Node Finishes" with its first item: the caller sees the HTTP Request outcome.
	parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', responseData: 'firstEntryJson', options: {} },
});

function workflows(apiUrl) {
	const keepAlive = wf.chain(KEEP_ALIVE_ID, `AAC keep-alive: every ${KEEP_ALIVE_SECONDS} s → Refresh`, [
		scheduleEvery(`Every ${KEEP_ALIVE_SECONDS} seconds`, KEEP_ALIVE_SECONDS),
		wf.aacNode('Refresh tokens', 'refresh', ref),
	]);
	// The HTTP Request's failures (any status, and errors such as the expired-token message) become
	// its output, so the webhook answers with them instead of a bare "workflow failed".
	const reader = wf.chain(READER_ID, 'AAC reader: Webhook → HTTP Request (predefined credential)', [
		webhook('Webhook', WEBHOOK_PATH),
		wf.httpWithCredential('Who am I', apiUrl, ref, { neverError: true, onError: 'continueRegularOutput' }),
	]);
	const controlReader = wf.chain(CONTROL_READER_ID, 'AAC reader without keep-alive (control)', [
		webhook('Webhook', CONTROL_WEBHOOK_PATH),
		wf.httpWithCredential('Who am I', apiUrl, controlRef, { neverError: true, onError: 'continueRegularOutput' }),
	]);
	return [keepAlive, reader, controlReader];
}

// --- the test --------------------------------------------------------------------------------

describe(`n8n ${VERSION} queue mode: one main, ${WORKERS} workers, PostgreSQL, Redis; keep-alive writer, webhook readers`, { timeout: 25 * 60_000 }, () => {
	const wallStarted = Date.now();
	const { check, outcomes } = recordingTest();

	let standIn;
	let redis;
	let postgres;
	let n8n;
	let main;
	const workers = [];
	let webhookUrl;
	/** Every answer the load script (and the probe) received, for the secrets check. */
	const responses = [];
	const figures = { boot: {}, probe: undefined, control: undefined, load: undefined, keepAlive: undefined, standIn: undefined, stored: undefined, secrets: undefined };
	const versions = {};

	const sql = (text) =>
		postgres
			.psql(text)
			.split('\n')
			.filter((line) => line.length)
			.map((line) => line.split('\t'));

	/** Keep-alive executions in PostgreSQL: [{id, status, startedAt, stoppedAt}] (ms). */
	const keepAliveRuns = () =>
		sql(
			`select id, status, round(extract(epoch from "startedAt") * 1000), round(extract(epoch from "stoppedAt") * 1000) from execution_entity where "workflowId" = '${KEEP_ALIVE_ID}' order by id`,
		).map(([id, status, startedAt, stoppedAt]) => ({ id: Number(id), status, startedAt: Number(startedAt) || undefined, stoppedAt: Number(stoppedAt) || undefined }));

	async function stopN8n() {
		await main?.stop();
		// Let a keep-alive that is still on a worker finish before the workers go.
		const deadline = Date.now() + 30_000;
		try {
			while (postgres && Date.now() < deadline && keepAliveRuns().some((run) => ['new', 'running', 'waiting'].includes(run.status))) await wait(500);
		} finally {
			await Promise.all(workers.map((worker) => worker.stop()));
		}
	}

	before(async () => {
		versions.node = process.version;
		versions.package = JSON.parse(readFileSync(join(PACKED_PACKAGE, 'package.json'), 'utf8')).version;
		try {
			versions.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
			if (execFileSync('git', ['status', '--porcelain', '--', 'nodes', 'credentials'], { cwd: ROOT, encoding: 'utf8' }).trim()) versions.commit += ' + uncommitted package changes';
		} catch {
			versions.commit = 'unknown';
		}
		versions.redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=([\d.]+)/)?.[1];

		const t0 = Date.now();
		standIn = await startStandIn({ accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
		[redis, postgres] = await Promise.all([startRedis({ name: 'queue-redis' }), startPostgres({ name: 'queue-postgres' })]);
		versions.postgres = postgres.psql('show server_version').trim();
		figures.boot.servicesSeconds = seconds(Date.now() - t0);

		const queueEnv = {
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: postgres.host,
			DB_POSTGRESDB_PORT: String(postgres.port),
			DB_POSTGRESDB_DATABASE: postgres.database,
			DB_POSTGRESDB_USER: postgres.user,
			DB_POSTGRESDB_PASSWORD: postgres.password,
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: redis.host,
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			// 2.41.1 warns at start-up unless manual executions go to the workers too (the future default).
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
			// n8n's default (0) removes a finished job from Redis at once. A job that a worker finishes
			// before the main reaches bull's job.finished() (workflow-runner.js, enqueueExecution) is
			// then neither "completed" nor "failed" and its completion event has already passed: the
			// main waits forever and a "respond when last node finishes" webhook never answers. Keeping
			// the last finished jobs closes that race. AAC_QUEUE_KEEP_LAST_FINISHED=0 reproduces it.
			N8N_EXECUTIONS_QUEUE_KEEP_LAST_COMPLETED: KEEP_LAST_FINISHED,
			N8N_EXECUTIONS_QUEUE_KEEP_LAST_FAILED: KEEP_LAST_FINISHED,
		};
		n8n = createN8n({ version: VERSION, name: 'queue', extraEnv: queueEnv });
		versions.n8nNode = n8n.nodeVersion;

		// Both pairs' access tokens have already expired: until the keep-alive's first Refresh a reader
		// fails with the expired message; for the control credential (no keep-alive), always.
		const pair = await standIn.mint({ accessTokenExpired: true });
		const controlPair = await standIn.mint({ accessTokenExpired: true });
		figures.controlPair = controlPair;
		const credential = (entry, tokens) => ({
			...entry,
			type: CREDENTIAL_TYPE,
			data: {
				accessToken: tokens.accessToken,
				refreshToken: tokens.refreshToken,
				allowCustomIssuer: true,
				apiBaseUrl: standIn.apiBaseUrl,
				refreshMode: 'refreshOperationOnly',
			},
		});
		const t1 = Date.now();
		await n8n.importCredentials([credential(CRED, pair), credential(CONTROL_CRED, controlPair)]);
		await n8n.importWorkflow(workflows(`${standIn.apiBaseUrl}/v4/people/current`));
		// 2.41.1 imports every workflow deactivated; `publish:workflow` activates the current
		// version (active + activeVersionId), which the main picks up when it starts.
		const published = await Promise.all([KEEP_ALIVE_ID, READER_ID, CONTROL_READER_ID].map((id) => n8n.run(['publish:workflow', `--id=${id}`], { label: `publish-${id}` })));
		for (const result of published) assert.equal(result.exitCode, 0, `${result.args.join(' ')} failed; see ${result.logFile}`);
		const active = sql(`select id from workflow_entity where active = true and "activeVersionId" is not null order by id`).map(([id]) => id);
		assert.deepEqual(active, [KEEP_ALIVE_ID, READER_ID, CONTROL_READER_ID].sort(), 'the workflows are published');
		figures.boot.cliSeconds = seconds(Date.now() - t1);

		// Main and workers, all at once: same database, same encryption key, own broker ports.
		const t2 = Date.now();
		const mainPort = await freePort();
		const base = `http://127.0.0.1:${mainPort}`;
		webhookUrl = `${base}/webhook/${WEBHOOK_PATH}`;
		const mainReady = startN8nProcess(n8n, {
			label: 'main',
			args: ['start'],
			env: { N8N_PORT: String(mainPort), N8N_EDITOR_BASE_URL: base, N8N_WEBHOOK_URL: `${base}/`, N8N_SECURE_COOKIE: 'false' },
			ready: async () => {
				const response = await fetch(`${base}/rest/settings`);
				return response.ok && (response.headers.get('content-type') ?? '').includes('json');
			},
		});
		const workerReady = Array.from({ length: WORKERS }, async (_, index) => {
			const healthPort = await freePort();
			return startN8nProcess(n8n, {
				label: `worker${index + 1}`,
				args: ['worker', '--concurrency=10'],
				env: {
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
					// Workers sharing one user folder would otherwise append to one n8nEventLog-worker.log.
					N8N_EVENTBUS_LOGWRITER_LOGFULLPATH: join(n8n.userFolder, '.n8n', `n8nEventLog-worker${index + 1}.log`),
				},
				ready: async (handle) => handle.text().includes('n8n worker is now ready') && (await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`)).ok,
			});
		});
		const started = await Promise.allSettled([mainReady, ...workerReady]);
		for (const result of started) if (result.status === 'fulfilled') (result.value.label === 'main' ? (main = result.value) : workers.push(result.value));
		const failed = started.find((result) => result.status === 'rejected');
		if (failed) throw failed.reason;
		workers.sort((a, b) => a.label.localeCompare(b.label));
		figures.boot.processesSeconds = seconds(Date.now() - t2);
		figures.boot.perProcess = [main, ...workers].map((p) => `${p.label} ${seconds(p.bootMs)} s`).join(', ');

		// The webhook is registered once the main has activated the reader. The first answer that
		// is not a 404 comes from a reader execution; if it ran before the keep-alive's first
		// Refresh it must be the expired message (positive control for the classification).
		const t3 = Date.now();
		for (;;) {
			const response = await fetch(webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"probe":true}' });
			const text = await response.text();
			if (response.status !== 404) {
				responses.push(text);
				const verdict = classify(response.status, text);
				figures.probe = { atSeconds: seconds(Date.now() - t2), status: response.status, ...verdict, refreshesBefore: standIn.stats().refreshGrantsOk };
				break;
			}
			if (Date.now() - t3 > 120_000) throw new Error(`the reader webhook was not registered within 120 s: ${response.status} ${text.slice(0, 300)}`);
			await wait(250);
		}

		// The control: readers of the credential that no keep-alive refreshes, several at once. Each
		// must fail with the expired message and none may refresh (checked at the end).
		const controlUrl = `${base}/webhook/${CONTROL_WEBHOOK_PATH}`;
		const control = await Promise.all(
			Array.from({ length: CONTROL_CALLS }, async () => {
				for (const deadline = Date.now() + 60_000; ; ) {
					const response = await fetch(controlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"control":true}' });
					const text = await response.text();
					if (response.status === 404 && Date.now() < deadline) {
						await wait(250); // not registered yet
						continue;
					}
					responses.push(text);
					return classify(response.status, text);
				}
			}),
		);
		figures.control = { calls: control.length, verdicts: control };

		// The load starts once a keep-alive Refresh has finished (rotated and saved).
		const t4 = Date.now();
		while (!keepAliveRuns().some((run) => run.status === 'success')) {
			const failedRun = keepAliveRuns().find((run) => ['error', 'crashed'].includes(run.status));
			if (failedRun) throw new Error(`keep-alive execution ${failedRun.id} ended ${failedRun.status}; see ${workers.map((w) => w.logFile).join(', ')}`);
			if (Date.now() - t4 > 60_000) throw new Error('no successful keep-alive execution within 60 s of the main being ready');
			await wait(250);
		}
		figures.boot.firstKeepAliveSeconds = seconds(Date.now() - t2);
		figures.boot.totalSeconds = seconds(Date.now() - wallStarted);
	});

	after(async () => {
		await stopN8n().catch((error) => console.error(`stopping n8n: ${error.message}`));
		await standIn?.close();
		await Promise.all([postgres?.stop(), redis?.stop()]);
		figures.wallSeconds = seconds(Date.now() - wallStarted);
		if (!n8n) return;
		const report = renderReport({ figures, outcomes, versions });
		writeFileSync(RESULTS_FILE, report);
		console.log(`\n${report}`);
	});

	check(`load: ${CONCURRENCY} concurrent webhook callers for ${LOAD_SECONDS} s (at most ${MAX_CALLS} calls); every reader call answered 200`, { timeout: (LOAD_SECONDS + 240) * 1000 }, async () => {
		const before = { stats: standIn.stats(), keepAlive: keepAliveRuns().filter((run) => run.status === 'success').length };
		const load = await runLoad({ url: webhookUrl, seconds: LOAD_SECONDS, concurrency: CONCURRENCY, maxCalls: MAX_CALLS, onResponse: (text) => responses.push(text) });
		const duringStats = standIn.stats();
		figures.load = { ...load, refreshesDuring: duringStats.refreshGrantsOk - before.stats.refreshGrantsOk, keepAliveBefore: before.keepAlive };

		// Stop the processes (main first: no new schedules or webhooks), then read what they did.
		await stopN8n();
		const stats = standIn.stats();
		figures.standIn = stats;
		const runs = keepAliveRuns();
		const succeeded = runs.filter((run) => run.status === 'success');
		const gaps = succeeded.slice(1).map((run, i) => run.stoppedAt - succeeded[i].stoppedAt);
		// Which worker ran which execution: each worker logs "Worker started execution <id>".
		const startedBy = new Map();
		for (const worker of workers) for (const match of worker.text().matchAll(/Worker started execution (\d+)/g)) startedBy.set(Number(match[1]), worker.label);
		const perWorker = Object.fromEntries(workers.map((worker) => [worker.label, { executions: 0, keepAlive: 0 }]));
		for (const label of startedBy.values()) perWorker[label].executions += 1;
		for (const run of runs) if (startedBy.has(run.id)) perWorker[startedBy.get(run.id)].keepAlive += 1;
		let handoffs = 0;
		for (let i = 1; i < succeeded.length; i++) if (startedBy.get(succeeded[i].id) !== startedBy.get(succeeded[i - 1].id)) handoffs += 1;
		const readerStatus = Object.fromEntries(sql(`select status, count(*) from execution_entity where "workflowId" = '${READER_ID}' group by status order by status`).map(([status, count]) => [status, Number(count)]));
		figures.keepAlive = {
			runs: runs.length,
			byStatus: runs.reduce((acc, run) => ({ ...acc, [run.status]: (acc[run.status] ?? 0) + 1 }), {}),
			maxGapSeconds: gaps.length ? seconds(Math.max(...gaps)) : undefined,
			meanGapSeconds: gaps.length ? seconds(gaps.reduce((a, b) => a + b, 0) / gaps.length) : undefined,
			maxDurationSeconds: succeeded.length ? seconds(Math.max(...succeeded.map((run) => run.stoppedAt - run.startedAt))) : undefined,
			handoffs,
			succeeded: succeeded.length,
		};
		figures.perWorker = perWorker;
		figures.readerExecutions = readerStatus;

		// The stored pair: the newest the stand-in issued, and alive.
		const exported = await n8n.exportCredentials();
		const stored = exported.find((entry) => entry.id === CRED.id)?.data;
		const issued = standIn.issuedRefreshTokens();
		const controlStored = exported.find((entry) => entry.id === CONTROL_CRED.id)?.data;
		figures.control.storedUnchanged =
			controlStored?.accessToken === figures.controlPair.accessToken && controlStored?.refreshToken === figures.controlPair.refreshToken;
		figures.control.familyAlive = await standIn.familyAlive(figures.controlPair.refreshToken);
		figures.stored = {
			found: Boolean(stored),
			isNewestIssued: stored?.refreshToken === issued.at(-1),
			familyAlive: stored ? await standIn.familyAlive(stored.refreshToken) : false,
			lastRotatedAt: stored?.lastRotatedAt,
			issuedRefreshTokens: issued.length,
		};

		assert.ok(load.calls > 0, 'the load made calls');
		assert.ok(load.durationMs >= LOAD_SECONDS * 1000 || load.stoppedBy === 'maxCalls', `the load ran for ${LOAD_SECONDS} s (or reached ${MAX_CALLS} calls)`);
		assert.equal(
			load.failed,
			0,
			`${load.failed} of ${load.calls} reader calls failed: ${JSON.stringify(load.byKind)}; first: ${JSON.stringify(load.failures.slice(0, 3))}`,
		);
	});

	check('keep-alive is the one writer: refreshes = successful keep-alive runs, every ~13 s, on both workers; readers never refresh', { timeout: 60_000 }, async () => {
		assert.ok(figures.standIn && figures.keepAlive, 'the load test ran');
		const { standIn: stats, keepAlive } = figures;
		assert.equal(keepAlive.byStatus.error ?? 0, 0, `keep-alive executions failed: ${JSON.stringify(keepAlive.byStatus)}`);
		assert.equal(keepAlive.byStatus.crashed ?? 0, 0, `keep-alive executions crashed: ${JSON.stringify(keepAlive.byStatus)}`);
		assert.equal(stats.refreshGrantsOk, keepAlive.succeeded, 'every refresh the stand-in saw is a successful keep-alive run: readers never refreshed');
		assert.equal(stats.tokenRequests, stats.refreshGrantsOk, 'no token request other than the keep-alive refreshes');
		assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token was presented once');
		// The schedule `*/13 * * * * *` fires at seconds 0, 13, 26, 39 and 52 of each minute: 5 a minute.
		const expected = (figures.load.durationMs / 60_000) * (60 / KEEP_ALIVE_SECONDS);
		const fired = (figures.load.durationMs / 60_000) * Math.ceil(60 / KEEP_ALIVE_SECONDS);
		assert.ok(
			figures.load.refreshesDuring >= Math.floor(expected) - 1 && figures.load.refreshesDuring <= Math.ceil(fired) + 1,
			`refreshes during the load (${figures.load.refreshesDuring}) ≈ ${seconds(figures.load.durationMs)} s / ${KEEP_ALIVE_SECONDS} s (${expected.toFixed(1)}; the cron fires ${fired.toFixed(1)} times)`,
		);
		assert.ok(keepAlive.maxGapSeconds < TOKEN_TTL_SECONDS, `every access token was replaced before it expired (largest gap between saves ${keepAlive.maxGapSeconds} s)`);
	});

	check('no reuse detection, family alive, the stored refresh token is the newest issued', { timeout: 60_000 }, async () => {
		assert.ok(figures.standIn && figures.stored, 'the load test ran');
		assert.equal(figures.standIn.reuseDetections, 0, 'reuse detections');
		assert.equal(figures.standIn.invalidGrants, 0, 'rejected refresh grants');
		assert.ok(figures.stored.found, 'the credential is still there');
		assert.ok(figures.stored.isNewestIssued, 'the stored refresh token is the newest the stand-in issued');
		assert.ok(figures.stored.familyAlive, 'the token family is alive at the end');
	});

	check(`readers never found the access token expired with a ${KEEP_ALIVE_SECONDS}-s keep-alive (2/3 of ${TOKEN_TTL_SECONDS} s); the message names the keep-alive workflow`, { timeout: 60_000 }, async () => {
		assert.ok(figures.load, 'the load test ran');
		assert.equal(figures.load.expired, 0, 'readers that found the access token expired (target: never)');
		assert.equal(figures.load.expiredRemedyMissing, 0, 'every expired message names the keep-alive workflow');
		// The positive control: readers of the credential without keep-alive found its access token
		// expired and failed with the message, without refreshing (the stand-in's token requests all
		// come from keep-alive runs, see the test above) and without touching the stored pair.
		const control = figures.control;
		assert.ok(control?.verdicts, 'the control ran');
		assert.deepEqual(
			control.verdicts.map((verdict) => verdict.kind),
			Array(CONTROL_CALLS).fill('expired'),
			`every control reader failed with the expired message: ${JSON.stringify(control.verdicts.find((verdict) => verdict.kind !== 'expired'))}`,
		);
		assert.ok(control.verdicts.every((verdict) => verdict.remedyNamesKeepAlive), 'the control message names the keep-alive workflow');
		assert.ok(control.storedUnchanged, "the control credential's stored pair is unchanged");
		assert.ok(control.familyAlive, "the control credential's family is alive (its refresh token was never sent)");
		// The first reader call: before or after the keep-alive's first Refresh, whichever came first.
		const probe = figures.probe;
		if (probe?.refreshesBefore === 0) {
			assert.equal(probe.kind, 'expired', `the reader before the first refresh failed with the expired message: ${JSON.stringify(probe)}`);
			assert.ok(probe.remedyNamesKeepAlive, 'its message names the keep-alive workflow');
		}
	});

	check('secrets: no issued refresh token in anything n8n printed, in the load responses or in the database', { timeout: 120_000 }, async () => {
		const tokens = standIn.issuedRefreshTokens().filter((token) => token.length >= 16);
		assert.ok(tokens.length >= 5, `the stand-in issued refresh tokens to look for (${tokens.length})`);
		const dumpFile = postgres.dump(join(postgres.dir, 'n8n.sql'));
		const dump = readFileSync(dumpFile, 'utf8');
		rmSync(dumpFile, { force: true });
		const haystacks = [
			...[main, ...workers].filter(Boolean).map((p) => ({ where: `${p.label} output (${p.logFile})`, text: p.text() })),
			...n8n.commands.flatMap((command) => [
				{ where: `${command.logFile} (stdout)`, text: command.stdout },
				{ where: `${command.logFile} (stderr)`, text: command.stderr },
			]),
			{ where: 'load responses', text: responses.join('\n') },
			{ where: 'pg_dump of the n8n database', text: dump },
		];
		// Positive control: the database holds the reader executions, the answers their outputs.
		assert.ok(dump.includes('standin@example.com'), 'the dump holds execution data');
		const leaks = [];
		for (const { where, text } of haystacks) {
			const hits = tokens.filter((token) => text.includes(token));
			if (hits.length) leaks.push(`${hits.length} refresh token(s) in ${where}`);
		}
		figures.secrets = {
			tokens: tokens.length,
			places: haystacks.length,
			megabytes: Math.round(haystacks.reduce((sum, h) => sum + h.text.length, 0) / 1e5) / 10,
			responses: responses.length,
			leaks,
		};
		assert.deepEqual(leaks, [], `refresh tokens found: ${leaks.join('; ')}`);
	});
});

// --- the report ------------------------------------------------------------------------------

function renderReport({ figures, outcomes, versions }) {
	const { load, standIn, keepAlive, stored, probe, boot, secrets } = figures;
	const yes = (value) => (value === undefined ? '?' : value ? 'yes' : 'NO');
	const passed = outcomes.filter((o) => o.passed).length;
	const lines = [
		'# Queue mode: keep-alive writer, webhook readers (n8n 2.41.1, 1 main + 2 workers)',
		'',
		`Written by \`npm run test:queue\` (e2e/queue/queue.e2e.mjs), run ${new Date().toISOString().slice(0, 16)}Z.`,
		`Tests: ${passed} of ${outcomes.length} passed.`,
		...failedLines(outcomes),
		'',
		'## Setup',
		'',
		`- n8n ${VERSION} on Node ${versions.n8nNode}, \`EXECUTIONS_MODE=queue\`: one main (\`n8n start\`) and ${WORKERS} workers (\`n8n worker --concurrency=10\`), each with its own task-broker port, one shared \`N8N_ENCRYPTION_KEY\`.`,
		`- PostgreSQL ${versions.postgres} (\`DB_TYPE=postgresdb\`) and Redis ${versions.redis}, throwaway instances on 127.0.0.1 (e2e/lib/services.mjs).`,
		`- Package n8n-nodes-alteryx-analytics-cloud@${versions.package} (${versions.commit}), installed as a community package; test driver on Node ${versions.node}.`,
		`- AAC stand-in (real oidc-provider, rotation + reuse detection): access tokens live ${TOKEN_TTL_SECONDS} s, minted and refreshed alike; the initial access token was already expired.`,
		`- Credential in "Refresh Operation Only" mode (refresh margin: default). Keep-alive: Schedule Trigger every ${KEEP_ALIVE_SECONDS} s (cron \`*/${KEEP_ALIVE_SECONDS} * * * * *\`, 2/3 of the lifetime) → Alteryx Analytics Cloud: Refresh. Reader: Webhook (respond when the last node finishes) → HTTP Request (predefined credential) GET /v4/people/current.`,
		`- Control: a second credential in the same mode with an expired access token and no keep-alive, read by its own webhook workflow ${CONTROL_CALLS} times at once right after start-up: its readers must fail with the expired message and must not refresh.`,
		`- Bull keeps the last ${KEEP_LAST_FINISHED} finished jobs in Redis (\`N8N_EXECUTIONS_QUEUE_KEEP_LAST_COMPLETED\`/\`_FAILED\`; n8n's default 0 lets a webhook that waits for the last node hang forever when a worker finishes the job before the main starts waiting for it: see e2e/queue/README.md).`,
		`- Load: ${load?.concurrency ?? CONCURRENCY} concurrent callers POSTing to the reader webhook for ${load?.seconds ?? LOAD_SECONDS} s (at most ${load?.maxCalls ?? MAX_CALLS} calls), started after the first keep-alive run succeeded.`,
		'',
		'## Figures',
		'',
		'| figure | value |',
		'| --- | --- |',
	];
	const row = (name, value) => lines.push(`| ${name} | ${value ?? 'not measured'} |`);
	if (load) {
		row('reader calls made', `${load.calls} in ${seconds(load.durationMs)} s (${load.callsPerSecond}/s; stopped by ${load.stoppedBy})`);
		row('reader calls answered 200 by AAC', load.ok);
		row('reader failures', load.failed === 0 ? '0' : `${load.failed}: ${Object.entries(load.byKind).map(([k, v]) => `${k} ${v}`).join(', ')}`);
		row('readers that found the access token expired (target: never)', load.expired);
		row('latency of a webhook call (ms)', `p50 ${load.latencyMs.p50}, p95 ${load.latencyMs.p95}, p99 ${load.latencyMs.p99}, max ${load.latencyMs.max}`);
		row(
			'refreshes during the load',
			`${load.refreshesDuring} (${seconds(load.durationMs)} s / ${KEEP_ALIVE_SECONDS} s = ${(load.durationMs / 1000 / KEEP_ALIVE_SECONDS).toFixed(1)}; the cron \`*/${KEEP_ALIVE_SECONDS}\` fires ${Math.ceil(60 / KEEP_ALIVE_SECONDS)} times a minute: ${((load.durationMs / 60_000) * Math.ceil(60 / KEEP_ALIVE_SECONDS)).toFixed(1)})`,
		);
	}
	if (standIn) {
		row('refreshes in all (stand-in: successful refresh grants)', standIn.refreshGrantsOk);
		row('token-endpoint requests in all', standIn.tokenRequests);
		row('reuse detections (must be 0)', standIn.reuseDetections);
		row('rejected refresh grants', standIn.invalidGrants);
		row('most uses of one refresh token', standIn.maxUsesOfOneRefreshToken);
		row('protected-resource calls: 200 / 401', `${standIn.apiOk} / ${standIn.apiUnauthorized}`);
	}
	if (keepAlive) {
		row('keep-alive executions', `${keepAlive.runs}: ${Object.entries(keepAlive.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`);
		row('gap between keep-alive saves (s)', `mean ${keepAlive.meanGapSeconds}, max ${keepAlive.maxGapSeconds} (token lifetime ${TOKEN_TTL_SECONDS})`);
		row('longest keep-alive execution (s)', keepAlive.maxDurationSeconds);
		row('keep-alive runs that moved to the other worker', `${keepAlive.handoffs} of ${Math.max(0, keepAlive.succeeded - 1)}`);
	}
	if (figures.perWorker) row('executions per worker (all / keep-alive)', Object.entries(figures.perWorker).map(([label, w]) => `${label}: ${w.executions} / ${w.keepAlive}`).join('; '));
	if (figures.readerExecutions) row('reader executions in PostgreSQL by status', Object.entries(figures.readerExecutions).map(([k, v]) => `${k} ${v}`).join(', '));
	if (stored) {
		row('family alive at the end', yes(stored.familyAlive));
		row('stored refresh token = newest issued', yes(stored.isNewestIssued));
		row('refresh tokens issued (minted + rotated)', stored.issuedRefreshTokens);
	}
	if (figures.control?.verdicts) {
		const { verdicts } = figures.control;
		const expired = verdicts.filter((verdict) => verdict.kind === 'expired');
		row(
			'control: readers of a credential without keep-alive (expired access token)',
			`${expired.length} of ${verdicts.length} failed with the expired message${expired.every((v) => v.remedyNamesKeepAlive) ? ', naming the keep-alive workflow' : ''}; stored pair unchanged: ${yes(figures.control.storedUnchanged)}; family alive: ${yes(figures.control.familyAlive)}${expired[0] ? `; message: "${expired[0].message}"` : ''}`,
		);
	}
	if (probe) {
		row(
			'probe: a reader before the first keep-alive Refresh',
			probe.refreshesBefore === 0
				? probe.ok
					? 'answered 200 (unexpected: the access token had expired)'
					: `failed as it must (${probe.kind}${probe.remedyNamesKeepAlive ? ', message names the keep-alive workflow' : ''})`
				: `ran after the first refresh (${probe.ok ? '200' : probe.kind})`,
		);
	}
	if (secrets) row('secrets', `${secrets.leaks.length ? secrets.leaks.join('; ') : 'no'} refresh token found among ${secrets.tokens} issued, in ${secrets.places} places (${secrets.megabytes} MB: main + worker output, CLI output, ${secrets.responses} webhook answers, pg_dump)`);
	row(
		'wall time',
		`${figures.wallSeconds} s (services ${boot.servicesSeconds ?? '?'} s; CLI import + publish ${boot.cliSeconds ?? '?'} s; main + workers ready ${boot.processesSeconds ?? '?'} s [${boot.perProcess ?? ''}]; first keep-alive done ${boot.firstKeepAliveSeconds ?? '?'} s after start)`,
	);
	if (load && Object.keys(load.byMessage).length) {
		lines.push('', '### Failure messages', '', '| count | message |', '| --- | --- |');
		for (const [message, count] of Object.entries(load.byMessage).sort((a, b) => b[1] - a[1])) lines.push(`| ${count} | ${message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
	}
	return `${lines.join('\n')}\n`;
}
