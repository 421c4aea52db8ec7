// n8n 2.41.1 in queue mode (one main, two workers, PostgreSQL, Redis) with the credential in
// "Refresh Operation Only" mode: a keep-alive workflow (Schedule Trigger every 2/3 of the access
// token's lifetime → Alteryx Analytics Cloud: Refresh) is the one writer; reader workflows
// (Webhook → HTTP Request with the credential), called many at once by a load script, only read;
// meanwhile 20 executions each run a 2-minute plan and wait for it (Plan → Run, Wait for
// Completion), polling with whatever pair the keep-alive saved last.
//
//   npm run test:queue                       (node --test --test-concurrency=1 e2e/queue/queue.e2e.mjs)
//   AAC_QUEUE_SECONDS=60 npm run test:queue  (shorter load; the waits still take their 2 minutes)
//
// Needs `npm run e2e:install` (n8n 2.41.1 and the packed package) and Debian's redis-server and
// postgresql. Writes e2e/queue/RESULTS.md. The set-up is in cluster.mjs, the scenarios in
// control.mjs, load.mjs and waits.mjs, the report in report.mjs.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';

import { ROOT } from '../lib/n8n.mjs';
import { recordingTest } from '../lib/recording.mjs';
import { VERSION, seconds, startCluster, stopCluster } from './cluster.mjs';
import { CONTROL_CALLS, firstKeepAlive, probeReader, runControl } from './control.mjs';
import { runLoad } from './load.mjs';
import { renderReport } from './report.mjs';
import { runWaits, waitFigures } from './waits.mjs';
import { KEEP_ALIVE_SECONDS, TOKEN_TTL_SECONDS, WEBHOOK_PATH } from './workflows.mjs';
import { keepAliveFigures, storedPairs } from './writer.mjs';

const LOAD_SECONDS = Number(process.env.AAC_QUEUE_SECONDS ?? 300);
const CONCURRENCY = Number(process.env.AAC_QUEUE_CONCURRENCY ?? 8);
const MAX_CALLS = Number(process.env.AAC_QUEUE_MAX_CALLS ?? 20_000);
const WAITS = Number(process.env.AAC_QUEUE_WAITS ?? 20);
const WAIT_RUN_MS = Number(process.env.AAC_QUEUE_WAIT_RUN_SECONDS ?? 120) * 1000;
const SETTINGS = {
	workers: 2,
	// A wait holds its worker slot for the whole run. 10 per worker (n8n's default) are taken by
	// the 20 waits, and the keep-alive and the readers queue behind them while the token expires
	// (seen with AAC_QUEUE_WORKER_CONCURRENCY=10: 10 waits failed, see README.md); 20 per worker
	// leaves one worker enough room for everything.
	workerConcurrency: Number(process.env.AAC_QUEUE_WORKER_CONCURRENCY ?? 20),
	/** Finished jobs bull keeps in Redis (see queueEnv in cluster.mjs); n8n's default is 0. */
	keepLastFinished: process.env.AAC_QUEUE_KEEP_LAST_FINISHED ?? '1000',
	concurrency: CONCURRENCY,
	loadSeconds: LOAD_SECONDS,
	maxCalls: MAX_CALLS,
	waits: WAITS,
	runSeconds: WAIT_RUN_MS / 1000,
};
const RESULTS_FILE = join(ROOT, 'e2e', 'queue', 'RESULTS.md');

describe(
	`n8n ${VERSION} queue mode: one main, ${SETTINGS.workers} workers, PostgreSQL, Redis; keep-alive writer, webhook readers, ${WAITS} run-and-wait executions`,
	{ timeout: 25 * 60_000 },
	() => {
		const wallStarted = Date.now();
		const { check, outcomes } = recordingTest();
		/** The cluster (cluster.mjs); filled as it starts, so after() stops what did start. */
		const c = {};
		/** Every answer the load script, the probe, the control and the waits received, for the secrets check. */
		const responses = [];
		const figures = {
			boot: {},
			probe: undefined,
			control: undefined,
			load: undefined,
			waits: undefined,
			keepAlive: undefined,
			standIn: undefined,
			stored: undefined,
			secrets: undefined,
		};

		before(async () => {
			await startCluster({ ...SETTINGS, plans: WAITS }, c);
			figures.boot = c.boot;
			figures.probe = await probeReader(c, responses);
			figures.control = await runControl(c, responses);
			await firstKeepAlive(c);
			figures.boot.firstKeepAliveSeconds = seconds(Date.now() - c.startedAt);
		});

		after(async () => {
			await stopCluster(c);
			figures.wallSeconds = seconds(Date.now() - wallStarted);
			if (!c.n8n) return;
			const report = renderReport({ figures, outcomes, versions: c.versions, settings: SETTINGS });
			writeFileSync(RESULTS_FILE, report);
			console.log(`\n${report}`);
		});

		check(
			`load: ${CONCURRENCY} concurrent webhook callers for ${LOAD_SECONDS} s (at most ${MAX_CALLS} calls), ${WAITS} waits alongside; every reader call answered 200`,
			{ timeout: (Math.max(LOAD_SECONDS, 300) + 240) * 1000 },
			async () => {
				const { standIn } = c;
				const before = {
					stats: standIn.stats(),
					keepAlive: c.keepAliveRuns().filter((run) => run.status === 'success').length,
				};
				// The waits run alongside the load: the test takes as long as the longer of the two.
				const waiting = runWaits(c, { count: WAITS, runMs: WAIT_RUN_MS, responses });
				const load = await runLoad({
					url: c.webhookUrl(WEBHOOK_PATH),
					seconds: LOAD_SECONDS,
					concurrency: CONCURRENCY,
					maxCalls: MAX_CALLS,
					onResponse: (text) => responses.push(text),
				});
				const duringStats = standIn.stats();
				const waits = await waiting;
				figures.load = {
					...load,
					refreshesDuring: duringStats.refreshGrantsOk - before.stats.refreshGrantsOk,
					keepAliveBefore: before.keepAlive,
				};

				// Stop the processes (main first: no new schedules or webhooks), then read what they did.
				await c.stopN8n();
				const stats = standIn.stats();
				figures.standIn = stats;
				figures.waits = waitFigures(c, waits);
				Object.assign(figures, keepAliveFigures(c));
				const pairs = await storedPairs(c);
				figures.stored = pairs.stored;
				Object.assign(figures.control, pairs.control);

				assert.ok(load.calls > 0, 'the load made calls');
				assert.ok(
					load.durationMs >= LOAD_SECONDS * 1000 || load.stoppedBy === 'maxCalls',
					`the load ran for ${LOAD_SECONDS} s (or reached ${MAX_CALLS} calls)`,
				);
				assert.equal(
					load.failed,
					0,
					`${load.failed} of ${load.calls} reader calls failed: ${JSON.stringify(load.byKind)}; first: ${JSON.stringify(load.failures.slice(0, 3))}`,
				);
			},
		);

		check(
			`waits: ${WAITS} executions each ran a ${WAIT_RUN_MS / 1000}-s plan and waited; all Complete, each run started once, every wait polled with the keep-alive's rotated tokens`,
			{ timeout: 60_000 },
			async () => {
				const waits = figures.waits;
				assert.ok(waits, 'the load test ran (the waits run alongside it)');
				assert.equal(
					waits.complete,
					WAITS,
					`waits answered Complete: ${JSON.stringify(waits.notComplete.slice(0, 3))}`,
				);
				assert.deepEqual(
					waits.executionsByStatus,
					{ success: WAITS },
					'waiter executions in PostgreSQL by status (0 failed)',
				);
				// Each plan run started exactly once: per plan, per x-execution-id, and what the node output.
				assert.equal(waits.planRuns, WAITS, 'plan runs in the stand-in');
				assert.deepEqual(
					waits.runsStartedPerPlan,
					Object.fromEntries(Array.from({ length: WAITS }, (_, i) => [String(i + 1), 1])),
					'runs started per plan',
				);
				assert.equal(waits.distinctExecutionIds, WAITS, 'one x-execution-id per run');
				assert.deepEqual(
					waits.postsPerExecutionId,
					Array(WAITS).fill(1),
					'run POSTs per x-execution-id',
				);
				assert.equal(waits.runPosts, WAITS, 'run POSTs in all');
				assert.equal(waits.alreadyStarted, 0, 'no wait was answered 304 (nothing was sent twice)');
				assert.equal(
					waits.outputMatchesRun,
					WAITS,
					'each node output names its run and the x-execution-id the stand-in recorded for it',
				);
				// Every wait outlived several access tokens and polled with fresh ones: reads spread over
				// more than one lifetime, each accepted and each carrying a token younger than its lifetime,
				// at least as many distinct tokens as those instants need. Only the keep-alive asked for
				// tokens (the writer check below counts that), so these are the pairs it saved.
				for (const run of waits.perRun) {
					assert.ok(
						run.spanSeconds > TOKEN_TTL_SECONDS,
						`plan run ${run.planRunId}: its reads spanned ${run.spanSeconds} s, more than a token lifetime`,
					);
					assert.equal(run.rejected, 0, `plan run ${run.planRunId}: reads rejected`);
					assert.ok(
						run.maxTokenAgeSeconds <= TOKEN_TTL_SECONDS + 1,
						`plan run ${run.planRunId}: a read carried a token ${run.maxTokenAgeSeconds} s old (lifetime ${TOKEN_TTL_SECONDS} s)`,
					);
					assert.ok(
						run.distinctTokens >= Math.max(2, run.tokensNeeded),
						`plan run ${run.planRunId}: ${run.distinctTokens} distinct access tokens over ${run.spanSeconds} s (needed ${run.tokensNeeded})`,
					);
				}
				assert.equal(
					figures.standIn.apiUnauthorized,
					0,
					'API requests answered 401 (readers and waits)',
				);
				assert.equal(
					waits.nodePolls,
					waits.perRun.reduce((sum, run) => sum + run.polls, 0),
					'status polls: node outputs = requests the stand-in got',
				);
			},
		);

		check(
			'keep-alive is the one writer: refreshes = successful keep-alive runs, every ~13 s, on both workers; readers and waits never refresh',
			{ timeout: 60_000 },
			async () => {
				assert.ok(figures.standIn && figures.keepAlive, 'the load test ran');
				const { standIn: stats, keepAlive } = figures;
				assert.equal(
					keepAlive.byStatus.error ?? 0,
					0,
					`keep-alive executions failed: ${JSON.stringify(keepAlive.byStatus)}`,
				);
				assert.equal(
					keepAlive.byStatus.crashed ?? 0,
					0,
					`keep-alive executions crashed: ${JSON.stringify(keepAlive.byStatus)}`,
				);
				assert.equal(
					stats.refreshGrantsOk,
					keepAlive.succeeded,
					'every refresh the stand-in saw is a successful keep-alive run: readers and waits never refreshed',
				);
				assert.equal(
					stats.tokenRequests,
					stats.refreshGrantsOk,
					'no token request other than the keep-alive refreshes',
				);
				assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token was presented once');
				// The schedule `*/13 * * * * *` fires at seconds 0, 13, 26, 39 and 52 of each minute: 5 a minute.
				const expected = (figures.load.durationMs / 60_000) * (60 / KEEP_ALIVE_SECONDS);
				const fired = (figures.load.durationMs / 60_000) * Math.ceil(60 / KEEP_ALIVE_SECONDS);
				assert.ok(
					figures.load.refreshesDuring >= Math.floor(expected) - 1 &&
						figures.load.refreshesDuring <= Math.ceil(fired) + 1,
					`refreshes during the load (${figures.load.refreshesDuring}) ≈ ${seconds(figures.load.durationMs)} s / ${KEEP_ALIVE_SECONDS} s (${expected.toFixed(1)}; the cron fires ${fired.toFixed(1)} times)`,
				);
				assert.ok(
					keepAlive.maxGapSeconds < TOKEN_TTL_SECONDS,
					`every access token was replaced before it expired (largest gap between saves ${keepAlive.maxGapSeconds} s)`,
				);
			},
		);

		check(
			'no reuse detection, family alive, the stored refresh token is the newest issued',
			{ timeout: 60_000 },
			async () => {
				assert.ok(figures.standIn && figures.stored, 'the load test ran');
				assert.equal(figures.standIn.reuseDetections, 0, 'reuse detections');
				assert.equal(figures.standIn.invalidGrants, 0, 'rejected refresh grants');
				assert.ok(figures.stored.found, 'the credential is still there');
				assert.ok(
					figures.stored.isNewestIssued,
					'the stored refresh token is the newest the stand-in issued',
				);
				assert.ok(figures.stored.familyAlive, 'the token family is alive at the end');
			},
		);

		check(
			`readers never found the access token expired with a ${KEEP_ALIVE_SECONDS}-s keep-alive (2/3 of ${TOKEN_TTL_SECONDS} s); the message names the keep-alive workflow`,
			{ timeout: 60_000 },
			async () => {
				assert.ok(figures.load, 'the load test ran');
				assert.equal(
					figures.load.expired,
					0,
					'readers that found the access token expired (target: never)',
				);
				assert.equal(
					figures.load.expiredRemedyMissing,
					0,
					'every expired message names the keep-alive workflow',
				);
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
				assert.ok(
					control.verdicts.every((verdict) => verdict.remedyNamesKeepAlive),
					'the control message names the keep-alive workflow',
				);
				assert.ok(control.storedUnchanged, "the control credential's stored pair is unchanged");
				assert.ok(
					control.familyAlive,
					"the control credential's family is alive (its refresh token was never sent)",
				);
				// The first reader call: before or after the keep-alive's first Refresh, whichever came first.
				const probe = figures.probe;
				if (probe?.refreshesBefore === 0) {
					assert.equal(
						probe.kind,
						'expired',
						`the reader before the first refresh failed with the expired message: ${JSON.stringify(probe)}`,
					);
					assert.ok(probe.remedyNamesKeepAlive, 'its message names the keep-alive workflow');
				}
			},
		);

		check(
			'secrets: no issued refresh token in anything n8n printed, in the load responses or in the database',
			{ timeout: 120_000 },
			async () => {
				const { standIn, postgres, n8n, main, workers } = c;
				const tokens = standIn.issuedRefreshTokens().filter((token) => token.length >= 16);
				assert.ok(
					tokens.length >= 5,
					`the stand-in issued refresh tokens to look for (${tokens.length})`,
				);
				const dumpFile = postgres.dump(join(postgres.dir, 'n8n.sql'));
				const dump = readFileSync(dumpFile, 'utf8');
				rmSync(dumpFile, { force: true });
				const haystacks = [
					...[main, ...workers]
						.filter(Boolean)
						.map((p) => ({ where: `${p.label} output (${p.logFile})`, text: p.text() })),
					...n8n.commands.flatMap((command) => [
						{ where: `${command.logFile} (stdout)`, text: command.stdout },
						{ where: `${command.logFile} (stderr)`, text: command.stderr },
					]),
					{ where: 'webhook answers (load, probe, control, waits)', text: responses.join('\n') },
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
			},
		);
	},
);
