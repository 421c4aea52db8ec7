/*
 * A run's status as AAC reports it (plan runs, job groups, flow runs): final or not, and how long
 * it took. One list of final states for the wait, both triggers and Flow → Run.
 *
 * Terminal states are Complete, Failed and Canceled. Anything else, an unknown value included,
 * means "still running": AAC adds states (Pending was seen) and a new one must not end a wait
 * early or make a trigger emit a run that is not done.
 */

export const TERMINAL_STATUSES = ['Complete', 'Failed', 'Canceled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminalStatus(status: unknown): status is TerminalStatus {
	return typeof status === 'string' && (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Seconds between two ISO times (null when either is missing). */
export function durationSeconds(from: unknown, to: unknown): number | null {
	const a = typeof from === 'string' ? Date.parse(from) : NaN;
	const b = typeof to === 'string' ? Date.parse(to) : NaN;
	return Number.isNaN(a) || Number.isNaN(b) ? null : Math.round((b - a) / 100) / 10;
}
