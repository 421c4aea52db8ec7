import { createHash } from 'crypto';

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
 * - As an AI agent's tool (Tools Agent, MCP Server Trigger), n8n-core gives every Retry On Fail
 *   attempt of one tool call a new run index: there the run index is replaced by a hash of the
 *   tool call's input, which every attempt shares. A retry after a lost answer, or after the run
 *   ended Failed, gets 304 and reports that run; the model asking again with the same input in the
 *   same execution gets the same answer.
 * - A re-delivered webhook, or retrying a failed execution from n8n's list, is a NEW execution with
 *   a new id: the derived header does not stop it. For that the operation has the option Run Key:
 *   a value that is the same on redelivery (a delivery id from the webhook's headers or body). It
 *   is hashed with the instance and the workflow (so keys that differ anywhere, in punctuation,
 *   non-ASCII letters or past any length, give different headers, and the same key in another
 *   workflow or instance does not collide); node, run index and item index stay in.
 * - The instance id (its first 16 characters) keeps two n8n instances (dev and prod with the same
 *   imported workflow, same node ids, both at execution 123) from colliding in one AAC workspace,
 *   which would make AAC silently not start the second one's run.
 *
 * 304. AAC answers a repeated x-execution-id with 304 and starts nothing; what else it says is
 * undocumented (an HTTP 304 carries no body: contract unknown notModifiedBody). The run is
 * reported as already started only when this process started it with that header (Retry On Fail
 * runs in the same process); otherwise the error says that AAC refused a repeat, that nothing
 * new was started, and where to find the run. No run is guessed from a list (another delivery's
 * run could be taken for this one's), and there is never a second POST.
 *
 * Quotas [spec]: runPlan and runJobGroup 30 per user per minute (60 per workspace), runFlow 20 (40);
 * over that, 429. A token bucket per credential and endpoint (burst RUN_BURST, then `perMinute`,
 * by default the endpoint's quota less the burst: RUN_QUOTAS) keeps a batch below it, so 100 items
 * start 100 runs without a 429; a 429 that still comes (another client on the same user, or a
 * pace set above the quota: AAC support can raise quotas) is retried by the transport after
 * x-retry-after (not processed).
 */

export type RunKind = 'plan' | 'recipe' | 'flow';

export interface ExecutionIdParts {
	instanceId?: string;
	workflowId?: string;
	executionId?: string;
	nodeId: string;
	runIndex: number;
	itemIndex: number;
	/** The Run Key option: replaces the execution id (hashed with instance and workflow). */
	runKey?: string;
	/** As an AI tool: the tool call's input (JSON), which replaces the run index. */
	toolInput?: string;
}

/** AAC's header length limit is undocumented; keep ids short and printable. */
const MAX_PART = 64;

function part(value: string | undefined, fallback: string): string {
	const text = (value ?? '').replace(/[^A-Za-z0-9._~-]/g, '_');
	return text ? text.slice(0, MAX_PART) : fallback;
}

const digest = (text: string, length: number) =>
	createHash('sha256').update(text).digest('hex').slice(0, length);

export function buildExecutionId(parts: ExecutionIdParts): string {
	const run =
		parts.toolInput === undefined ? String(parts.runIndex) : `tool-${digest(parts.toolInput, 16)}`;
	const where = `${part(parts.nodeId, 'node')}:${run}:${parts.itemIndex}`;
	if (parts.runKey !== undefined && parts.runKey !== '') {
		const key = digest(
			JSON.stringify([parts.instanceId ?? '', parts.workflowId ?? '', parts.runKey]),
			32,
		);
		return `n8n-key:${key}:${where}`;
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
	/** The run id in a run POST's 2xx answer, or undefined. */
	runIdOf: (body: unknown) => string | undefined;
	/** Where the user finds the run by hand, for the 304 error. */
	whereToLook: string;
	/** Max run POSTs per minute for this quota scope (default DEFAULT_RUNS_PER_MINUTE). */
	perMinute?: number;
}

export interface StartRunResult extends StartedRun {
	/** true: AAC answered 304 (this x-execution-id started a run before); nothing new was started. */
	alreadyStarted: boolean;
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

function remember(executionId: string, entry: Remembered): void {
	memory.delete(executionId);
	memory.set(executionId, entry);
	while (memory.size > MEMORY_LIMIT) memory.delete(memory.keys().next().value as string);
}

/** For tests: forget everything (module state outlives one workflow run). */
export function resetRunRequestMemory(): void {
	memory.clear();
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
		spec.perMinute ?? defaultRunsPerMinute(spec.endpoint),
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
		return { runId: remembered.runId, answer: remembered.answer ?? {}, alreadyStarted: true };
	}
	const since = known
		? ` (this item was first tried at ${new Date(firstAttemptAt).toISOString()})`
		: '';
	throw new AlreadyStartedError(
		`AAC refused to start ${spec.targetLabel} again: it answered 304 to x-execution-id ${spec.executionId}, so a run was already started for this item, and it did not say which; nothing new was started`,
		`An earlier attempt of this node for this item reached AAC (its answer was lost, or n8n restarted since). ` +
			`Find the run in AAC: ${spec.whereToLook}${since}; then use its ID with Wait or Get. Starting it again needs a new execution, or another Run Key.`,
		spec.executionId,
	);
}
