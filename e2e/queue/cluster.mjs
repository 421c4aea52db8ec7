// The queue test's set-up, from nothing to a running cluster: throwaway Redis and PostgreSQL, the
// AAC stand-in (behind the API recorder), one n8n home with the credentials and workflows imported
// and published by the CLI, then one main and the workers, all at once. Nothing here asserts what
// the credential does; the scenarios and checks in queue.e2e.mjs do.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startStandIn } from '../../standin/aac-standin.mjs';
import { CREDENTIAL_TYPE, PACKED_PACKAGE, ROOT, createN8n, freePort } from '../lib/n8n.mjs';
import { startPostgres, startRedis } from '../lib/services.mjs';
import { startApiRecorder } from './apiRecorder.mjs';
import { startMain, startN8nProcess } from './processes.mjs';
import {
	CONTROL_CRED,
	CRED,
	KEEPER_ID,
	TOKEN_TTL_SECONDS,
	WORKFLOW_IDS,
	queueWorkflows,
} from './workflows.mjs';

export const VERSION = '2.41.1';
export const seconds = (ms) => Math.round(ms / 100) / 10;

/**
 * Starts everything. `workers`: how many `n8n worker` processes; `workerConcurrency`: executions
 * each runs at once (undefined: n8n's default, 10); `keepLastFinished`: finished jobs bull keeps
 * (see queueEnv); `plans`: how many plans the stand-in seeds. Resolves with the cluster (see the
 * returned object); on failure, what was started is in `partial` for the caller's after() to stop.
 */
export async function startCluster(
	{ workers: workerCount, workerConcurrency, keepLastFinished, plans },
	partial = {},
) {
	const c = partial;
	c.versions = versions();
	c.boot = {};
	c.workers = [];

	const t0 = Date.now();
	c.standIn = await startStandIn({
		accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
		api: { seed: { plans } },
	});
	// The credentials' API Base URL and the readers' URL point at the recorder, which forwards to
	// the stand-in; token requests go to the issuer in the token's `iss`, the stand-in itself.
	c.recorder = await startApiRecorder({ upstream: c.standIn.apiBaseUrl });
	[c.redis, c.postgres] = await Promise.all([
		startRedis({ name: 'queue-redis' }),
		startPostgres({ name: 'queue-postgres' }),
	]);
	c.versions.postgres = c.postgres.psql('show server_version').trim();
	c.boot.servicesSeconds = seconds(Date.now() - t0);

	c.sql = (text) =>
		c.postgres
			.psql(text)
			.split('\n')
			.filter((line) => line.length)
			.map((line) => line.split('\t'));
	/** A workflow's executions in PostgreSQL: [{id, status, startedAt, stoppedAt}] (ms). */
	c.executions = (workflowId) =>
		c
			.sql(
				`select id, status, round(extract(epoch from "startedAt") * 1000), round(extract(epoch from "stoppedAt") * 1000) from execution_entity where "workflowId" = '${workflowId}' order by id`,
			)
			.map(([id, status, startedAt, stoppedAt]) => ({
				id: Number(id),
				status,
				startedAt: Number(startedAt) || undefined,
				stoppedAt: Number(stoppedAt) || undefined,
			}));
	/** The keeper's executions: there must never be any (its polls return nothing). */
	c.keeperRuns = () => c.executions(KEEPER_ID);
	/** Executions in PostgreSQL by workflow id and status: { workflowId: { status: n } }. */
	c.executionsByWorkflow = () => {
		const all = {};
		for (const [workflowId, status, count] of c.sql(
			`select "workflowId", status, count(*) from execution_entity group by "workflowId", status order by 1, 2`,
		))
			(all[workflowId] ??= {})[status] = Number(count);
		return all;
	};

	c.n8n = createN8n({ version: VERSION, name: 'queue', extraEnv: queueEnv(c, keepLastFinished) });
	c.versions.n8nNode = c.n8n.nodeVersion;

	// Both pairs' access tokens have already expired: until the keeper's first refresh a reader
	// fails with the expired message; for the control credential (no keeper), always.
	c.pair = await c.standIn.mint({ accessTokenExpired: true });
	c.controlPair = await c.standIn.mint({ accessTokenExpired: true });
	const credential = (entry, tokens) => ({
		...entry,
		type: CREDENTIAL_TYPE,
		data: {
			accessToken: tokens.accessToken,
			refreshToken: tokens.refreshToken,
			allowCustomIssuer: true,
			apiBaseUrl: c.recorder.url,
			refreshMode: 'refreshOperationOnly',
		},
	});
	const t1 = Date.now();
	await c.n8n.importCredentials([
		credential(CRED, c.pair),
		credential(CONTROL_CRED, c.controlPair),
	]);
	await c.n8n.importWorkflow(queueWorkflows(`${c.recorder.url}/v4/people/current`));
	// 2.41.1 imports every workflow deactivated; `publish:workflow` activates the current
	// version (active + activeVersionId), which the main picks up when it starts.
	const published = await Promise.all(
		WORKFLOW_IDS.map((id) =>
			c.n8n.run(['publish:workflow', `--id=${id}`], { label: `publish-${id}` }),
		),
	);
	for (const result of published)
		assert.equal(result.exitCode, 0, `${result.args.join(' ')} failed; see ${result.logFile}`);
	const active = c
		.sql(
			`select id from workflow_entity where active = true and "activeVersionId" is not null order by id`,
		)
		.map(([id]) => id);
	assert.deepEqual(active, [...WORKFLOW_IDS].sort(), 'the workflows are published');
	c.boot.cliSeconds = seconds(Date.now() - t1);

	await startProcesses(c, { workerCount, workerConcurrency });
	c.webhookUrl = (path) => `${c.base}/webhook/${path}`;
	c.stopN8n = () => stopN8n(c);
	c.restartMain = () => restartMain(c);
	return c;
}

function versions() {
	const v = { node: process.version };
	v.package = JSON.parse(readFileSync(join(PACKED_PACKAGE, 'package.json'), 'utf8')).version;
	try {
		v.commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
			cwd: ROOT,
			encoding: 'utf8',
		}).trim();
		if (
			execFileSync('git', ['status', '--porcelain', '--', 'nodes', 'credentials'], {
				cwd: ROOT,
				encoding: 'utf8',
			}).trim()
		)
			v.commit += ' + uncommitted package changes';
	} catch {
		v.commit = 'unknown';
	}
	v.redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(
		/v=([\d.]+)/,
	)?.[1];
	return v;
}

function queueEnv({ postgres, redis }, keepLastFinished) {
	return {
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
		N8N_EXECUTIONS_QUEUE_KEEP_LAST_COMPLETED: keepLastFinished,
		N8N_EXECUTIONS_QUEUE_KEEP_LAST_FAILED: keepLastFinished,
	};
}

/** Main and workers, all at once: same database, same encryption key, own broker ports. */
async function startProcesses(c, { workerCount, workerConcurrency }) {
	const t2 = Date.now();
	c.startedAt = t2;
	c.mainPort = await freePort();
	c.base = `http://127.0.0.1:${c.mainPort}`;
	const mainReady = startMain(c.n8n, { port: c.mainPort });
	const workerReady = Array.from({ length: workerCount }, async (_, index) => {
		const healthPort = await freePort();
		return startN8nProcess(c.n8n, {
			label: `worker${index + 1}`,
			args: ['worker', ...(workerConcurrency ? [`--concurrency=${workerConcurrency}`] : [])],
			env: {
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				// Workers sharing one user folder would otherwise append to one n8nEventLog-worker.log.
				N8N_EVENTBUS_LOGWRITER_LOGFULLPATH: join(
					c.n8n.userFolder,
					'.n8n',
					`n8nEventLog-worker${index + 1}.log`,
				),
			},
			ready: async (handle) =>
				handle.text().includes('n8n worker is now ready') &&
				(await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`)).ok,
		});
	});
	const started = await Promise.allSettled([mainReady, ...workerReady]);
	c.mains = [];
	for (const result of started)
		if (result.status === 'fulfilled')
			result.value.label === 'main' ? (c.main = result.value) : c.workers.push(result.value);
	if (c.main) c.mains.push(c.main);
	const failed = started.find((result) => result.status === 'rejected');
	if (failed) throw failed.reason;
	c.workers.sort((a, b) => a.label.localeCompare(b.label));
	c.boot.processesSeconds = seconds(Date.now() - t2);
	c.boot.perProcess = [c.main, ...c.workers]
		.map((p) => `${p.label} ${seconds(p.bootMs)} s`)
		.join(', ');
}

/**
 * Stops the main (SIGTERM: n8n's graceful shutdown) and starts a new one on the same port, with
 * the same database and Redis; resolves once it answers and the reader webhook is registered again.
 * Returns { stoppedMs, downMs } (how long the stop took, how long no main answered).
 */
async function restartMain(c) {
	const t0 = Date.now();
	await c.main.stop();
	const stoppedMs = Date.now() - t0;
	c.main = await startMain(c.n8n, { port: c.mainPort, label: `main-restart-${c.mains.length}` });
	c.mains.push(c.main);
	return { stoppedMs, downMs: Date.now() - t0 };
}

/** Main first (no new polls or webhooks), then the workers. */
export async function stopN8n(c) {
	try {
		await c.main?.stop();
	} finally {
		await Promise.all(c.workers.map((worker) => worker.stop()));
	}
}

/** Stops whatever `startCluster` got to start (also after a failed start). */
export async function stopCluster(c) {
	if (c.n8n) await stopN8n(c).catch((error) => console.error(`stopping n8n: ${error.message}`));
	await c.recorder?.close();
	await c.standIn?.close();
	await Promise.all([c.postgres?.stop(), c.redis?.stop()]);
}

/** Which worker ran which execution: each worker logs "Worker started execution <id>". */
export function executionsByWorker(c) {
	const startedBy = new Map();
	for (const worker of c.workers)
		for (const match of worker.text().matchAll(/Worker started execution (\d+)/g))
			startedBy.set(Number(match[1]), worker.label);
	return startedBy;
}
