import type { IExecuteFunctions, INode } from 'n8n-workflow';

import {
	executionCancelSignal,
	n8nWaitDependencies,
	type WaitDependencies,
} from '../helpers/n8nSleep';
import { isTerminalStatus, type TerminalStatus } from './status';
import {
	asNodeError,
	isTransientPollError,
	runEndedError,
	runWaitError,
	type RunWaitDetails,
	type RunWaitErrorCode,
} from './waitErrors';

/*
 * Waiting for an AAC run (plan run, job group, flow run) to finish, by polling its cheap status
 * endpoint. The rules, in one place:
 *
 * - Terminal states are runs/status.ts's: anything else means "still running".
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

// ---------------------------------------------------------------------------------------------
// Waiting inside an operation: with n8n's sleep and cancel signal, per the item's values.

/** How an item waits (actions/runOptions.ts reads them from its Options). */
export interface WaitValues {
	maxWaitMs: number;
	schedule: PollSchedule;
	cancelOnTimeout: boolean;
	outputFailedRuns: boolean;
}

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

/** Waits with n8n's sleep; throws for Failed/Canceled unless Output Failed Runs is on. */
export async function waitForRunOf(
	context: IExecuteFunctions,
	spec: WaitSpec,
	values: WaitValues,
): Promise<WaitOutcome> {
	const result = await waitForRun(
		{
			node: context.getNode(),
			runLabel: spec.runLabel,
			getStatus: spec.getStatus,
			maxWaitMs: values.maxWaitMs,
			schedule: values.schedule,
			signal: executionCancelSignal(context),
			cancel: values.cancelOnTimeout ? spec.cancel : undefined,
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
		if (!values.outputFailedRuns)
			throw runEndedError(context.getNode(), spec.runLabel, result.status, outcome.reason, result);
	}
	return outcome;
}
