import * as n8nWorkflow from 'n8n-workflow';

/*
 * Sleeping inside n8n: what the wait and the run pacing sleep with. n8n-workflow's sleep, ended at
 * once by the execution's cancel signal where n8n offers one; the clock and sleep can be replaced
 * (the benchmark runs 30-minute waits on a simulated clock).
 */

export interface WaitDependencies {
	/** Sleeps `ms`; rejects when `signal` aborts (at once). */
	sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
	/** Epoch ms. */
	now: () => number;
}

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
