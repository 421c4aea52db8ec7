// 7. Waiting economy: Plan Run → Wait on a plan run of length L (10 s, 2 min, 30 min; the run is
// Created for 1 s, then InProgress), started just before the wait, in n8n-core's real
// WorkflowExecute against the ops stand-in. Three schedules, all through our node's Wait:
//
// - ours:    the default schedule (first poll after 3 s, each gap 1.5× the last, at most 30 s);
// - fixed1:  a fixed 1 s poll (what apify's node does), Poll Interval = Max Poll Interval = 1;
// - fixed30: a fixed 30 s poll, both 30.
//
// Counted: status requests (GET /v4/planSnapshotRuns/{id}; the Wait reads the run once more in
// full after the last status, in every schedule alike) and the reaction delay, from the run's end
// to the node's output. A wait's cost depends on where the run's end falls between two polls, so
// each length runs 3 times, 0 %, 4 % and 8 % longer; the table shows the mean (and max).
//
// On a simulated clock (ops.mjs createSimulatedClock through replaceWaitDependencies): the node's
// sleeps advance it at once and the stand-in's runs finish on it, so 30 minutes take a moment.
// To show that the simulation is faithful, one 10 s wait with our schedule also runs in real time
// and must make the same number of polls. Tokens live on real time (the credential's clock), so
// the token accounting of the simulated waits counts real lifetimes, which the real wait spans.
import { progress, summarize } from './lib.mjs';
import { AAC_NODE } from './ops.mjs';

export const WAIT_STRATEGIES = [
	{ key: 'ours', label: 'our schedule (3 s × 1.5, ≤ 30 s)', options: {} },
	{
		key: 'fixed1',
		label: "fixed 1 s poll (apify's)",
		options: { pollIntervalSeconds: 1, maxPollIntervalSeconds: 1 },
	},
	{
		key: 'fixed30',
		label: 'fixed 30 s poll',
		options: { pollIntervalSeconds: 30, maxPollIntervalSeconds: 30 },
	},
];

const QUEUED_MS = 1000;
const PLAN_ID = 1;

export async function runWaiting({
	runner,
	standIn,
	clock,
	replaceWaitDependencies,
	lengthsS = [10, 120, 1800],
	jitters = [0, 0.04, 0.08],
}) {
	standIn.api.reset({ plans: 1 });
	const tokenRecords = [];

	/** Starts a run of `lengthMs` and waits for it with `options`; the figures of one wait. */
	async function waitOnce(lengthMs, strategy, label) {
		standIn.api.setFixture({
			kind: 'plan',
			id: PLAN_ID,
			queuedMs: QUEUED_MS,
			runningMs: lengthMs - QUEUED_MS,
			outcome: 'Complete',
		});
		const startedAt = standIn.api.now();
		const { planSnapshotRunId } = standIn.api.startRun({ kind: 'plan', id: PLAN_ID });
		const r = await runner.run({
			label,
			chain: [
				{
					name: 'AAC',
					type: AAC_NODE,
					typeVersion: 1,
					parameters: {
						resource: 'planRun',
						operation: 'wait',
						planRunId: String(planSnapshotRunId),
						options: { maxWaitMinutes: 60, ...strategy.options },
					},
				},
			],
		});
		const outputAt = clock.now();
		const [json] = r.output;
		if (json?.status !== 'Complete')
			throw new Error(`${label}: the wait output ${JSON.stringify(json)}`);
		tokenRecords.push(r.tokens);
		return {
			polls: json.polls,
			statusRequests: r.apiRequests.getPlanSnapshotRun ?? 0,
			delayMs: outputAt - (startedAt + lengthMs),
			realMs: r.wallMs,
		};
	}

	const rows = [];
	replaceWaitDependencies(clock.deps);
	try {
		for (const lengthS of lengthsS) {
			const row = { lengthS, strategies: {} };
			for (const strategy of WAIT_STRATEGIES) {
				const waits = [];
				for (const jitter of jitters) {
					waits.push(
						await waitOnce(
							Math.round(lengthS * 1000 * (1 + jitter)),
							strategy,
							`wait ${lengthS} s ${strategy.key} +${jitter * 100}%`,
						),
					);
				}
				row.strategies[strategy.key] = {
					polls: summarize(waits.map((w) => w.polls)),
					statusRequests: summarize(waits.map((w) => w.statusRequests)),
					meanStatusRequests: waits.reduce((a, w) => a + w.statusRequests, 0) / waits.length,
					meanDelayMs: waits.reduce((a, w) => a + w.delayMs, 0) / waits.length,
					maxDelayMs: Math.max(...waits.map((w) => w.delayMs)),
					realMs: waits.reduce((a, w) => a + w.realMs, 0),
					waits,
				};
			}
			const s = row.strategies;
			row.requestsVs30 = s.ours.meanStatusRequests / s.fixed30.meanStatusRequests;
			row.delayVs1 = s.ours.meanDelayMs / s.fixed1.meanDelayMs;
			progress(
				`waiting ${lengthS} s (simulated): status requests ours ${s.ours.meanStatusRequests.toFixed(1)}, 1 s ${s.fixed1.meanStatusRequests.toFixed(1)}, 30 s ${s.fixed30.meanStatusRequests.toFixed(1)}; mean delay ours ${(s.ours.meanDelayMs / 1000).toFixed(2)} s, 1 s ${(s.fixed1.meanDelayMs / 1000).toFixed(2)} s, 30 s ${(s.fixed30.meanDelayMs / 1000).toFixed(2)} s`,
			);
			rows.push(row);
		}
	} finally {
		replaceWaitDependencies(undefined);
	}

	// The same 10 s wait with our schedule in real time: the simulation must predict it.
	const realLengthS = lengthsS[0];
	progress(
		`waiting: one ${realLengthS} s wait with our schedule in real time (the simulation's check)`,
	);
	const real = await waitOnce(
		realLengthS * 1000,
		WAIT_STRATEGIES[0],
		`wait ${realLengthS} s ours, real time`,
	);
	const simulated = rows[0].strategies.ours.waits[0];
	real.simulatedPolls = simulated.polls;
	real.simulatedDelayMs = simulated.delayMs;
	if (real.polls !== simulated.polls) {
		throw new Error(
			`waiting: the real ${realLengthS} s wait polled ${real.polls} times, the simulated one ${simulated.polls}: the simulation is not faithful`,
		);
	}
	progress(
		`waiting ${realLengthS} s in real time: ${real.polls} polls (simulated ${simulated.polls}), delay ${(real.delayMs / 1000).toFixed(2)} s (simulated ${(simulated.delayMs / 1000).toFixed(2)} s)`,
	);
	return { rows, real, tokenRecords, jitters };
}
