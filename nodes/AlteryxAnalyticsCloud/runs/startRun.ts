import { NodeOperationError, type IExecuteFunctions } from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../helpers/n8nAdapter';
import { executionCancelSignal, n8nWaitDependencies } from '../helpers/n8nSleep';
import { aacApiRequest } from '../transport/aacApi';
import type { AacRequest } from '../transport/types';
import { executionIdFor } from './executionId';
import {
	acquireRunSlot,
	defaultRunsPerMinute,
	resetRunPace,
	type RunRequestDependencies,
} from './runPace';

/*
 * Starting a run in AAC (POST /v4/plans/{id}/run, POST /v4/jobGroups, POST /v4/flows/{id}/run)
 * so that it is never started twice, and so that a batch of items stays inside AAC's quotas.
 *
 * x-execution-id: runs/executionId.ts. Pacing within AAC's quotas: runs/runPace.ts.
 *
 * 304. AAC answers a repeated x-execution-id with 304 and starts nothing; what else it says is
 * undocumented (an HTTP 304 carries no body: contract unknown notModifiedBody). The run is
 * reported as already started only when this process started it with that header (Retry On Fail
 * runs in the same process); otherwise the error says that AAC refused a repeat, that nothing
 * new was started, and where to find the run. No run is guessed from a list (another delivery's
 * run could be taken for this one's), and there is never a second POST.
 *
 */

export type RunKind = 'plan' | 'recipe' | 'flow';

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
	resetRunPace();
}

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

// ---------------------------------------------------------------------------------------------
// Starting from an operation.

export interface StartSpec {
	kind: RunKind;
	endpoint: 'runPlan' | 'runJobGroup' | 'runFlow';
	request: Omit<AacRequest, 'retry' | 'headers'>;
	targetLabel: string;
	whereToLook: string;
	runIdOf: (body: unknown) => string | undefined;
}

/** The item's Run options this needs (actions/runOptions.ts reads them). */
export interface StartValues {
	runKey?: string;
	runsPerMinute?: number;
}

/** Starts the item's run through the transport (retry 'startsWork'), with n8n's sleep for pacing. */
export async function startRunFor(
	context: IExecuteFunctions,
	itemIndex: number,
	spec: StartSpec,
	values: StartValues,
): Promise<StartRunResult & { executionId: string }> {
	const executionId = executionIdFor(context, itemIndex, values.runKey);
	const credentialId = context.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? 'credential';
	const result = await startRun(
		{
			kind: spec.kind,
			endpoint: spec.endpoint,
			quotaScope: credentialId,
			executionId,
			targetLabel: spec.targetLabel,
			whereToLook: spec.whereToLook,
			perMinute: values.runsPerMinute ?? defaultRunsPerMinute(spec.endpoint),
			post: async (headers) => {
				const response = await aacApiRequest.call(context, {
					...spec.request,
					headers,
					retry: 'startsWork',
				});
				return { statusCode: response.statusCode, body: response.body };
			},
			runIdOf: spec.runIdOf,
		},
		{
			now: () => Date.now(),
			sleep: async (ms) => await n8nWaitDependencies.sleep(ms, executionCancelSignal(context)),
		},
	);
	return { ...result, executionId };
}

/**
 * A run POST that AAC answered with success but without the run's ID: the run most likely started.
 * Said as such, with where to find it; the POST is never sent again.
 */
export function answeredWithoutRunId(
	context: IExecuteFunctions,
	itemIndex: number,
	started: { executionId: string },
	what: string,
	whereToLook: string,
): NodeOperationError {
	return new NodeOperationError(
		context.getNode(),
		`AAC accepted the run request, but its answer had no ${what}: the run has most likely started`,
		{
			description: `The node did not send the request again. Find the run in AAC: ${whereToLook}. The request carried x-execution-id ${started.executionId}, so running this item again in the same execution starts nothing new.`,
			itemIndex,
		},
	);
}
