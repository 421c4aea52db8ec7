/*
 * Starting a run in AAC (POST /v4/plans/{id}/run, POST /v4/jobGroups, POST /v4/flows/{id}/run)
 * so that it is never started twice, and so that a batch of items stays inside AAC's quotas.
 *
 * x-execution-id. Every run POST carries one (AAC's spec: a repeat with the same id answers 304
 * and starts nothing). Ours is built from what n8n keeps the same when it repeats the same work:
 *   n8n:<instance>:<workflow id>:<execution id>:<node id>:<run index>:<item index>
 * - Retry On Fail re-runs the node inside the same execution: same execution id, node, run index
 *   (n8n-core passes the same runIndex to every try) and item index, so the same header: a retry
 *   after an ambiguous POST (502, reset) cannot start a second run.
 * - The run index separates the node's runs in a loop (Loop Over Items runs it once per batch with
 *   item indexes starting at 0 again): each batch starts its own runs.
 * - A re-delivered webhook, or retrying a failed execution from n8n's list, is a NEW execution with
 *   a new id: the derived header does not stop it. For that the operation has the option Run Key:
 *   a value that is the same on redelivery (a delivery id from the webhook's headers or body)
 *   replaces instance, workflow and execution id; node, run index and item index stay in.
 * - The instance id (its first 16 characters) keeps two n8n instances (dev and prod with the same
 *   imported workflow, same node ids, both at execution 123) from colliding in one AAC workspace,
 *   which would make AAC silently not start the second one's run.
 *
 * 304. What AAC sends with it is unverified (the stand-in sends nothing). Handled as "already
 * started": the run this process started with that header (Retry On Fail runs in the same
 * process) if it is remembered; else an id in the 304 body if AAC sent one; else the operation's
 * finder (e.g. this user's runs of the same plan since the first attempt, not claimed by another
 * item), and only one candidate counts; else an error that says nothing new was started and
 * where to look. Never a second POST.
 *
 * Quotas. AAC allows 30 run POSTs per user per minute per endpoint (60 per workspace); over that,
 * 429. A token bucket per credential and endpoint (burst RUN_BURST, then `perMinute`) keeps a
 * batch below it, so 100 items start 100 runs without a 429; a 429 that still comes (another
 * client on the same user) is retried by the transport after x-retry-after (not processed).
 */

export type RunKind = 'plan' | 'recipe' | 'flow';

export interface ExecutionIdParts {
	instanceId?: string;
	workflowId?: string;
	executionId?: string;
	nodeId: string;
	runIndex: number;
	itemIndex: number;
	/** The Run Key option: replaces instance, workflow and execution id. */
	runKey?: string;
}

/** AAC's header length limit is undocumented; keep ids short and printable. */
const MAX_PART = 64;

function part(value: string | undefined, fallback: string): string {
	const text = (value ?? '').replace(/[^A-Za-z0-9._~-]/g, '_');
	return text ? text.slice(0, MAX_PART) : fallback;
}

export function buildExecutionId(parts: ExecutionIdParts): string {
	const where = `${part(parts.nodeId, 'node')}:${parts.runIndex}:${parts.itemIndex}`;
	if (parts.runKey !== undefined && parts.runKey !== '') {
		// The key is the user's: keep it readable but bounded (a long key is cut, not hashed).
		return `n8n-key:${part(parts.runKey, 'key').slice(0, MAX_PART)}:${where}`;
	}
	return `n8n:${part(parts.instanceId, 'i').slice(0, 16)}:${part(parts.workflowId, 'w')}:${part(parts.executionId, 'e')}:${where}`;
}

/** What an operation knows about the run it started. */
export interface StartedRun {
	/** planSnapshotRunId, job group id, flowRunId. */
	runId: string;
	/** The POST's answer body (an empty object when the run was found after a 304). */
	answer: Record<string, unknown>;
}

export interface RunResponse {
	statusCode: number;
	body: unknown;
}

export interface StartRunSpec {
	kind: RunKind;
	/** Quota key: 'runPlan' | 'runJobGroup' | 'runFlow'. */
	endpoint: string;
	/** Who shares the quota: the credential (one AAC user) and the API host. */
	quotaScope: string;
	/** x-execution-id. */
	executionId: string;
	/** "plan 7", for messages. */
	targetLabel: string;
	/** Sends the POST with these extra headers (the transport: 'startsWork' retry). */
	post: (headers: Record<string, string>) => Promise<RunResponse>;
	/** The run id in a run POST's answer (201 or a 304 that carries one), or undefined. */
	runIdOf: (body: unknown) => string | undefined;
	/**
	 * After a 304 with nothing remembered: candidates for the run AAC says exists (runs of the same
	 * target by this user created since `sinceMs`); the one not claimed by another item is taken.
	 */
	findCandidates?: (sinceMs: number) => Promise<string[]>;
	/** Where the user finds the run by hand, for the 304 error. */
	whereToLook: string;
	/** Max run POSTs per minute for this quota scope (default DEFAULT_RUNS_PER_MINUTE). */
	perMinute?: number;
}

export interface StartRunResult extends StartedRun {
	/** true: AAC answered 304 (this x-execution-id started a run before); nothing new was started. */
	alreadyStarted: boolean;
	/** How the run of a 304 was identified. */
	foundBy?: 'this process' | '304 body' | 'run list';
}

export interface RunRequestDependencies {
	now: () => number;
	sleep: (ms: number) => Promise<void>;
}

export class AlreadyStartedError extends Error {
	constructor(
		message: string,
		readonly description: string,
		readonly executionId: string,
	) {
		super(message);
		this.name = 'AlreadyStartedError';
	}
}

export const DEFAULT_RUNS_PER_MINUTE = 25;
/** Run POSTs allowed at once before spacing starts (so burst + rate stays at 30 a minute). */
export const RUN_BURST = 3;
/** How far before the first attempt a run found after a 304 may have been created (clock skew). */
const CANDIDATE_SKEW_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// Memory of this process: which x-execution-id started which run, and when it was first tried.

interface Remembered {
	kind: RunKind;
	runId?: string;
	answer?: Record<string, unknown>;
	firstAttemptAt: number;
	targetLabel: string;
}

const MEMORY_LIMIT = 10_000;
const memory = new Map<string, Remembered>();
/** Run ids already handed to an item, per kind, so a 304 finder never takes another item's run. */
const claimed = new Map<RunKind, Set<string>>();

function remember(executionId: string, entry: Remembered): void {
	memory.delete(executionId);
	memory.set(executionId, entry);
	while (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value as string);
	if (entry.runId) claim(entry.kind, entry.runId);
}

function claim(kind: RunKind, runId: string): void {
	let set = claimed.get(kind);
	if (!set) claimed.set(kind, (set = new Set()));
	set.add(runId);
	if (set.size > MEMORY_LIMIT) set.delete(set.values().next().value as string);
}

/** For tests: forget everything (module state outlives one workflow run). */
export function resetRunRequestMemory(): void {
	memory.clear();
	claimed.clear();
	buckets.clear();
}

// ---------------------------------------------------------------------------------------------
// Spacing: one token bucket per quota scope and endpoint.

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

// ---------------------------------------------------------------------------------------------

export async function startRun(
	spec: StartRunSpec,
	deps: RunRequestDependencies,
): Promise<StartRunResult> {
	await acquireRunSlot(
		`${spec.quotaScope}|${spec.endpoint}`,
		spec.perMinute ?? DEFAULT_RUNS_PER_MINUTE,
		deps,
	);

	const known = memory.get(spec.executionId);
	const firstAttemptAt = known?.firstAttemptAt ?? deps.now();
	if (!known)
		remember(spec.executionId, { kind: spec.kind, firstAttemptAt, targetLabel: spec.targetLabel });

	const response = await spec.post({ 'x-execution-id': spec.executionId });
	const answer =
		response.body !== null && typeof response.body === 'object'
			? (response.body as Record<string, unknown>)
			: {};

	if (response.statusCode !== 304) {
		const runId = spec.runIdOf(response.body);
		if (runId !== undefined)
			remember(spec.executionId, {
				kind: spec.kind,
				runId,
				answer,
				firstAttemptAt,
				targetLabel: spec.targetLabel,
			});
		return { runId: runId ?? '', answer, alreadyStarted: false };
	}

	// 304: a run with this x-execution-id exists; nothing new was started.
	const remembered = memory.get(spec.executionId);
	if (remembered?.runId) {
		return {
			runId: remembered.runId,
			answer: remembered.answer ?? {},
			alreadyStarted: true,
			foundBy: 'this process',
		};
	}
	const fromBody = spec.runIdOf(response.body);
	if (fromBody !== undefined) {
		remember(spec.executionId, {
			kind: spec.kind,
			runId: fromBody,
			answer,
			firstAttemptAt,
			targetLabel: spec.targetLabel,
		});
		return { runId: fromBody, answer, alreadyStarted: true, foundBy: '304 body' };
	}
	let candidates: string[] = [];
	if (spec.findCandidates) {
		const taken = claimed.get(spec.kind) ?? new Set<string>();
		candidates = (await spec.findCandidates(firstAttemptAt - CANDIDATE_SKEW_MS)).filter(
			(id) => !taken.has(id),
		);
		if (candidates.length === 1) {
			remember(spec.executionId, {
				kind: spec.kind,
				runId: candidates[0],
				answer: {},
				firstAttemptAt,
				targetLabel: spec.targetLabel,
			});
			return { runId: candidates[0], answer: {}, alreadyStarted: true, foundBy: 'run list' };
		}
	}
	const since = new Date(firstAttemptAt).toISOString();
	throw new AlreadyStartedError(
		`AAC says a run of ${spec.targetLabel} was already started for this item (304 for x-execution-id ${spec.executionId}), and did not say which; nothing new was started`,
		`An earlier attempt of this node for this item reached AAC (its answer was lost, or n8n restarted since). ` +
			(candidates.length > 1
				? `${candidates.length} runs of ${spec.targetLabel} started since ${since} could be it. `
				: '') +
			`Find the run in AAC: ${spec.whereToLook} (started at or after ${since}); then use its id with Wait or Get. Starting it again needs a new execution, or another Run Key.`,
		spec.executionId,
	);
}
