// The queue test's run-and-wait scenario: `count` executions of the waiter workflow at once, each
// running its own plan (plans 1..count) that takes `runMs` in the stand-in, and waiting for it
// (Plan → Run, Wait for Completion). They run on the workers (taking all 20 of their slots at n8n's
// default concurrency) while the readers' load goes on. They start when the access token in use is
// past half its life, so each outlives it and can only go on with the token the keeper saved.
import { executionsByWorker, seconds } from './cluster.mjs';
import { TOKEN_TTL_SECONDS, WAITER_ID, WAITER_WEBHOOK_PATH } from './workflows.mjs';

/** Under undici's 300-s headers timeout: a wait that takes longer than this has failed anyway. */
const ANSWER_TIMEOUT_MS = 290_000;

/**
 * Sets every plan's run to take `runMs` (1 s queued, then in progress), calls the waiter webhook
 * `count` times at once (plan i+1 for call i) and resolves with the answers once all are in:
 * [{ planId, status, json, text, ms }] (status 0: no answer).
 */
export async function runWaits(c, { count, runMs, responses }) {
	c.standIn.api.setFixture({
		kind: 'plan',
		queuedMs: 1000,
		runningMs: runMs - 1000,
		outcome: 'Complete',
	});
	const startedAt = Date.now();
	const answers = await Promise.all(
		Array.from({ length: count }, async (_, index) => {
			const planId = index + 1;
			const t0 = Date.now();
			let status = 0;
			let text;
			try {
				const response = await fetch(c.webhookUrl(WAITER_WEBHOOK_PATH), {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ planId }),
					signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
				});
				status = response.status;
				text = await response.text();
			} catch (error) {
				text = `${error?.name ?? 'Error'}: ${error?.message ?? error}`;
			}
			responses.push(text);
			let json;
			try {
				json = JSON.parse(text);
			} catch {
				json = undefined;
			}
			return { planId, status, json, text, ms: Date.now() - t0 };
		}),
	);
	return { count, runMs, startedAt, durationMs: Date.now() - startedAt, answers };
}

/**
 * What the waits did, from their answers, the stand-in's counters and runs, the recorder's notes
 * (which access token each read of a run carried) and PostgreSQL. Call after n8n has stopped.
 */
export function waitFigures(c, waits) {
	const { answers } = waits;
	const counters = c.standIn.api.counters();
	const planRuns = c.standIn.api.runs().planRuns;
	const complete = answers.filter(
		(answer) => answer.status === 200 && answer.json?.status === 'Complete',
	);
	const executions = c.executions(WAITER_ID);
	const startedBy = executionsByWorker(c);
	const perWorker = Object.fromEntries(c.workers.map((worker) => [worker.label, 0]));
	for (const execution of executions)
		if (startedBy.has(execution.id)) perWorker[startedBy.get(execution.id)] += 1;

	// Per plan run: every GET /v4/planSnapshotRuns/{id} (status polls carry fields=id;status, the
	// last read after the end has no query), with the access token it carried.
	const perRun = planRuns.map((run) => {
		const reads = c.recorder.requests.filter(
			(r) => r.method === 'GET' && r.path === `/v4/planSnapshotRuns/${run.id}`,
		);
		const polls = reads.filter((r) => /^fields=id(%3B|;)status$/.test(r.query));
		const tokens = new Set(reads.map((r) => r.token));
		const spanMs = reads.length ? reads.at(-1).at - reads[0].at : 0;
		// Age of the token at each read (its `iat` is in whole seconds: up to 1 s more).
		const ages = reads.map((r) => r.at / 1000 - r.issuedAt);
		return {
			planRunId: String(run.id),
			planId: String(run.plan?.id ?? ''),
			executionId: run.executionId,
			status: run.status,
			reads: reads.length,
			polls: polls.length,
			rejected: reads.filter((r) => r.status !== 200).length,
			distinctTokens: tokens.size,
			tokensNeeded: tokensNeeded(reads.map((r) => r.at)),
			maxTokenAgeSeconds: ages.length ? Math.round(Math.max(...ages) * 10) / 10 : undefined,
			spanSeconds: seconds(spanMs),
			// Its last read came after the token of its first read had expired.
			outlivedFirstToken: reads.length
				? reads.at(-1).at / 1000 > reads[0].issuedAt + TOKEN_TTL_SECONDS
				: false,
		};
	});
	const executionIds = planRuns.map((run) => run.executionId);
	return {
		count: waits.count,
		runSeconds: seconds(waits.runMs),
		durationSeconds: seconds(waits.durationMs),
		answered: answers.filter((answer) => answer.status === 200).length,
		complete: complete.length,
		notComplete: answers
			.filter((answer) => !complete.includes(answer))
			.map((answer) => ({
				planId: answer.planId,
				status: answer.status,
				answer: answer.text?.slice(0, 300),
			})),
		answerSeconds: {
			min: seconds(Math.min(...answers.map((a) => a.ms))),
			max: seconds(Math.max(...answers.map((a) => a.ms))),
		},
		nodePolls: complete.reduce((sum, answer) => sum + (Number(answer.json.polls) || 0), 0),
		alreadyStarted: complete.filter((answer) => answer.json.alreadyStarted).length,
		// The node's output names the x-execution-id it sent; the stand-in's run must carry the same.
		outputMatchesRun: complete.filter((answer) =>
			planRuns.some(
				(run) =>
					String(run.id) === String(answer.json.planRunId) &&
					run.executionId === answer.json.executionId,
			),
		).length,
		executionsByStatus: executions.reduce(
			(acc, e) => ({ ...acc, [e.status]: (acc[e.status] ?? 0) + 1 }),
			{},
		),
		perWorker,
		runsStartedPerPlan: counters.runsStarted.plan,
		planRuns: planRuns.length,
		distinctExecutionIds: new Set(executionIds).size,
		postsPerExecutionId: executionIds.map((id) => counters.postsPerExecutionId[id] ?? 0),
		statusRequests: counters.requests.getPlanSnapshotRun ?? 0,
		runPosts: counters.requests.runPlan ?? 0,
		tooManyRequests: counters.tooManyRequests,
		perRun,
	};
}

/**
 * The fewest access tokens that reads at these instants (ms) can have carried, each token living
 * TOKEN_TTL_SECONDS (+1 s for its whole-second `iat`): a new one whenever a read falls outside
 * the lifetime of the token that served the earliest read not yet covered.
 */
function tokensNeeded(instants) {
	const lifetimeMs = (TOKEN_TTL_SECONDS + 1) * 1000;
	let needed = 0;
	let coveredUntil = -Infinity;
	for (const at of [...instants].sort((a, b) => a - b)) {
		if (at <= coveredUntil) continue;
		needed += 1;
		coveredUntil = at + lifetimeMs;
	}
	return needed;
}
