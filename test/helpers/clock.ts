// Moving the wall clock a test's code reads, and nothing else.

/**
 * Fakes Date only, at `epochMs`, running on from there: timers, sockets, hrtime and the stand-in
 * stay real, so the code under test sees another wall-clock time while everything still happens.
 * Undo with jest.useRealTimers().
 */
export function dateOnlyAt(epochMs: number): void {
	jest.useFakeTimers({
		now: epochMs,
		advanceTimers: true,
		doNotFake: [
			'hrtime',
			'nextTick',
			'performance',
			'queueMicrotask',
			'setImmediate',
			'clearImmediate',
			'setInterval',
			'clearInterval',
			'setTimeout',
			'clearTimeout',
		],
	});
}
