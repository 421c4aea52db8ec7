/*
 * Pacing run POSTs within AAC's quotas.
 *
 * Quotas [spec]: runPlan and runJobGroup 30 per user per minute (60 per workspace), runFlow 20 (40);
 * over that, 429. A token bucket per credential and endpoint (burst RUN_BURST, then `perMinute`,
 * by default the endpoint's quota less the burst: RUN_QUOTAS) keeps a batch below it, so 100 items
 * start 100 runs without a 429; a 429 that still comes (another client on the same user, or a
 * pace set above the quota: AAC support can raise quotas) is retried by the transport after
 * x-retry-after (not processed).
 */

/** The clock and sleep a pace waits with (n8n's in the node, virtual in tests). */
export interface RunRequestDependencies {
	now: () => number;
	sleep: (ms: number) => Promise<void>;
}

/** Run POSTs a user may send per minute, per endpoint [spec: 30 runPlan and runJobGroup, 20 runFlow]. */
export const RUN_QUOTAS: Record<string, number> = { runPlan: 30, runJobGroup: 30, runFlow: 20 };
/** Run POSTs allowed at once before spacing starts. */
export const RUN_BURST = 3;
/** The default of plans and recipes (the option's literal default): 3 + 25 = 28 in a minute, under 30. */
export const DEFAULT_RUNS_PER_MINUTE = 25;
/** The default pace per endpoint: burst + a minute's rate within the quota (flows: 3 + 17 = 20). */
const RUN_PACE: Record<string, number> = {
	runPlan: DEFAULT_RUNS_PER_MINUTE,
	runJobGroup: DEFAULT_RUNS_PER_MINUTE,
	runFlow: RUN_QUOTAS.runFlow - RUN_BURST,
};
export const defaultRunsPerMinute = (endpoint: string): number =>
	RUN_PACE[endpoint] ?? DEFAULT_RUNS_PER_MINUTE;

// One token bucket per quota scope and endpoint.

interface Bucket {
	tokens: number;
	updatedAt: number;
	/** Serialises acquirers, so concurrent items queue in order. */
	queue: Promise<void>;
}

const buckets = new Map<string, Bucket>();

/** Waits until one more run POST fits into `perMinute` (burst RUN_BURST). */
export async function acquireRunSlot(
	key: string,
	perMinute: number,
	deps: RunRequestDependencies,
): Promise<void> {
	const rate = Math.max(1, perMinute) / 60_000; // tokens per ms
	const capacity = Math.max(1, Math.min(RUN_BURST, Math.floor(perMinute)));
	let bucket = buckets.get(key);
	if (!bucket) {
		bucket = { tokens: capacity, updatedAt: deps.now(), queue: Promise.resolve() };
		buckets.set(key, bucket);
	}
	const b = bucket;
	const turn = b.queue.then(async () => {
		for (;;) {
			const now = deps.now();
			b.tokens = Math.min(capacity, b.tokens + (now - b.updatedAt) * rate);
			b.updatedAt = now;
			if (b.tokens >= 1) {
				b.tokens -= 1;
				return;
			}
			await deps.sleep(Math.ceil((1 - b.tokens) / rate));
		}
	});
	b.queue = turn.catch(() => undefined);
	await turn;
}

/** For tests: forget the buckets. */
export function resetRunPace(): void {
	buckets.clear();
}
