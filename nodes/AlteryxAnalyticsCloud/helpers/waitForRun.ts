import * as n8nWorkflow from 'n8n-workflow';
import { NodeApiError, NodeOperationError, type INode } from 'n8n-workflow';

import { NETWORK_ERROR_CODES } from '../transport/aacApi';
import { ownNetworkCode } from './errors';

/*
 * Waiting for an AAC run (plan run, job group, flow run) to finish, by polling its cheap status
 * endpoint. The rules, in one place:
 *
 * - Terminal states are Complete, Failed and Canceled (TERMINAL_STATUSES). Anything else, an
 *   unknown value included, means "still running": AAC adds states (Pending was seen) and a new
 *   one must not end a wait early.
 * - Schedule: the first poll after `firstSeconds`, each next delay `factor` times longer, never
 *   longer than `maxSeconds`. A 30 s job is seen done within a few seconds of finishing, an 8 h
 *   one costs about 1,000 cheap GETs, not 30,000.
 * - The wait ends at `maxWaitMs` (the last sleep is shortened so that the final poll happens at
 *   the deadline) with an error that names the run and its last status. The status is read at
 *   least once, even with a Max Wait of 0: a run that already finished is its result. With
 *   `cancelOnTimeout` the run is cancelled in AAC first (off by default: a run that is merely
 *   slow is usually still wanted), and its status read again: a run that finished meanwhile is
 *   its result, never reported as cancelled.
 * - A poll that fails transiently (429, 5xx, a reset or timed-out connection, an answer that is
 *   not a status) does not end the wait: it counts, and `maxConsecutiveFailures` failures in a
 *   row do. Any other failure (401 after the transport's refresh, 403, 404) ends it at once.
 *   The transport already retries each GET a few times; this is the second, slower layer.
 * - Stopping the n8n execution aborts `signal`: the sleep ends at once and the wait throws a
 *   error (runWaitDetails: STOPPED). The run goes on in AAC.
 * - Sleep and clock are injected, so the schedule is testable without waiting. Nothing here logs.
 */

export const TERMINAL_STATUSES = ['Complete', 'Failed', 'Canceled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminalStatus(status: unknown): status is TerminalStatus {
	return typeof status === 'string' && (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export interface PollSchedule {
	/** Delay before the first poll, in seconds. */
	firstSeconds: number;
	/** Each next delay is this many times the previous one. */
	factor: number;
	/** The longest delay between two polls, in seconds. */
	maxSeconds: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { firstSeconds: 3, factor: 1.5, maxSeconds: 30 };
export const DEFAULT_MAX_WAIT_MINUTES = 60;
export const DEFAULT_MAX_CONSECUTIVE_POLL_FAILURES = 5;

/** The delay (ms) before poll number `index` (0-based). */
export function pollDelayMs(index: number, schedule: PollSchedule): number {
	const first = Math.max(0, schedule.firstSeconds) * 1000;
	const cap = Math.max(first, Math.max(0, schedule.maxSeconds) * 1000);
	const factor = Math.max(1, schedule.factor);
	return Math.min(cap, first * factor ** Math.max(0, index));
}

export type RunWaitErrorCode = 'TIMEOUT' | 'FAILED' | 'CANCELED' | 'STOPPED' | 'STATUS_UNAVAILABLE';

export interface RunWaitDetails {
	code: RunWaitErrorCode;
	runLabel: string;
	lastStatus: string | undefined;
	reason?: string;
	polls: number;
	waitedMs: number;
	canceledInAac?: boolean;
}

/**
 * The wait's errors are NodeOperationErrors (what n8n shows and what Continue On Fail turns into
 * an item); what kind of end it was is in `context.runWait` (read it with runWaitDetails).
 */
export function runWaitError(
	node: INode,
	message: string,
	description: string,
	details: RunWaitDetails,
): NodeOperationError {
	const error = new NodeOperationError(node, message, { description });
	error.context.runWait = { ...details };
	return error;
}

export function runWaitDetails(error: unknown): RunWaitDetails | undefined {
	const context = (error as { context?: { runWait?: RunWaitDetails } } | null)?.context;
	return context?.runWait;
}

/** An error from the status getter that ends the wait, as a node error (unchanged when it is one). */
function asNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : new Error(String(error)));
}

export interface WaitDependencies {
	/** Sleeps `ms`; rejects when `signal` aborts (at once). */
	sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	/** Epoch ms. */
	now: () => number;
}

export interface WaitForRunOptions {
	/** The node, for its errors. */
	node: INode;
	/** How the run is named in errors: "plan run 42". */
	runLabel: string;
	/** The cheap status getter: resolves to the status as AAC sent it. */
	getStatus: () => Promise<unknown>;
	maxWaitMs: number;
	schedule?: PollSchedule;
	/** The execution's cancel signal (n8n's getExecutionCancelSignal), when the version has one. */
	signal?: AbortSignal;
	/** Called once on timeout when set (the "cancel on timeout" option). */
	cancel?: () => Promise<void>;
	/** Which poll failures do not end the wait (default: isTransientPollError). */
	isTransient?: (error: unknown) => boolean;
	maxConsecutiveFailures?: number;
	/** What to tell the user to do next after a timeout or a stop (e.g. "use Plan Run → Wait with id 42"). */
	resumeHint?: string;
}

export interface WaitForRunResult {
	status: TerminalStatus;
	polls: number;
	waitedMs: number;
}

/** The transport's network codes, and socket failures a poll's fetch may end with. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
	...NETWORK_ERROR_CODES,
	'UND_ERR_SOCKET',
	'ERR_STREAM_PREMATURE_CLOSE',
]);

function statusCodeOf(error: Record<string, unknown>): number | undefined {
	for (const key of ['httpCode', 'statusCode', 'status']) {
		const value = Number(error[key]);
		if (Number.isInteger(value) && value >= 100 && value < 600) return value;
	}
	return undefined;
}

/** 429, 5xx, network failures and a 2xx that is not JSON: what a later poll may not meet again. */
export function isTransientPollError(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const seen = new Set<unknown>();
	let current: unknown = error;
	while (typeof current === 'object' && current !== null && !seen.has(current)) {
		seen.add(current);
		const record = current as Record<string, unknown>;
		if ((record.context as { notJson?: unknown } | undefined)?.notJson === true) return true;
		const status = statusCodeOf(record);
		if (status !== undefined) return status === 429 || status >= 500;
		if (ownNetworkCode(record, NETWORK_CODES)) return true;
		if (record.name === 'TimeoutError' || record.name === 'AbortError') return true;
		current = record.cause;
	}
	return false;
}

/** The status as a string, or undefined when the answer is not one (garbage). */
function readStatus(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim()) return value.trim();
	return undefined;
}

export async function waitForRun(
	options: WaitForRunOptions,
	deps: WaitDependencies,
): Promise<WaitForRunResult> {
	const schedule = options.schedule ?? DEFAULT_POLL_SCHEDULE;
	const isTransient = options.isTransient ?? isTransientPollError;
	const maxFailures = Math.max(
		1,
		options.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_POLL_FAILURES,
	);
	const startedAt = deps.now();
	const deadline = startedAt + Math.max(0, options.maxWaitMs);
	let lastStatus: string | undefined;
	let polls = 0;
	let failuresInARow = 0;
	const hint = options.resumeHint ? ` ${options.resumeHint}` : '';
	const details = (
		code: RunWaitErrorCode,
		extra: Partial<RunWaitDetails> = {},
	): RunWaitDetails => ({
		code,
		runLabel: options.runLabel,
		lastStatus,
		polls,
		waitedMs: deps.now() - startedAt,
		...extra,
	});
	const statusText = () =>
		lastStatus === undefined ? 'no status read yet' : `last status ${lastStatus}`;

	// "canceled" in the message is what n8n-core reads to record the execution as canceled, not
	// failed (WorkflowExecute.processSuccessExecution), as for its own cancellation errors.
	const stopped = () =>
		runWaitError(
			options.node,
			`Execution canceled while waiting for ${options.runLabel} (${statusText()})`,
			`Stopping n8n stops only the wait: the run goes on in AAC.${hint}`,
			details('STOPPED'),
		);
	const unavailable = (what: string, lastFailure: string) =>
		runWaitError(
			options.node,
			`Could not read the status of ${options.runLabel}: ${failuresInARow} ${what} in a row (${statusText()})`,
			`The last failure: ${lastFailure}. The run may still be running in AAC.${hint}`,
			details('STATUS_UNAVAILABLE'),
		);

	/** One read of the status: the terminal status, or undefined (still running, or a transient failure). */
	const poll = async (): Promise<TerminalStatus | undefined> => {
		polls += 1;
		let answer: unknown;
		try {
			answer = await options.getStatus();
		} catch (error) {
			if (options.signal?.aborted) throw stopped();
			if (!isTransient(error)) throw asNodeError(options.node, error);
			failuresInARow += 1;
			if (failuresInARow >= maxFailures)
				throw unavailable('polls failed', (error as Error)?.message ?? 'unknown');
			return undefined;
		}
		const status = readStatus(answer);
		if (status === undefined) {
			// An answer that is not a status (an HTML error page passed off as 200, say): transient.
			failuresInARow += 1;
			if (failuresInARow >= maxFailures)
				throw unavailable('answers were not a status', 'the answer was not a status');
			return undefined;
		}
		failuresInARow = 0;
		lastStatus = status;
		return isTerminalStatus(status) ? status : undefined;
	};
	const finished = (status: TerminalStatus): WaitForRunResult => ({
		status,
		polls,
		waitedMs: deps.now() - startedAt,
	});

	for (let index = 0; ; index++) {
		const remaining = deadline - deps.now();
		if (remaining <= 0) {
			// Max Wait 0 (or a deadline before the first poll): read the status once anyway.
			if (polls === 0) {
				const status = await poll();
				if (status) return finished(status);
			}
			let canceledInAac = false;
			let cancelNote = ` It is still running in AAC.${hint}`;
			if (options.cancel) {
				try {
					await options.cancel();
				} catch (error) {
					cancelNote = ` Cancelling it in AAC failed (${(error as Error)?.message ?? 'unknown error'}): it may still be running.${hint}`;
				}
				// What the cancel did: a run that finished meanwhile is its result, not "cancelled".
				const after = await poll().catch(() => undefined);
				if (after && after !== 'Canceled') return finished(after);
				if (after === 'Canceled') {
					canceledInAac = true;
					cancelNote = ' It was cancelled in AAC (Cancel Run on Timeout).';
				} else if (cancelNote.startsWith(' It is still')) {
					cancelNote = ` A cancel was sent (Cancel Run on Timeout); its status was ${statusText().replace('last status ', '')} right after.${hint}`;
				}
			}
			const minutes = Math.round((options.maxWaitMs / 60000) * 100) / 100;
			throw runWaitError(
				options.node,
				`Gave up waiting for ${options.runLabel} after ${minutes} minutes (${statusText()})`,
				`The run did not finish within Max Wait (Minutes).${cancelNote}`,
				details('TIMEOUT', { canceledInAac }),
			);
		}
		try {
			await deps.sleep(Math.min(pollDelayMs(index, schedule), remaining), options.signal);
		} catch {
			throw stopped();
		}
		if (options.signal?.aborted) throw stopped();
		const status = await poll();
		if (status) return finished(status);
	}
}

/**
 * The error for a run that ended Failed or Canceled (the operations throw it unless the
 * "Output Failed Runs" option is on).
 */
export function runEndedError(
	node: INode,
	runLabel: string,
	status: 'Failed' | 'Canceled',
	reason: string | undefined,
	extra: { polls: number; waitedMs: number },
): NodeOperationError {
	const because = reason ? `: ${reason}` : '';
	return runWaitError(
		node,
		`${runLabel[0].toUpperCase()}${runLabel.slice(1)} ended ${status}${because}`,
		status === 'Failed'
			? `AAC reports the run as Failed${reason ? '' : ' without a reason; open the run in AAC for its job logs'}. To get the run as output instead of an error, turn on the option Output Failed Runs.`
			: 'The run was cancelled (in AAC, or by a Cancel operation). To get the run as output instead of an error, turn on the option Output Failed Runs.',
		{
			code: status === 'Failed' ? 'FAILED' : 'CANCELED',
			runLabel,
			lastStatus: status,
			reason,
			polls: extra.polls,
			waitedMs: extra.waitedMs,
		},
	);
}

// ---------------------------------------------------------------------------------------------
// Sleeping inside n8n.

type SleepWithAbort = (ms: number, signal?: AbortSignal) => Promise<void>;

/**
 * n8n-workflow's `sleepWithAbort` where the installed version exports it (1.x, e.g. 1.120 in
 * n8n 1.123.81); n8n-workflow 2.41 exports only `sleep`. Read at run time: the package is n8n's.
 */
const workflowSleepWithAbort = (n8nWorkflow as unknown as { sleepWithAbort?: SleepWithAbort })
	.sleepWithAbort;

/**
 * A sleep that ends at once when `signal` aborts, over web-standard APIs only (no timer globals,
 * see core/sleep.ts for why AbortSignal.timeout is the allowed timer): for n8n versions whose
 * n8n-workflow has no sleepWithAbort. An open MessagePort keeps the process alive for exactly
 * the sleep, as in core/sleep.ts.
 */
function webAbortableSleep(ms: number, signal: AbortSignal): Promise<void> {
	const delay = Number.isFinite(ms) ? Math.min(Math.max(0, Math.ceil(ms)), 2_147_483_647) : 0;
	return new Promise((resolve, reject) => {
		if (signal.aborted) {
			reject(new Error('The execution was stopped'));
			return;
		}
		const timer = AbortSignal.timeout(delay);
		const keepAlive = new MessageChannel();
		keepAlive.port1.onmessage = () => timer;
		const finish = (stopped: boolean) => {
			timer.removeEventListener('abort', onTimer);
			signal.removeEventListener('abort', onStop);
			keepAlive.port1.close();
			if (stopped) reject(new Error('The execution was stopped'));
			else resolve();
		};
		const onTimer = () => finish(false);
		const onStop = () => finish(true);
		timer.addEventListener('abort', onTimer, { once: true });
		signal.addEventListener('abort', onStop, { once: true });
	});
}

/**
 * The sleep the operations use: abortable by the execution's cancel signal when n8n offers one
 * (`getExecutionCancelSignal`, 1.x and 2.x), else n8n-workflow's plain `sleep` (each sleep is at
 * most the schedule's cap, so a stop is noticed within that).
 */
export async function n8nSleep(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) {
		await n8nWorkflow.sleep(Math.max(0, Math.ceil(ms)));
		return;
	}
	if (workflowSleepWithAbort) {
		await workflowSleepWithAbort(Math.max(0, Math.ceil(ms)), signal);
		return;
	}
	await webAbortableSleep(ms, signal);
}

/** The execution's cancel signal, on n8n versions that have it. */
export function executionCancelSignal(context: {
	getExecutionCancelSignal?: () => AbortSignal | undefined;
}): AbortSignal | undefined {
	return typeof context.getExecutionCancelSignal === 'function'
		? context.getExecutionCancelSignal()
		: undefined;
}

const realWaitDependencies: WaitDependencies = { sleep: n8nSleep, now: () => Date.now() };
let replacedWaitDependencies: WaitDependencies | undefined;

/**
 * What the operations wait with: n8n's sleep and the system clock, unless replaced. Read at each
 * call, so replaceWaitDependencies takes effect for every wait that follows.
 */
export const n8nWaitDependencies: WaitDependencies = {
	sleep: async (ms, signal) =>
		await (replacedWaitDependencies ?? realWaitDependencies).sleep(ms, signal),
	now: () => (replacedWaitDependencies ?? realWaitDependencies).now(),
};

/**
 * Makes the operations wait on another clock (undefined: back to the real one). For the
 * benchmark, which runs 30-minute waits through n8n's engine on a simulated clock in a second,
 * and for tests; nothing in the package calls it.
 */
export function replaceWaitDependencies(deps: WaitDependencies | undefined): void {
	replacedWaitDependencies = deps;
}
