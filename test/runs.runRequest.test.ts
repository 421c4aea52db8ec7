import { buildExecutionId } from '../nodes/AlteryxAnalyticsCloud/runs/executionId';
import {
	DEFAULT_RUNS_PER_MINUTE,
	RUN_BURST,
	acquireRunSlot,
	defaultRunsPerMinute,
	type RunRequestDependencies,
} from '../nodes/AlteryxAnalyticsCloud/runs/runPace';
import {
	AlreadyStartedError,
	resetRunRequestMemory,
	startRun,
	type RunResponse,
	type StartRunSpec,
} from '../nodes/AlteryxAnalyticsCloud/runs/startRun';

function virtualTime(start = 1_700_000_000_000) {
	let now = start;
	const sleeps: number[] = [];
	const deps: RunRequestDependencies = {
		now: () => now,
		sleep: async (ms) => {
			sleeps.push(ms);
			now += ms;
		},
	};
	return { deps, sleeps, now: () => now, elapsed: () => now - start };
}

/**
 * A hand-written fake of AAC's run endpoint, enough for these unit tests (the operations are
 * tested against the stand-in): starts a run per new x-execution-id, answers 304 for a repeat,
 * can lose the answer after starting (the ambiguous POST), and counts a 60 s quota window.
 */
function fakeRunEndpoint(time: ReturnType<typeof virtualTime>, quota = 30) {
	const runs = new Map<string, string>();
	const created: Array<{ id: string; at: number }> = [];
	let loseNextAnswer = false;
	let windowStart = -Infinity;
	let used = 0;
	let tooMany = 0;
	let posts = 0;
	const post = async (headers: Record<string, string>): Promise<RunResponse> => {
		posts += 1;
		const t = time.now();
		if (t >= windowStart + 60_000) {
			windowStart = t;
			used = 0;
		}
		if (used >= quota) {
			tooMany += 1;
			return { statusCode: 429, body: {} };
		}
		used += 1;
		const key = headers['x-execution-id'];
		if (runs.has(key)) return { statusCode: 304, body: undefined };
		const id = String(100 + runs.size);
		runs.set(key, id);
		created.push({ id, at: t });
		if (loseNextAnswer) {
			loseNextAnswer = false;
			throw Object.assign(new Error('502 Bad Gateway: the run may have started'), {
				httpCode: '502',
			});
		}
		return { statusCode: 201, body: { validationStatus: 'Valid', planSnapshotRunId: Number(id) } };
	};
	return {
		post,
		runs,
		created,
		loseNext: () => (loseNextAnswer = true),
		get tooMany() {
			return tooMany;
		},
		get posts() {
			return posts;
		},
	};
}

function planSpec(
	executionId: string,
	endpoint: ReturnType<typeof fakeRunEndpoint>,
	extra: Partial<StartRunSpec> = {},
): StartRunSpec {
	return {
		kind: 'plan',
		endpoint: 'runPlan',
		quotaScope: 'cred-1|http://127.0.0.1',
		executionId,
		targetLabel: 'plan 7',
		post: endpoint.post,
		runIdOf: (body) => {
			const id = (body as { planSnapshotRunId?: unknown } | undefined)?.planSnapshotRunId;
			return id === undefined || id === null ? undefined : String(id);
		},
		whereToLook: 'Plans → plan 7 → Runs',
		...extra,
	};
}

beforeEach(() => resetRunRequestMemory());

describe('buildExecutionId', () => {
	const base = {
		instanceId: 'abcdef0123456789ffff',
		workflowId: 'wf1',
		executionId: '123',
		nodeId: 'node-uuid',
		runIndex: 0,
		itemIndex: 4,
	};

	test('is the same for the same execution, node, run and item (Retry On Fail), and differs in each part', () => {
		const id = buildExecutionId(base);
		expect(id).toBe('n8n:abcdef0123456789:wf1:123:node-uuid:0:4');
		expect(buildExecutionId({ ...base })).toBe(id);
		const variants = [
			{ executionId: '124' },
			{ itemIndex: 5 },
			{ runIndex: 1 },
			{ nodeId: 'other' },
			{ workflowId: 'wf2' },
			{ instanceId: '0000000000000000ffff' },
		].map((change) => buildExecutionId({ ...base, ...change }));
		expect(new Set([id, ...variants]).size).toBe(variants.length + 1);
	});

	test('a Run Key replaces the execution id, so a re-delivered webhook (new execution) maps to the same header', () => {
		const first = buildExecutionId({ ...base, executionId: '200', runKey: 'delivery-9f3' });
		const redelivered = buildExecutionId({ ...base, executionId: '201', runKey: 'delivery-9f3' });
		expect(first).toBe(redelivered);
		expect(first).toMatch(/^n8n-key:[0-9a-f]{32}:node-uuid:0:4$/);
		expect(buildExecutionId({ ...base, runKey: 'delivery-9f3', itemIndex: 5 })).not.toBe(first);
	});

	test('Run Keys that differ only in punctuation, in non-ASCII letters or after character 64 give different headers; so does the same key in another workflow or instance', () => {
		const long = 'x'.repeat(64);
		const keys = [
			'order#1',
			'order/1',
			'order_1',
			'Müller',
			'Muller',
			'Mﾃｼller',
			`${long}a`,
			`${long}b`,
		];
		const ids = keys.map((runKey) => buildExecutionId({ ...base, runKey }));
		expect(new Set(ids).size).toBe(keys.length);
		const one = buildExecutionId({ ...base, runKey: 'delivery-9f3' });
		expect(buildExecutionId({ ...base, runKey: 'delivery-9f3', workflowId: 'wf2' })).not.toBe(one);
		expect(
			buildExecutionId({ ...base, runKey: 'delivery-9f3', instanceId: '0000000000000000ffff' }),
		).not.toBe(one);
	});

	test("as a tool: the run index (new for every Retry On Fail attempt) gives way to the call's input, which every attempt shares", () => {
		const attempt = (runIndex: number, toolInput: string) =>
			buildExecutionId({ ...base, runIndex, toolInput });
		expect(attempt(0, '{"plan":"7"}')).toBe(attempt(3, '{"plan":"7"}'));
		expect(attempt(0, '{"plan":"7"}')).not.toBe(attempt(0, '{"plan":"8"}'));
		expect(attempt(0, '{}')).toMatch(
			/^n8n:abcdef0123456789:wf1:123:node-uuid:tool-[0-9a-f]{16}:4$/,
		);
	});

	test('is bounded and printable whatever the parts hold', () => {
		const id = buildExecutionId({ ...base, runKey: `${'x'.repeat(500)} ünïcode\n` });
		expect(id.length).toBeLessThan(120);
		expect(id).toMatch(/^[A-Za-z0-9._~:-]+$/);
		const nodeless = buildExecutionId({
			...base,
			nodeId: 'ü'.repeat(300),
			workflowId: 'w'.repeat(300),
		});
		expect(nodeless.length).toBeLessThan(200);
		expect(nodeless).toMatch(/^[A-Za-z0-9._~:-]+$/);
	});
});

describe('startRun', () => {
	test('sends x-execution-id and returns the run id', async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time);
		const seen: Array<Record<string, string>> = [];
		const result = await startRun(
			planSpec('exec-a', endpoint, {
				post: async (headers) => {
					seen.push(headers);
					return endpoint.post(headers);
				},
			}),
			time.deps,
		);
		expect(seen).toEqual([{ 'x-execution-id': 'exec-a' }]);
		expect(result).toEqual({
			runId: '100',
			answer: { validationStatus: 'Valid', planSnapshotRunId: 100 },
			alreadyStarted: false,
		});
	});

	test('Retry On Fail after a successful POST: the 304 resolves to the run this process started', async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time);
		const first = await startRun(planSpec('exec-b', endpoint), time.deps);
		const retry = await startRun(planSpec('exec-b', endpoint), time.deps);
		expect(retry).toMatchObject({ runId: first.runId, alreadyStarted: true });
		expect(endpoint.runs.size).toBe(1);
	});

	test('Retry On Fail after an ambiguous POST: one run; the 304 names no run, so none is claimed: the error says AAC refused a repeat, where to look and since when', async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time);
		// Another item's run of the same plan, started by this process: it must never be taken for this one.
		await startRun(planSpec('exec-other', endpoint), time.deps);
		endpoint.loseNext();
		const firstTry = time.now();
		await expect(startRun(planSpec('exec-c', endpoint), time.deps)).rejects.toThrow(
			'may have started',
		);
		const error = (await startRun(planSpec('exec-c', endpoint), time.deps).catch(
			(e) => e,
		)) as AlreadyStartedError;
		expect(error).toBeInstanceOf(AlreadyStartedError);
		expect(error.message).toBe(
			'AAC refused to start plan 7 again: it answered 304 to x-execution-id exec-c, so a run was already started for this item, and it did not say which; nothing new was started',
		);
		expect(error.description).toContain('Find the run in AAC: Plans → plan 7 → Runs');
		expect(error.description).toContain(
			`(this item was first tried at ${new Date(firstTry).toISOString()})`,
		);
		expect(JSON.stringify(error)).not.toMatch(/\b10[01]\b/); // no run id invented
		expect(endpoint.runs.size).toBe(2);
		expect(endpoint.posts).toBe(3);
	});

	test('a 304 after a restart (nothing remembered): the same error, without a first-try time it does not know', async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time);
		endpoint.loseNext();
		await expect(startRun(planSpec('exec-d', endpoint), time.deps)).rejects.toThrow();
		resetRunRequestMemory(); // as after an n8n restart
		const error = (await startRun(planSpec('exec-d', endpoint), time.deps).catch(
			(e) => e,
		)) as AlreadyStartedError;
		expect(error).toBeInstanceOf(AlreadyStartedError);
		expect(error.message).toContain('answered 304 to x-execution-id exec-d');
		expect(error.message).toContain('nothing new was started');
		expect(error.description).toContain('Plans → plan 7 → Runs');
		expect(error.description).not.toContain('first tried');
		expect(endpoint.runs.size).toBe(1);
	});

	test('a 304 is never read as naming a run (HTTP gives it no body; what AAC says with it is undocumented)', async () => {
		const time = virtualTime();
		const error = await startRun(
			planSpec('exec-f', fakeRunEndpoint(time), {
				post: async () => ({ statusCode: 304, body: { planSnapshotRunId: 77 } }),
			}),
			time.deps,
		).catch((e) => e);
		expect(error).toBeInstanceOf(AlreadyStartedError);
	});
});

describe('spacing run POSTs', () => {
	test(`100 items: no 429 from a 30-per-minute quota; a burst of ${RUN_BURST}, then ${DEFAULT_RUNS_PER_MINUTE} a minute`, async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time, 30);
		const started: number[] = [];
		for (let item = 0; item < 100; item++) {
			await startRun(planSpec(`exec-batch:${item}`, endpoint), time.deps);
			started.push(time.now());
		}
		expect(endpoint.tooMany).toBe(0);
		expect(endpoint.runs.size).toBe(100);
		// Any 60 s window holds at most burst + rate.
		for (let i = 0; i < started.length; i++) {
			const inWindow = started.filter((t) => t >= started[i] && t < started[i] + 60_000).length;
			expect(inWindow).toBeLessThanOrEqual(RUN_BURST + DEFAULT_RUNS_PER_MINUTE);
		}
		// And it is not slower than needed: (100 - burst) / 25 per minute = 3.8 minutes.
		expect(time.elapsed()).toBeLessThanOrEqual(
			((100 - RUN_BURST) / DEFAULT_RUNS_PER_MINUTE) * 60_000 + 1000,
		);
	});

	test("flows: 100 items against runFlow's quota of 20 a minute: no 429, any 60 s window holds at most 20", async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time, 20);
		const started: number[] = [];
		for (let item = 0; item < 100; item++) {
			await startRun(
				{ ...planSpec(`exec-flow:${item}`, endpoint), kind: 'flow', endpoint: 'runFlow' },
				time.deps,
			);
			started.push(time.now());
		}
		expect(endpoint.tooMany).toBe(0);
		expect(defaultRunsPerMinute('runFlow')).toBe(17);
		for (let i = 0; i < started.length; i++) {
			const inWindow = started.filter((t) => t >= started[i] && t < started[i] + 60_000).length;
			expect(inWindow).toBeLessThanOrEqual(20);
		}
	});

	test('without spacing the same batch meets 429s (the quota the spacing avoids is real)', async () => {
		const time = virtualTime();
		const endpoint = fakeRunEndpoint(time, 30);
		for (let item = 0; item < 100; item++) await endpoint.post({ 'x-execution-id': `raw:${item}` });
		expect(endpoint.tooMany).toBe(70);
	});

	test('a small batch is not slowed down', async () => {
		const time = virtualTime();
		for (let i = 0; i < RUN_BURST; i++) await acquireRunSlot('k', 25, time.deps);
		expect(time.sleeps).toEqual([]);
		await acquireRunSlot('k', 25, time.deps);
		expect(time.sleeps).toEqual([2400]);
	});

	test('concurrent acquirers queue in order', async () => {
		const time = virtualTime();
		const order: number[] = [];
		await Promise.all(
			Array.from({ length: 8 }, (_, i) =>
				acquireRunSlot('q', 60, time.deps).then(() => order.push(i)),
			),
		);
		expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		expect(time.elapsed()).toBe((8 - RUN_BURST) * 1000);
	});
});
