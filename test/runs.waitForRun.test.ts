import { NodeOperationError, sleep, type INode } from 'n8n-workflow';

import {
	n8nSleep,
	n8nWaitDependencies,
	replaceWaitDependencies,
	type WaitDependencies,
} from '../nodes/AlteryxAnalyticsCloud/helpers/n8nSleep';
import { TERMINAL_STATUSES, isTerminalStatus } from '../nodes/AlteryxAnalyticsCloud/runs/status';
import {
	isTransientPollError,
	runEndedError,
	runWaitDetails,
} from '../nodes/AlteryxAnalyticsCloud/runs/waitErrors';
import {
	DEFAULT_POLL_SCHEDULE,
	pollDelayMs,
	waitForRun,
} from '../nodes/AlteryxAnalyticsCloud/runs/waitForRun';

/** A virtual clock: sleeping advances it, nothing waits for real. Records every sleep. */
function virtualTime(start = 1_700_000_000_000) {
	let now = start;
	const sleeps: number[] = [];
	const deps: WaitDependencies = {
		now: () => now,
		sleep: async (ms, signal) => {
			if (signal?.aborted) throw new Error('stopped');
			sleeps.push(ms);
			now += ms;
		},
	};
	return { deps, sleeps, elapsed: () => now - start, advance: (ms: number) => (now += ms) };
}

/** A status source that answers from a script, one entry per poll; the last entry repeats. */
function scripted(script: Array<string | Error | unknown>) {
	let polls = 0;
	return {
		get polls() {
			return polls;
		},
		getStatus: async () => {
			const entry = script[Math.min(polls, script.length - 1)];
			polls += 1;
			if (entry instanceof Error) throw entry;
			return entry;
		},
	};
}

const node: INode = {
	id: 'n1',
	name: 'AAC',
	type: 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

const httpError = (httpCode: string) => Object.assign(new Error(`HTTP ${httpCode}`), { httpCode });

describe('waitForRun: terminal states', () => {
	test('the terminal states are exactly Complete, Failed and Canceled; unknown values mean still running', () => {
		expect([...TERMINAL_STATUSES]).toEqual(['Complete', 'Failed', 'Canceled']);
		for (const running of [
			'Created',
			'InProgress',
			'Pending',
			'Queued',
			'complete',
			'Succeeded',
			'',
			undefined,
			3,
		]) {
			expect(isTerminalStatus(running)).toBe(false);
		}
	});

	test('polls through Created, Pending and an unknown state until Complete', async () => {
		const time = virtualTime();
		const source = scripted(['Created', 'Pending', 'SomethingNew', 'InProgress', 'Complete']);
		const result = await waitForRun(
			{ node, runLabel: 'plan run 7', getStatus: source.getStatus, maxWaitMs: 3_600_000 },
			time.deps,
		);
		expect(result).toEqual({ status: 'Complete', polls: 5, waitedMs: time.elapsed() });
		expect(source.polls).toBe(5);
	});

	test.each(['Failed', 'Canceled'] as const)(
		'%s ends the wait with that status (the operation decides error or output)',
		async (end) => {
			const time = virtualTime();
			const result = await waitForRun(
				{
					node,
					runLabel: 'job 3',
					getStatus: scripted(['InProgress', end]).getStatus,
					maxWaitMs: 60_000,
				},
				time.deps,
			);
			expect(result.status).toBe(end);
			expect(result.polls).toBe(2);
		},
	);
});

describe('waitForRun: schedule', () => {
	test('starts at a few seconds and backs off to the cap', () => {
		const delays = Array.from({ length: 12 }, (_, i) => pollDelayMs(i, DEFAULT_POLL_SCHEDULE));
		expect(delays[0]).toBe(3000);
		expect(delays[1]).toBe(4500);
		for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
		expect(Math.max(...delays)).toBe(30_000);
		expect(delays.at(-1)).toBe(30_000);
	});

	test('an 8-hour run costs about a thousand polls, not tens of thousands', async () => {
		const time = virtualTime();
		const finishAt = 8 * 3_600_000;
		const result = await waitForRun(
			{
				node,
				runLabel: 'plan run 1',
				getStatus: async () => (time.elapsed() >= finishAt ? 'Complete' : 'InProgress'),
				maxWaitMs: 9 * 3_600_000,
			},
			time.deps,
		);
		expect(result.status).toBe('Complete');
		expect(result.polls).toBeGreaterThan(900);
		expect(result.polls).toBeLessThan(1000);
		// Seen done within one cap of finishing.
		expect(time.elapsed() - finishAt).toBeLessThanOrEqual(30_000);
	});

	test('a configured schedule is followed exactly', async () => {
		const time = virtualTime();
		await waitForRun(
			{
				node,
				runLabel: 'flow run 2',
				getStatus: scripted(['Created', 'Created', 'Created', 'Created', 'Complete']).getStatus,
				maxWaitMs: 3_600_000,
				schedule: { firstSeconds: 1, factor: 2, maxSeconds: 5 },
			},
			time.deps,
		);
		expect(time.sleeps).toEqual([1000, 2000, 4000, 5000, 5000]);
	});
});

describe('waitForRun: timeout', () => {
	test('stops at maxWait with an error naming the run and its last status; the last sleep is cut to the deadline', async () => {
		const time = virtualTime();
		const error = await waitForRun(
			{
				node,
				runLabel: 'plan run 42',
				getStatus: scripted(['Created', 'InProgress']).getStatus,
				maxWaitMs: 60_000,
				resumeHint: 'Use Plan Run → Wait with ID 42.',
			},
			time.deps,
		).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		const e = error as NodeOperationError;
		expect(runWaitDetails(e)?.code).toBe('TIMEOUT');
		expect(e.message).toBe(
			'Gave up waiting for plan run 42 after 1 minutes (last status InProgress)',
		);
		expect(e.description).toContain('still running in AAC');
		expect(e.description).toContain('Plan Run → Wait with ID 42');
		expect(runWaitDetails(e)?.canceledInAac).toBe(false);
		expect(time.elapsed()).toBe(60_000);
		// 3 + 4.5 + 6.75 + 10.125 + 15.1875 = 39.5625 s, then the 20.4375 s left, not 22.78 s.
		expect(time.sleeps.at(-1)).toBeCloseTo(20_437.5, 3);
	});

	test('with cancel on timeout, the run is cancelled once, its status read again, and the error says so', async () => {
		const time = virtualTime();
		let canceled = false;
		const cancel = jest.fn(async () => {
			canceled = true;
		});
		const e = (await waitForRun(
			{
				node,
				runLabel: 'job 9',
				getStatus: async () => (canceled ? 'Canceled' : 'InProgress'),
				maxWaitMs: 30_000,
				cancel,
			},
			time.deps,
		).catch((x) => x)) as NodeOperationError;
		expect(runWaitDetails(e)?.code).toBe('TIMEOUT');
		expect(cancel).toHaveBeenCalledTimes(1);
		expect(runWaitDetails(e)?.canceledInAac).toBe(true);
		expect(e.description).toContain('cancelled in AAC');
	});

	test('a run that finished before the cancel took effect is its result, never reported as cancelled', async () => {
		const time = virtualTime();
		let canceled = false;
		const cancel = jest.fn(async () => {
			canceled = true; // AAC does nothing to a finished run
		});
		const result = await waitForRun(
			{
				node,
				runLabel: 'job 9',
				getStatus: async () => (canceled ? 'Complete' : 'InProgress'),
				maxWaitMs: 10_000,
				cancel,
			},
			time.deps,
		);
		expect(result.status).toBe('Complete');
		expect(cancel).toHaveBeenCalledTimes(1);
	});

	test('a cancel that fails is reported, not hidden', async () => {
		const time = virtualTime();
		const cancel = jest.fn(async () => {
			throw new Error('HTTP 403');
		});
		const e = (await waitForRun(
			{ node, runLabel: 'job 9', getStatus: async () => 'InProgress', maxWaitMs: 10_000, cancel },
			time.deps,
		).catch((x) => x)) as NodeOperationError;
		expect(runWaitDetails(e)?.code).toBe('TIMEOUT');
		expect(runWaitDetails(e)?.canceledInAac).toBe(false);
		expect(e.description).toContain('Cancelling it in AAC failed (HTTP 403)');
	});

	test('Max Wait 0 reads the status once: a run that already finished is its result, and nothing is cancelled', async () => {
		const time = virtualTime();
		const source = scripted(['Complete']);
		const cancel = jest.fn(async () => undefined);
		const result = await waitForRun(
			{ node, runLabel: 'plan run 1', getStatus: source.getStatus, maxWaitMs: 0, cancel },
			time.deps,
		);
		expect(result).toMatchObject({ status: 'Complete', polls: 1 });
		expect(source.polls).toBe(1);
		expect(cancel).not.toHaveBeenCalled();
		expect(time.sleeps).toEqual([]);
	});

	test('Max Wait 0 on a run still going: one read, then the timeout names its status', async () => {
		const time = virtualTime();
		const source = scripted(['InProgress']);
		const e = (await waitForRun(
			{ node, runLabel: 'plan run 1', getStatus: source.getStatus, maxWaitMs: 0 },
			time.deps,
		).catch((x) => x)) as NodeOperationError;
		expect(runWaitDetails(e)?.code).toBe('TIMEOUT');
		expect(e.message).toContain('last status InProgress');
		expect(source.polls).toBe(1);
	});
});

describe('waitForRun: failing polls', () => {
	test('transient failures (500, 503, 429, reset, garbage) do not end the wait', async () => {
		const time = virtualTime();
		const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
		const source = scripted([
			'InProgress',
			httpError('500'),
			httpError('503'),
			httpError('429'),
			reset,
			'<html>',
			'Complete',
		]);
		const result = await waitForRun(
			{ node, runLabel: 'plan run 5', getStatus: source.getStatus, maxWaitMs: 3_600_000 },
			time.deps,
		);
		expect(result.status).toBe('Complete');
		expect(source.polls).toBe(7);
	});

	test('transient failures in a row are bounded: the error names the run, the last status and the last failure', async () => {
		const time = virtualTime();
		const source = scripted(['InProgress', httpError('503')]);
		const e = (await waitForRun(
			{
				node,
				runLabel: 'plan run 5',
				getStatus: source.getStatus,
				maxWaitMs: 3_600_000,
				maxConsecutiveFailures: 4,
			},
			time.deps,
		).catch((x) => x)) as NodeOperationError;
		expect(runWaitDetails(e)?.code).toBe('STATUS_UNAVAILABLE');
		expect(e.message).toBe(
			'Could not read the status of plan run 5: 4 polls failed in a row (last status InProgress)',
		);
		expect(e.description).toContain('HTTP 503');
		expect(source.polls).toBe(5);
	});

	test('a failure that is not transient (403, 404) ends the wait at once, unchanged', async () => {
		const time = virtualTime();
		const forbidden = httpError('403');
		const source = scripted(['InProgress', forbidden, 'Complete']);
		const e = await waitForRun(
			{ node, runLabel: 'job 1', getStatus: source.getStatus, maxWaitMs: 60_000 },
			time.deps,
		).catch((x) => x);
		expect(e).toBeInstanceOf(NodeOperationError);
		expect(e.message).toBe('HTTP 403');
		expect(runWaitDetails(e)).toBeUndefined();
		expect(source.polls).toBe(2);
	});

	test('classifies errors by status code, network code and cause', () => {
		expect(isTransientPollError(httpError('502'))).toBe(true);
		expect(isTransientPollError({ statusCode: 429 })).toBe(true);
		expect(isTransientPollError(new Error('x', { cause: { code: 'ETIMEDOUT' } }))).toBe(true);
		// n8n 1.x's NodeApiError drops the axios error and keeps its code as httpCode (seen in 1.123.81).
		expect(isTransientPollError({ name: 'NodeApiError', httpCode: 'ECONNRESET' })).toBe(true);
		// The transport's own error after its attempts: the code is in context.
		expect(
			isTransientPollError({
				name: 'NodeApiError',
				httpCode: null,
				context: { networkCode: 'ECONNRESET' },
			}),
		).toBe(true);
		expect(isTransientPollError({ name: 'NodeApiError', httpCode: 'EACCES' })).toBe(false);
		expect(isTransientPollError(httpError('401'))).toBe(false);
		expect(isTransientPollError(httpError('404'))).toBe(false);
		expect(isTransientPollError(new Error('plain'))).toBe(false);
		expect(isTransientPollError('string')).toBe(false);
	});
});

describe('waitForRun: stopping the execution', () => {
	test('an abort during the sleep ends the wait at once with STOPPED', async () => {
		const controller = new AbortController();
		let now = 0;
		let sleeping: (() => void) | undefined;
		const deps: WaitDependencies = {
			now: () => now,
			sleep: (ms, signal) =>
				new Promise<void>((resolve, reject) => {
					sleeping = () => {
						now += ms;
						resolve();
					};
					signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
				}),
		};
		const source = scripted(['InProgress']);
		const waiting = waitForRun(
			{
				node,
				runLabel: 'plan run 3',
				getStatus: source.getStatus,
				maxWaitMs: 3_600_000,
				signal: controller.signal,
			},
			deps,
		).catch((x) => x);
		await Promise.resolve();
		sleeping!();
		await sleep(5);
		controller.abort();
		const e = (await waiting) as NodeOperationError;
		expect(runWaitDetails(e)?.code).toBe('STOPPED');
		expect(e.message).toBe(
			'Execution canceled while waiting for plan run 3 (last status InProgress)',
		);
		expect(e.description).toContain('the run goes on in AAC');
		expect(source.polls).toBe(1);
	});

	test('n8nSleep with a cancel signal ends at once on abort (n8n-workflow 2.41 has no sleepWithAbort)', async () => {
		const controller = new AbortController();
		const started = Date.now();
		const sleeping = n8nSleep(30_000, controller.signal);
		void sleep(50).then(() => controller.abort());
		await expect(sleeping).rejects.toThrow();
		expect(Date.now() - started).toBeLessThan(1000);
	});

	test('n8nSleep sleeps the time asked when not aborted', async () => {
		const controller = new AbortController();
		const started = Date.now();
		await n8nSleep(120, controller.signal);
		expect(Date.now() - started).toBeGreaterThanOrEqual(110);
		const plain = Date.now();
		await n8nSleep(60);
		expect(Date.now() - plain).toBeGreaterThanOrEqual(50);
	});
});

describe('runEndedError', () => {
	test("names the run, the status and AAC's reason, and the option that turns it into output", () => {
		const failed = runEndedError(node, 'job 12', 'Failed', 'Column "x" not found', {
			polls: 3,
			waitedMs: 9000,
		});
		expect(runWaitDetails(failed)).toMatchObject({
			code: 'FAILED',
			reason: 'Column "x" not found',
		});
		expect(failed.message).toBe('Job 12 ended Failed: Column "x" not found');
		expect(failed.description).toContain('Output Failed Runs');
		const canceled = runEndedError(node, 'plan run 4', 'Canceled', undefined, {
			polls: 1,
			waitedMs: 3000,
		});
		expect(runWaitDetails(canceled)?.code).toBe('CANCELED');
		expect(canceled.message).toBe('Plan run 4 ended Canceled');
	});
});

describe('the Run and Wait options', () => {
	test("their UI defaults are the helpers' defaults (the lint wants literals there)", async () => {
		const { runOptionsProperty } = await import(
			'../nodes/AlteryxAnalyticsCloud/actions/runOptions'
		);
		const { DEFAULT_RUNS_PER_MINUTE } = await import('../nodes/AlteryxAnalyticsCloud/runs/runPace');
		const { DEFAULT_MAX_WAIT_MINUTES } = await import(
			'../nodes/AlteryxAnalyticsCloud/runs/waitForRun'
		);
		const defaults = Object.fromEntries(
			(runOptionsProperty().options as Array<{ name: string; default: unknown }>).map((o) => [
				o.name,
				o.default,
			]),
		);
		expect(defaults).toMatchObject({
			maxWaitMinutes: DEFAULT_MAX_WAIT_MINUTES,
			pollIntervalSeconds: DEFAULT_POLL_SCHEDULE.firstSeconds,
			maxPollIntervalSeconds: DEFAULT_POLL_SCHEDULE.maxSeconds,
			runsPerMinute: DEFAULT_RUNS_PER_MINUTE,
			cancelOnTimeout: false,
			outputFailedRuns: false,
			runKey: '',
		});
	});
});

describe('replaceWaitDependencies: the clock the operations wait on', () => {
	afterEach(() => replaceWaitDependencies(undefined));

	test('a replaced clock is used by every wait that follows; undefined restores the real one', async () => {
		const virtual = virtualTime();
		replaceWaitDependencies(virtual.deps);
		expect(n8nWaitDependencies.now()).toBe(1_700_000_000_000);
		const realStart = Date.now();
		// A 2-minute run on the default schedule: 3, 4.5, 6.75, ... s between polls.
		const status = scripted([...Array<string>(9).fill('InProgress'), 'Complete']);
		const result = await waitForRun(
			{ node, runLabel: 'plan run 1', getStatus: status.getStatus, maxWaitMs: 3_600_000 },
			n8nWaitDependencies,
		);
		expect(result).toMatchObject({ status: 'Complete', polls: 10 });
		expect(virtual.sleeps).toEqual(
			Array.from({ length: 10 }, (_, i) => pollDelayMs(i, DEFAULT_POLL_SCHEDULE)),
		);
		expect(virtual.elapsed()).toBe(virtual.sleeps.reduce((a, b) => a + b, 0));
		expect(Date.now() - realStart).toBeLessThan(5_000); // minutes of waiting, no real sleeping

		replaceWaitDependencies(undefined);
		const before = Date.now();
		expect(Math.abs(n8nWaitDependencies.now() - before)).toBeLessThan(1_000);
		await n8nWaitDependencies.sleep(30);
		expect(Date.now() - before).toBeGreaterThanOrEqual(25);
		expect(virtual.sleeps).toHaveLength(10); // the virtual clock saw nothing more
	});
});
