// n8n 2.41.1 in queue mode (one main, two workers at n8n's default concurrency, PostgreSQL, Redis)
// with the credential in "Refresh Operation Only" mode: the Alteryx Analytics Cloud Token Keeper
// (examples/token-keeper.json, polling every minute in the main process) is the one writer; reader
// workflows (Webhook → HTTP Request with the credential), called many at once by a load script,
// only read; 20 executions each run a 2-minute plan and wait for it (Plan → Run, Wait for
// Completion), taking all 20 worker slots, while the access token they started with expires.
// The main is restarted during the load.
//
//   npm run test:queue                       (node --test --test-concurrency=1 e2e/queue/queue.e2e.mjs)
//   AAC_QUEUE_SECONDS=200 npm run test:queue (shorter load; the restart and the waits still run)
//
// Needs `npm run e2e:install` (n8n 2.41.1 and the packed package) and Debian's redis-server and
// postgresql. Writes e2e/queue/RESULTS.md. The set-up is in cluster.mjs, the scenarios in
// control.mjs, load.mjs and waits.mjs, the report in report.mjs.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { ROOT } from '../lib/n8n.mjs';
import { recordingTest } from '../lib/recording.mjs';
import { writeResults } from '../lib/report.mjs';
import { VERSION, seconds, startCluster, stopCluster } from './cluster.mjs';
import { CONTROL_CALLS, firstKeeperRefresh, probeReader, runControl } from './control.mjs';
import { classify, loadGate, runLoad } from './load.mjs';
import { renderReport } from './report.mjs';
import { runWaits, waitFigures } from './waits.mjs';
import { KEEPER_ID, TOKEN_TTL_SECONDS, WEBHOOK_PATH } from './workflows.mjs';
import { keeperFigures, storedPairs } from './writer.mjs';

const LOAD_SECONDS = Number(process.env.AAC_QUEUE_SECONDS ?? 300);
const CONCURRENCY = Number(process.env.AAC_QUEUE_CONCURRENCY ?? 8);
const MAX_CALLS = Number(process.env.AAC_QUEUE_MAX_CALLS ?? 20_000);
const WAITS = Number(process.env.AAC_QUEUE_WAITS ?? 20);
const WAIT_RUN_MS = Number(process.env.AAC_QUEUE_WAIT_RUN_SECONDS ?? 120) * 1000;
/** When the main is restarted, counted from the start of the load. */
const RESTART_AFTER_MS = Number(process.env.AAC_QUEUE_RESTART_AFTER_SECONDS ?? 30) * 1000;
/**
 * The waits start once the access token in use is this old: past half its life, so each wait
 * (2 minutes and more) outlives it, and the keeper's next refresh (when a third is left) falls
 * inside the waits.
 */
const WAITS_AT_TOKEN_AGE_MS = 130_000;
const SETTINGS = {
	workers: 2,
	// n8n's default (10 per worker) unless set: the 20 waits take every slot for 2 minutes. The
	// keeper needs none (it runs in the main); readers queue behind the waits meanwhile.
	workerConcurrency: process.env.AAC_QUEUE_WORKER_CONCURRENCY
		? Number(process.env.AAC_QUEUE_WORKER_CONCURRENCY)
		: undefined,
	/** Finished jobs bull keeps in Redis (see queueEnv in cluster.mjs); n8n's default is 0. */
	keepLastFinished: process.env.AAC_QUEUE_KEEP_LAST_FINISHED ?? '1000',
	concurrency: CONCURRENCY,
	loadSeconds: LOAD_SECONDS,
	maxCalls: MAX_CALLS,
	waits: WAITS,
	runSeconds: WAIT_RUN_MS / 1000,
	restartAfterSeconds: RESTART_AFTER_MS / 1000,
	waitsAtTokenAgeSeconds: WAITS_AT_TOKEN_AGE_MS / 1000,
};
const RESULTS_FILE = join(ROOT, 'e2e', 'queue', 'RESULTS.md');
/** A reader call may wait behind the 20 waits for all their 2 minutes: no timeout before that. */
const READER_TIMEOUT_MS = 290_000;

/** POSTs to the reader until its webhook is registered again (404 until then): the first answer. */
async function readerBack(c, responses) {
	for (const deadline = Date.now() + 120_000; ; ) {
		const response = await fetch(c.webhookUrl(WEBHOOK_PATH), {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ afterRestart: true }),
		});
		const text = await response.text();
		if (response.status !== 404) {
			responses.push(text);
			return classify(response.status, text);
		}
		if (Date.now() > deadline)
			throw new Error(`the reader webhook was not registered again within 120 s: ${text}`);
		await wait(250);
	}
}

describe(
	`n8n ${VERSION} queue mode: one main, ${SETTINGS.workers} workers, PostgreSQL, Redis; the Token Keeper as the writer, webhook readers, ${WAITS} run-and-wait executions, a restart of the main`,
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
			restart: undefined,
			waits: undefined,
			keeper: undefined,
			standIn: undefined,
			stored: undefined,
			secrets: undefined,
		};

		before(async () => {
			await startCluster({ ...SETTINGS, plans: WAITS }, c);
			figures.boot = c.boot;
			figures.probe = await probeReader(c, responses);
			figures.control = await runControl(c, responses);
			await firstKeeperRefresh(c);
			figures.boot.firstKeeperRefreshSeconds = seconds(Date.now() - c.startedAt);
		});

		after(async () => {
			await stopCluster(c);
			figures.wallSeconds = seconds(Date.now() - wallStarted);
			if (!c.n8n) return;
			const report = renderReport({ figures, outcomes, versions: c.versions, settings: SETTINGS });
			writeResults(RESULTS_FILE, { lines: report });
			console.log(`\n${report}`);
		});

		check(
			`load: ${CONCURRENCY} concurrent webhook callers for ${LOAD_SECONDS} s (at most ${MAX_CALLS} calls), the main restarted after ${RESTART_AFTER_MS / 1000} s, ${WAITS} waits alongside; every reader call answered 200`,
			{ timeout: (Math.max(LOAD_SECONDS, 300) + 300) * 1000 },
			async () => {
				const { standIn } = c;
				const gate = loadGate();
				const loadStarted = Date.now();
				const loading = runLoad({
					url: c.webhookUrl(WEBHOOK_PATH),
					seconds: LOAD_SECONDS,
					concurrency: CONCURRENCY,
					maxCalls: MAX_CALLS,
					requestTimeoutMs: READER_TIMEOUT_MS,
					onResponse: (text) => responses.push(text),
					gate,
				});

				// The restart: no reader call in flight, then SIGTERM to the main and a new one.
				await wait(RESTART_AFTER_MS - (Date.now() - loadStarted));
				const holdingAt = Date.now();
				await gate.hold();
				const stoppingAt = Date.now();
				const { stoppedMs, downMs } = await c.restartMain();
				const firstAnswer = await readerBack(c, responses);
				const upAt = Date.now();
				gate.open();
				figures.restart = {
					atLoadSeconds: seconds(stoppingAt - loadStarted),
					drainSeconds: seconds(stoppingAt - holdingAt),
					stopSeconds: seconds(stoppedMs),
					downSeconds: seconds(upAt - stoppingAt),
					bootSeconds: seconds(downMs - stoppedMs),
					firstAnswer,
					stoppingAt,
					upAt,
				};

				// The waits, once the access token in use is past half its life.
				const lastRefresh = standIn
					.refreshLog()
					.filter((entry) => entry.ok)
					.at(-1).at;
				await wait(Math.max(0, lastRefresh + WAITS_AT_TOKEN_AGE_MS - Date.now()));
				const waitsAtTokenAge = seconds(Date.now() - lastRefresh);
				const waiting = runWaits(c, { count: WAITS, runMs: WAIT_RUN_MS, responses });
				const waits = await waiting;
				const load = await loading;
				figures.load = { ...load, waitsAtTokenAgeSeconds: waitsAtTokenAge };

				// Stop the processes (main first: no new polls or webhooks), then read what they did.
				await c.stopN8n();
				const stats = standIn.stats();
				figures.standIn = stats;
				figures.waits = waitFigures(c, waits);
				Object.assign(figures, keeperFigures(c, { restart: figures.restart }));
				const pairs = await storedPairs(c);
				figures.stored = pairs.stored;
				Object.assign(figures.control, pairs.control);
				// The access tokens the API saw with requests it answered 200: the keeper's, one per refresh.
				const answered = c.recorder.requests.filter((r) => r.status === 200 && r.token);
				figures.tokensUsed = new Set(answered.map((r) => r.token)).size;
				figures.lastApiCallAt = Math.max(...answered.map((r) => r.at));

				assert.ok(load.calls > 0, 'the load made calls');
				assert.ok(
					load.durationMs >= LOAD_SECONDS * 1000 || load.stoppedBy === 'maxCalls',
					`the load ran for ${LOAD_SECONDS} s (or reached ${MAX_CALLS} calls)`,
				);
				assert.ok(
					firstAnswer.ok,
					`the first reader call after the restart: ${JSON.stringify(firstAnswer)}`,
				);
				assert.equal(
					load.failed,
					0,
					`${load.failed} of ${load.calls} reader calls failed: ${JSON.stringify(load.byKind)}; first: ${JSON.stringify(load.failures.slice(0, 3))}`,
				);
			},
		);

		check(
			`waits: ${WAITS} executions each ran a ${WAIT_RUN_MS / 1000}-s plan and waited at n8n's default worker concurrency; all Complete, each run started once, each outlived the access token it started with and went on with the keeper's next one`,
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
				// Every wait outlived the access token of its first read, every read accepted and carrying a
				// token younger than its lifetime: the later reads used the pair the keeper saved meanwhile.
				for (const run of waits.perRun) {
					assert.ok(
						run.outlivedFirstToken,
						`plan run ${run.planRunId}: its last read came after its first token had expired`,
					);
					assert.equal(run.rejected, 0, `plan run ${run.planRunId}: reads rejected`);
					assert.ok(
						run.maxTokenAgeSeconds <= TOKEN_TTL_SECONDS + 1,
						`plan run ${run.planRunId}: a read carried a token ${run.maxTokenAgeSeconds} s old (lifetime ${TOKEN_TTL_SECONDS} s)`,
					);
					assert.ok(
						run.distinctTokens >= 2,
						`plan run ${run.planRunId}: ${run.distinctTokens} distinct access tokens over ${run.spanSeconds} s`,
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
			'the keeper is the one writer: 0 keeper executions; token requests = refreshes = access tokens used; each refresh once a third of the lifetime was left; none at the restart, the next one after it',
			{ timeout: 60_000 },
			async () => {
				assert.ok(figures.standIn && figures.keeper, 'the load test ran');
				const { standIn: stats, keeper } = figures;
				assert.equal(keeper.executions, 0, `the keeper's executions in n8n's execution list`);
				assert.deepEqual(
					Object.keys(figures.executionsByWorkflow).filter((id) => id === KEEPER_ID),
					[],
					'no execution of the keeper workflow, in any status',
				);
				assert.equal(stats.tokenRequests, stats.refreshGrantsOk, 'every token request a refresh');
				assert.equal(keeper.refused, 0, 'refused refresh grants');
				assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token was presented once');
				// A refresh after the last API call (the load over, n8n not yet stopped) had no reader.
				assert.equal(
					figures.tokensUsed,
					keeper.refreshes.filter((at) => at < figures.lastApiCallAt).length,
					'access tokens the readers and waits used = refreshes before the last call: one token request per lifetime spanned',
				);
				assert.ok(keeper.refreshes.length >= 2, `refreshes: ${keeper.refreshes.length}`);
				for (const age of keeper.agesAtRefresh) {
					assert.ok(
						age >= (2 / 3) * TOKEN_TTL_SECONDS - 1,
						`a token replaced at ${age} s, before a third of its ${TOKEN_TTL_SECONDS} s was left`,
					);
					assert.ok(age < TOKEN_TTL_SECONDS, `a token replaced at ${age} s, after it expired`);
				}
				assert.equal(
					keeper.restart.refreshesWhileDown,
					0,
					'no refresh while the main was restarting',
				);
				assert.ok(
					keeper.restart.refreshesAfter >= 1,
					'the keeper refreshed again after the restart (it resumed)',
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
			`readers never found the access token expired with the keeper (a third of ${TOKEN_TTL_SECONDS} s left, polled every minute); the message names the Token Keeper`,
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
					'every expired message names the Token Keeper',
				);
				// The positive control: readers of the credential without a keeper found its access token
				// expired and failed with the message, without refreshing (the stand-in's token requests
				// are all the keeper's, see above) and without touching the stored pair.
				const control = figures.control;
				assert.ok(control?.verdicts, 'the control ran');
				assert.deepEqual(
					control.verdicts.map((verdict) => verdict.kind),
					Array(CONTROL_CALLS).fill('expired'),
					`every control reader failed with the expired message: ${JSON.stringify(control.verdicts.find((verdict) => verdict.kind !== 'expired'))}`,
				);
				assert.ok(
					control.verdicts.every((verdict) => verdict.remedyNamesKeeper),
					'the control message names the Token Keeper',
				);
				assert.ok(control.storedUnchanged, "the control credential's stored pair is unchanged");
				assert.ok(
					control.familyAlive,
					"the control credential's family is alive (its refresh token was never sent)",
				);
				// The first reader call: before or after the keeper's first refresh, whichever came first.
				const probe = figures.probe;
				if (probe?.refreshesBefore === 0) {
					assert.equal(
						probe.kind,
						'expired',
						`the reader before the first refresh failed with the expired message: ${JSON.stringify(probe)}`,
					);
					assert.ok(probe.remedyNamesKeeper, 'its message names the Token Keeper');
				}
			},
		);

		check(
			'secrets: no issued refresh token in anything n8n printed, in the load responses or in the database',
			{ timeout: 120_000 },
			async () => {
				const { standIn, postgres, n8n, mains, workers } = c;
				const tokens = standIn.issuedRefreshTokens().filter((token) => token.length >= 16);
				// 2 minted, and one per keeper refresh.
				assert.ok(
					tokens.length >= 4,
					`the stand-in issued refresh tokens to look for (${tokens.length})`,
				);
				const dumpFile = postgres.dump(join(postgres.dir, 'n8n.sql'));
				const dump = readFileSync(dumpFile, 'utf8');
				rmSync(dumpFile, { force: true });
				const haystacks = [
					...[...mains, ...workers]
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
