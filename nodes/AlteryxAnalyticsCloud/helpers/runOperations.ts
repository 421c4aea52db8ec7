import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';

import { CREDENTIAL_TYPE } from '../n8nAdapter';
import { isNotVisible, toNodeError } from './errors';
import { runsAsTool } from './tool';
import type { AacNodeContext } from './credentialWriter';
import { aacApiRequest, type AacRequest } from '../transport/aacApi';
import {
	DEFAULT_RUNS_PER_MINUTE,
	buildExecutionId,
	defaultRunsPerMinute,
	startRun,
	type RunKind,
	type StartRunResult,
} from './runRequest';
import {
	DEFAULT_MAX_WAIT_MINUTES,
	DEFAULT_POLL_SCHEDULE,
	executionCancelSignal,
	n8nWaitDependencies,
	runEndedError,
	waitForRun,
	type TerminalStatus,
} from './waitForRun';

/*
 * What the Run, Wait and Cancel operations of plans, plan runs, jobs and flows share: their
 * parameters (Wait for Completion, the wait and run options), starting a run through
 * runRequest.ts, and waiting through waitForRun.ts with n8n's sleep and cancel signal.
 */

// ---------------------------------------------------------------------------------------------
// Parameters.

export const waitForCompletionProperty: INodeProperties = {
	displayName: 'Wait for Completion',
	name: 'waitForCompletion',
	type: 'boolean',
	default: true,
	description:
		"Whether to wait until the run is Complete, Failed or Canceled before going on. Off: output the run's ID and first status at once (for long runs: Run without waiting → n8n Wait node → Wait).",
};

const waitOptions: INodeProperties[] = [
	{
		displayName: 'Cancel Run on Timeout',
		name: 'cancelOnTimeout',
		type: 'boolean',
		default: false,
		description:
			'Whether to cancel the run in AAC when Max Wait is reached (otherwise it goes on running)',
	},
	{
		displayName: 'Max Poll Interval (Seconds)',
		name: 'maxPollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 30, // DEFAULT_POLL_SCHEDULE.maxSeconds (lint wants a literal)
		description: 'The poll interval grows by half each time up to this',
	},
	{
		displayName: 'Max Wait (Minutes)',
		name: 'maxWaitMinutes',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 60, // DEFAULT_MAX_WAIT_MINUTES
		description: 'How long to wait for the run before failing with its last status',
	},
	{
		displayName: 'Output Failed Runs',
		name: 'outputFailedRuns',
		type: 'boolean',
		default: false,
		description:
			'Whether a run that ends Failed or Canceled is output as an item (with its status and reason) instead of failing the node',
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollIntervalSeconds',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 3, // DEFAULT_POLL_SCHEDULE.firstSeconds
		description: 'How long to wait before the first status check',
	},
];

/**
 * The Run options. `runsPerMinute`: the pace's default, the endpoint's quota less the burst (25
 * for plans and recipes, 17 for flows: defaultRunsPerMinute).
 */
const runOnlyOptions = (runsPerMinute: number): INodeProperties[] => [
	{
		displayName: 'Max Run Requests per Minute',
		name: 'runsPerMinute',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: runsPerMinute,
		description:
			'Across items, start at most this many runs a minute, after a burst of 3. AAC allows 30 run requests per user per minute for plans and recipes (60 per workspace) and 20 for flows (40 per workspace); the default stays within that.',
	},
	{
		displayName: 'Run Key',
		name: 'runKey',
		type: 'string',
		default: '',
		placeholder: '={{ $json.body.eventKey }}',
		description:
			"A value that is the same when the same request comes again, e.g. a webhook's delivery ID: AAC then starts no second run for it. Empty: one run per n8n execution, node and item (Retry On Fail never starts a second run).",
	},
];

/** The Options collection of a Run operation (`runsPerMinute`: its pace's default). */
export function runOptionsProperty(
	extra: INodeProperties[] = [],
	runsPerMinute = DEFAULT_RUNS_PER_MINUTE,
): INodeProperties {
	const options = [...extra, ...runOnlyOptions(runsPerMinute), ...waitOptions].sort((a, b) =>
		a.displayName.localeCompare(b.displayName),
	);
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options,
	};
}

/** The Options collection of a Wait operation. */
export function waitOptionsProperty(): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: waitOptions,
	};
}

// ---------------------------------------------------------------------------------------------
// Starting.

/** x-execution-id for this item: see runRequest.ts for what keeps it stable. */
export function executionIdFor(
	context: IExecuteFunctions,
	itemIndex: number,
	runKey: string,
): string {
	const node = context.getNode();
	let runIndex = 0;
	try {
		runIndex = Number(context.getWorkflowDataProxy(itemIndex).$runIndex) || 0;
	} catch {
		runIndex = 0;
	}
	// As a tool, each Retry On Fail attempt has a run index of its own; the call's input is shared.
	const toolInput = runsAsTool(node)
		? JSON.stringify(context.getInputData()[itemIndex]?.json ?? {})
		: undefined;
	return buildExecutionId({
		instanceId: context.getInstanceId?.(),
		workflowId: String(context.getWorkflow().id ?? ''),
		executionId: context.getExecutionId?.(),
		nodeId: node.id ?? node.name,
		runIndex,
		itemIndex,
		runKey: runKey.trim() || undefined,
		toolInput,
	});
}

export interface StartSpec {
	kind: RunKind;
	endpoint: 'runPlan' | 'runJobGroup' | 'runFlow';
	request: Omit<AacRequest, 'retry' | 'headers'>;
	targetLabel: string;
	whereToLook: string;
	runIdOf: (body: unknown) => string | undefined;
}

export async function startRunFor(
	context: IExecuteFunctions,
	itemIndex: number,
	spec: StartSpec,
): Promise<StartRunResult & { executionId: string }> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const executionId = executionIdFor(
		context,
		itemIndex,
		typeof options.runKey === 'string' ? options.runKey : '',
	);
	const credentialId = context.getNode().credentials?.[CREDENTIAL_TYPE]?.id ?? 'credential';
	const result = await startRun(
		{
			kind: spec.kind,
			endpoint: spec.endpoint,
			quotaScope: credentialId,
			executionId,
			targetLabel: spec.targetLabel,
			whereToLook: spec.whereToLook,
			perMinute:
				Number(options.runsPerMinute) > 0
					? Number(options.runsPerMinute)
					: defaultRunsPerMinute(spec.endpoint),
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

/** An id field of an answer as a string ('' when absent). */
export function idOf(value: unknown): string | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value === 'string' && value.trim()) return value.trim();
	return undefined;
}

// ---------------------------------------------------------------------------------------------
// Waiting.

export interface WaitSpec {
	/** "plan run 12" */
	runLabel: string;
	/** The cheap status GET. */
	getStatus: () => Promise<unknown>;
	/** AAC's reason for a Failed run, when it has one. */
	getReason?: () => Promise<string | undefined>;
	/** Cancels the run (Cancel Run on Timeout). */
	cancel: () => Promise<void>;
	/** e.g. 'Use Plan Run → Wait with ID 12 to wait again, or Cancel to stop it.' */
	resumeHint: string;
}

export interface WaitOutcome {
	status: TerminalStatus;
	reason?: string;
	polls: number;
	waitedSeconds: number;
}

/** Waits per the item's options; throws for Failed/Canceled unless Output Failed Runs is on. */
export async function waitForRunOf(
	context: IExecuteFunctions,
	itemIndex: number,
	spec: WaitSpec,
): Promise<WaitOutcome> {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const number = (value: unknown, fallback: number, min: number) => {
		const n = Number(value);
		return value === undefined || value === '' || !Number.isFinite(n) ? fallback : Math.max(min, n);
	};
	const maxWaitMinutes = number(options.maxWaitMinutes, DEFAULT_MAX_WAIT_MINUTES, 0);
	// The UI asks for whole seconds ≥ 1; fractions are honoured (down to 0.1 s) for tests and demos.
	const firstSeconds = number(options.pollIntervalSeconds, DEFAULT_POLL_SCHEDULE.firstSeconds, 0.1);
	const maxSeconds = Math.max(
		firstSeconds,
		number(options.maxPollIntervalSeconds, DEFAULT_POLL_SCHEDULE.maxSeconds, 0.1),
	);
	const result = await waitForRun(
		{
			node: context.getNode(),
			runLabel: spec.runLabel,
			getStatus: spec.getStatus,
			maxWaitMs: maxWaitMinutes * 60_000,
			schedule: { firstSeconds, factor: DEFAULT_POLL_SCHEDULE.factor, maxSeconds },
			signal: executionCancelSignal(context),
			cancel: options.cancelOnTimeout === true ? spec.cancel : undefined,
			resumeHint: spec.resumeHint,
		},
		n8nWaitDependencies,
	);
	const outcome: WaitOutcome = {
		status: result.status,
		polls: result.polls,
		waitedSeconds: Math.round(result.waitedMs / 100) / 10,
	};
	if (result.status !== 'Complete') {
		outcome.reason = spec.getReason ? await spec.getReason().catch(() => undefined) : undefined;
		if (options.outputFailedRuns !== true) {
			throw runEndedError(context.getNode(), spec.runLabel, result.status, outcome.reason, result);
		}
	}
	return outcome;
}

/** Seconds between two ISO times (null when either is missing). */
export function durationSeconds(from: unknown, to: unknown): number | null {
	const a = typeof from === 'string' ? Date.parse(from) : NaN;
	const b = typeof to === 'string' ? Date.parse(to) : NaN;
	return Number.isNaN(a) || Number.isNaN(b) ? null : Math.round((b - a) / 100) / 10;
}

/** A GET of one object; undefined when AAC no longer has it or will not show it (403, 404, 410). */
export async function aacGetIfExists(
	context: AacNodeContext,
	path: string,
	qs?: IDataObject,
): Promise<IDataObject | undefined> {
	try {
		const body = await aacGet(context, path, qs);
		return body && typeof body === 'object' ? (body as IDataObject) : undefined;
	} catch (error) {
		if (isNotVisible(error)) return undefined;
		throw toNodeError(context.getNode(), error);
	}
}

/** A GET through the transport (retried as a read). */
export async function aacGet(
	context: AacNodeContext,
	path: string,
	qs?: IDataObject,
): Promise<unknown> {
	return (await aacApiRequest.call(context, { method: 'GET', path, qs, retry: 'read' })).body;
}
