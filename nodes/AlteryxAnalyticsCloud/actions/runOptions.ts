import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { DEFAULT_RUNS_PER_MINUTE } from '../runs/runPace';
import {
	DEFAULT_MAX_WAIT_MINUTES,
	DEFAULT_POLL_SCHEDULE,
	type WaitValues,
} from '../runs/waitForRun';

/*
 * The options of the Run and Wait operations (plans, plan runs, jobs, flows): their properties, and
 * readRunOptions, which reads an item's options once into values. The runs below (runs/) take
 * those values and never read a node parameter themselves.
 */

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

/** An item's Run options as values. */
export interface RunValues {
	/** Run Key (trimmed; undefined when empty). */
	runKey?: string;
	/** Max Run Requests per Minute (undefined: the endpoint's default). */
	runsPerMinute?: number;
	wait: WaitValues;
}

const numberOr = (value: unknown, fallback: number, min: number) => {
	const n = Number(value);
	return value === undefined || value === '' || !Number.isFinite(n) ? fallback : Math.max(min, n);
};

/** The item's Options collection, read once. */
export function readRunOptions(context: IExecuteFunctions, itemIndex: number): RunValues {
	const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
	// The UI asks for whole seconds ≥ 1; fractions are honoured (down to 0.1 s) for tests and demos.
	const firstSeconds = numberOr(
		options.pollIntervalSeconds,
		DEFAULT_POLL_SCHEDULE.firstSeconds,
		0.1,
	);
	const maxSeconds = Math.max(
		firstSeconds,
		numberOr(options.maxPollIntervalSeconds, DEFAULT_POLL_SCHEDULE.maxSeconds, 0.1),
	);
	const runKey = typeof options.runKey === 'string' ? options.runKey.trim() : '';
	return {
		runKey: runKey || undefined,
		runsPerMinute: Number(options.runsPerMinute) > 0 ? Number(options.runsPerMinute) : undefined,
		wait: {
			maxWaitMs: numberOr(options.maxWaitMinutes, DEFAULT_MAX_WAIT_MINUTES, 0) * 60_000,
			schedule: { firstSeconds, factor: DEFAULT_POLL_SCHEDULE.factor, maxSeconds },
			cancelOnTimeout: options.cancelOnTimeout === true,
			outputFailedRuns: options.outputFailedRuns === true,
		},
	};
}
