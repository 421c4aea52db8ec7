// The AAC v4 API stand-in (standin/api.mjs, our hand-written fake of AAC's API) behaves as
// ../shared notes on AAC's API describe: paging, run lifecycles on an injected clock, cancel,
// quotas with 429 and rate-limit headers, x-execution-id idempotency, 401, error bodies, and
// webhook deliveries. The node's operations will be tested against it, so it must be right.
import { sleep } from 'n8n-workflow';
import { startStandIn, StandIn } from './helpers/standin';
import { standInApi, startWebhookReceiver, StandInApi } from './helpers/standinApi';

interface Answer {
	status: number;
	headers: Headers;
	json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let standIn: StandIn;
let api: StandInApi;
let token: string;

beforeAll(async () => {
	// Frozen API clock: runs move only when a test advances it.
	standIn = await startStandIn({ contract: 'off', api: { world: 'generous', freezeClock: true } });
	api = standInApi(standIn);
	token = (await standIn.mint()).accessToken;
});

afterAll(async () => {
	await standIn?.stop();
});

beforeEach(async () => {
	await api.clock({ freeze: true, timeScale: 1 });
	await api.reset({});
	await api.configure({
		maxPageSize: null,
		defaultPageSize: 25,
		quotas: {
			runPlan: { user: 30, workspace: 60 },
			runJobGroup: { user: 30, workspace: 60 },
			runFlow: { user: 20, workspace: 40 },
		},
	});
});

async function call(
	method: string,
	path: string,
	{
		body,
		headers = {},
		bearer = token,
	}: { body?: unknown; headers?: Record<string, string>; bearer?: string } = {},
): Promise<Answer> {
	const res = await fetch(`${standIn.apiBaseUrl}${path}`, {
		method,
		headers: {
			authorization: `Bearer ${bearer}`,
			...(body === undefined ? {} : { 'content-type': 'application/json' }),
			...headers,
		},
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

function expectAacError(answer: Answer, status: number, name: string) {
	expect(answer.status).toBe(status);
	expect(answer.json).toEqual({
		exception: { name, message: expect.any(String), details: expect.any(String) },
	});
	expect(answer.headers.get('x-trifacta-request-id')).toMatch(/^[0-9a-f-]{36}$/);
}

test('plans page by limit/offset (default 25), count with includeCount, and a server cap below the asked limit', async () => {
	await api.reset({ plans: 1234 });

	const first = await call('GET', '/v4/plans');
	expect(first.status).toBe(200);
	expect(first.json.data.map((p: { id: number }) => p.id)).toEqual(
		Array.from({ length: 25 }, (_, i) => i + 1),
	);
	expect(first.json.count).toBeUndefined();
	expect(first.json.data[0]).toEqual(
		expect.objectContaining({ id: 1, name: 'Demo plan', createdAt: expect.any(String) }),
	);

	const last = await call('GET', '/v4/plans?limit=100&offset=1200&includeCount=true');
	expect(last.json.count).toBe(1234);
	expect(last.json.data).toHaveLength(34);
	expect(last.json.data.at(-1).id).toBe(1234);
	expect((await call('GET', '/v4/plans?limit=100&offset=1234')).json.data).toEqual([]);

	// The server serves at most 50 whatever the client asks: a short page is not the end.
	await api.configure({ maxPageSize: 50 });
	const ids = new Set<number>();
	let requests = 0;
	let offset = 0;
	while (requests < 100) {
		const page = await call('GET', `/v4/plans?limit=100&offset=${offset}&includeCount=true`);
		requests += 1;
		expect(page.json.count).toBe(1234);
		expect(page.json.data.length).toBeLessThanOrEqual(50);
		for (const p of page.json.data) ids.add(p.id);
		offset += page.json.data.length;
		if (page.json.data.length === 0 || offset >= page.json.count) break;
	}
	expect(ids.size).toBe(1234);
	expect(requests).toBe(25); // ceil(1234 / 50)
	expect((await api.counters()).requests.listPlans).toBe(3 + 25);

	// Filters, ownership and sort.
	const exact = await call(
		'GET',
		'/v4/plans?filter=demo%20plan&filterType=exactIgnoreCase&includeCount=true',
	);
	expect(exact.json).toEqual({ data: [expect.objectContaining({ id: 1 })], count: 1 });
	expect(
		(await call('GET', '/v4/plans?filter=demo%20plan&filterType=exact&includeCount=true')).json
			.count,
	).toBe(0);
	expect(
		(await call('GET', '/v4/plans?filter=Plan%20012&includeCount=true&limit=1')).json.count,
	).toBe(10); // 0120..0129
	expect(
		(await call('GET', '/v4/plans?ownershipFilter=shared&includeCount=true&limit=1')).json.count,
	).toBe(411);
	expect((await call('GET', '/v4/plans?sort=-id&limit=2&fields=id')).json.data).toEqual([
		{ id: 1234 },
		{ id: 1233 },
	]);
	expectAacError(await call('GET', '/v4/plans?limit=ten'), 400, 'ValidationFailed');
	expectAacError(await call('GET', '/v4/plans?ownershipFilter=mine'), 400, 'ValidationFailed');
});

test('the default seed keeps the original answers; the other lists page too', async () => {
	expect((await call('GET', '/v4/plans')).json).toEqual({ data: [{ id: 1, name: 'Demo plan' }] });
	expect((await call('GET', '/v4/people/current')).json).toEqual({
		id: 1,
		email: 'standin@example.com',
		name: 'Stand-in User',
	});
	expect((await call('GET', '/v4/workspaces/current')).json).toEqual(
		expect.objectContaining({ id: 1 }),
	);
	const recipes = await call('GET', '/v4/wrangledDatasets?includeCount=true&limit=1');
	expect(recipes.json).toEqual({
		data: [expect.objectContaining({ id: 1, flow: { id: 1 } })],
		count: 2,
	});
	expect((await call('GET', '/v4/flows')).json.data).toEqual([
		expect.objectContaining({ id: 1, name: 'Demo flow' }),
	]);
	expect((await call('GET', '/v4/connections')).json.data).toHaveLength(1);
	expect((await call('GET', '/v4/connections/1/status')).json).toEqual({ result: 'ok' });
	await api.setFixture({ kind: 'connection', id: 1, healthy: false });
	expectAacError(await call('GET', '/v4/connections/1/status'), 400, 'ValidationFailed');
});

test.each(['Complete', 'Failed', 'Canceled'] as const)(
	'a plan run moves Created → InProgress → %s on the injected clock',
	async (outcome) => {
		await api.setFixture({ kind: 'plan', id: 1, queuedMs: 2000, runningMs: 60000, outcome });
		const started = await call('POST', '/v4/plans/1/run', {
			body: { planNodeOverrides: [{ handle: 'n1', overrideKey: 'k', value: 'v' }] },
		});
		expect(started.status).toBe(201);
		expect(started.json).toEqual({
			validationStatus: 'Valid',
			planSnapshotRunId: expect.any(Number),
		});
		const path = `/v4/planSnapshotRuns/${started.json.planSnapshotRunId}`;

		const created = (await call('GET', path)).json;
		expect(created).toEqual(
			expect.objectContaining({
				status: 'Created',
				startedAt: null,
				finishedAt: null,
				plan: { id: 1 },
			}),
		);
		await api.advance(1999);
		expect((await call('GET', path)).json.status).toBe('Created');
		await api.advance(1);
		const running = (await call('GET', path)).json;
		expect(running.status).toBe('InProgress');
		expect(Date.parse(running.startedAt) - Date.parse(created.createdAt)).toBe(2000);
		await api.advance(59999);
		expect((await call('GET', path)).json.status).toBe('InProgress');
		await api.advance(1);
		const done = (await call('GET', path)).json;
		expect(done.status).toBe(outcome);
		expect(Date.parse(done.finishedAt) - Date.parse(done.startedAt)).toBe(60000);

		const listed = await call('GET', `/v4/planSnapshotRuns?status=${outcome}&includeCount=true`);
		expect(listed.json.count).toBe(1);
		expect(
			(await call('GET', '/v4/planSnapshotRuns?status=InProgress&includeCount=true')).json.count,
		).toBe(0);
		expect((await api.runs()).planRuns[0].planNodeOverrides).toEqual([
			{ handle: 'n1', overrideKey: 'k', value: 'v' },
		]);
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 1 });
	},
);

test('cancel: a running plan run and job group end Canceled; a finished one is left alone', async () => {
	await api.setFixture({ kind: 'plan', id: 1, queuedMs: 0, runningMs: 60000, outcome: 'Complete' });
	const { planSnapshotRunId } = (await call('POST', '/v4/plans/1/run')).json;
	await api.advance(10000);
	const canceled = await call('POST', `/v4/planSnapshotRuns/${planSnapshotRunId}/cancel`);
	expect(canceled.status).toBe(200);
	expect(canceled.json).toEqual(
		expect.objectContaining({
			id: planSnapshotRunId,
			status: 'Canceled',
			failedToCancelSomeJobs: false,
		}),
	);
	await api.advance(120000);
	expect((await call('GET', `/v4/planSnapshotRuns/${planSnapshotRunId}`)).json.status).toBe(
		'Canceled',
	);
	expect((await call('POST', `/v4/planSnapshotRuns/${planSnapshotRunId}/cancel`)).json.status).toBe(
		'Canceled',
	);

	await api.setFixture({
		kind: 'recipe',
		id: 1,
		queuedMs: 1000,
		runningMs: 30000,
		outcome: 'Complete',
	});
	const job = await call('POST', '/v4/jobGroups', { body: { wrangledDataset: { id: 1 } } });
	expect(job.status).toBe(201);
	expect(job.json).toEqual(
		expect.objectContaining({
			id: expect.any(Number),
			reason: 'JobStarted',
			jobs: { data: [{ id: expect.any(Number) }, { id: expect.any(Number) }] },
		}),
	);
	const jobCancel = await call('POST', `/v4/jobGroups/${job.json.id}/cancel`);
	expect(jobCancel.json).toEqual({
		jobIds: job.json.jobs.data.map((j: { id: number }) => j.id),
		jobgroupId: job.json.id,
	});
	expect((await call('GET', `/v4/jobGroups/${job.json.id}/status`)).json).toBe('Canceled');
	expect((await call('POST', `/v4/jobGroups/${job.json.id}/cancel`)).json).toEqual({
		jobIds: [],
		jobgroupId: job.json.id,
	});

	// A completed job group is not changed by cancel.
	const other = (await call('POST', '/v4/jobGroups', { body: { wrangledDataset: { id: 1 } } }))
		.json;
	await api.advance(31000);
	expect((await call('POST', `/v4/jobGroups/${other.id}/cancel`)).json.jobIds).toEqual([]);
	expect((await call('GET', `/v4/jobGroups/${other.id}/status`)).json).toBe('Complete');
	expect((await api.counters()).cancels).toEqual({ planRun: 1, jobGroup: 1 });
});

test('job groups and flow runs: status as a bare string, jobs, outputs, job library, flow run status', async () => {
	await api.setFixture({
		kind: 'recipe',
		id: 1,
		queuedMs: 0,
		runningMs: 5000,
		outcome: 'Complete',
	});
	const since = (await api.clock()).now;
	const jg = (
		await call('POST', '/v4/jobGroups', {
			body: {
				wrangledDataset: { id: 1 },
				runParameters: { overrides: { data: [{ key: 'region', value: 'eu' }] } },
			},
		})
	).json;
	const status = await fetch(`${standIn.apiBaseUrl}/v4/jobGroups/${jg.id}/status`, {
		headers: { authorization: `Bearer ${token}` },
	});
	expect(await status.text()).toBe('"InProgress"');
	expect((await call('GET', `/v4/jobGroups/${jg.id}/outputs`)).json).toEqual({
		files: [],
		tables: [],
	});
	await api.advance(5000);
	const full = (await call('GET', `/v4/jobGroups/${jg.id}?embed=jobs,wrangledDataset`)).json;
	expect(full).toEqual(
		expect.objectContaining({
			status: 'Complete',
			ranfrom: 'api',
			wrangledDataset: expect.objectContaining({ id: 1, name: 'Demo recipe' }),
		}),
	);
	expect(full.jobs.data.map((j: { status: string }) => j.status)).toEqual(['Complete', 'Complete']);
	expect((await call('GET', `/v4/jobGroups/${jg.id}/jobs`)).json.data).toHaveLength(2);
	expect((await call('GET', `/v4/jobGroups/${jg.id}/outputs`)).json.files).toEqual([
		expect.objectContaining({ fileType: 'csv', isPrimaryOutput: true }),
	]);

	await api.startRun({ kind: 'recipe', id: 2, ranfrom: 'schedule' });
	expect((await call('GET', '/v4/jobLibrary?includeCount=true')).json.count).toBe(2);
	expect(
		(await call('GET', '/v4/jobLibrary?ranfrom=api&status=Complete&includeCount=true')).json,
	).toEqual({
		data: [expect.objectContaining({ id: jg.id })],
		count: 1,
	});
	expect(
		(await call('GET', `/v4/jobLibrary?dateFilter[createdAt][gte]=${since + 1}&includeCount=true`))
			.json.count,
	).toBe(1);

	// A flow's fixture decides its job groups; any failed job group fails the flow run.
	await api.setFixture({ kind: 'flow', id: 1, queuedMs: 1000, runningMs: 2000, outcome: 'Failed' });
	const fr = await call('POST', '/v4/flows/1/run', { body: {} });
	expect(fr.status).toBe(201);
	expect(fr.json).toEqual({
		flowRunId: expect.any(Number),
		data: [
			expect.objectContaining({ reason: 'JobStarted' }),
			expect.objectContaining({ reason: 'JobStarted' }),
		],
	});
	expect((await call('GET', `/v4/flowRuns/${fr.json.flowRunId}/status`)).json).toBe('Created');
	await api.advance(3000);
	expect((await call('GET', `/v4/flowRuns/${fr.json.flowRunId}/status`)).json).toBe('Failed');
	expect((await call('GET', `/v4/flowRuns/${fr.json.flowRunId}`)).json).toEqual(
		expect.objectContaining({ flow: { id: 1 } }),
	);
	const failedJobs = (await call('GET', `/v4/jobGroups/${fr.json.data[0].id}/jobs`)).json.data;
	expect(failedJobs[0]).toEqual(
		expect.objectContaining({ status: 'Failed', errorMessage: expect.any(String) }),
	);
	expect((await api.counters()).runsStarted).toEqual({
		plan: {},
		recipe: { 1: 1 },
		flow: { 1: 1 },
	});
});

test('run plan quota: 30 per user per minute, then 429 with rate-limit headers, then success after the reset', async () => {
	for (let i = 1; i <= 30; i += 1) {
		const ok = await call('POST', '/v4/plans/1/run');
		expect(ok.status).toBe(201);
		expect(ok.headers.get('x-rate-limit-user-limit')).toBe('30');
		expect(ok.headers.get('x-rate-limit-user-remaining')).toBe(String(30 - i));
		expect(ok.headers.get('x-rate-limit-workspace-limit')).toBe('60');
	}
	await api.advance(3000);
	const limited = await call('POST', '/v4/plans/1/run');
	expectAacError(limited, 429, 'TooManyRequestsException');
	expect(limited.json.exception.details).toBe('API quota reached for "runPlan". Wait 57 seconds');
	expect(limited.headers.get('x-retry-after')).toBe('57');
	expect(limited.headers.get('x-rate-limit-user-remaining')).toBe('0');
	expect(limited.headers.get('x-rate-limit-workspace-remaining')).toBe('30');
	const reset = Number(limited.headers.get('x-rate-limit-user-reset'));
	expect(reset - (await api.clock()).now).toBe(57000);
	// Other endpoints have their own quotas.
	expect(
		(await call('POST', '/v4/jobGroups', { body: { wrangledDataset: { id: 1 } } })).status,
	).toBe(201);

	await api.advance(56999);
	expect((await call('POST', '/v4/plans/1/run')).status).toBe(429);
	await api.advance(1);
	const after = await call('POST', '/v4/plans/1/run');
	expect(after.status).toBe(201);
	expect(after.headers.get('x-rate-limit-user-remaining')).toBe('29');
	const counters = await api.counters();
	expect(counters.runsStarted.plan).toEqual({ 1: 31 });
	expect(counters.tooManyRequests).toBe(2);
	expect(counters.requests.runPlan).toBe(33);
});

test('a repeated x-execution-id answers 304 and starts nothing', async () => {
	const headers = { 'x-execution-id': 'exec-1-node-a-item-0' };
	const first = await call('POST', '/v4/plans/1/run', { headers });
	expect(first.status).toBe(201);
	const again = await call('POST', '/v4/plans/1/run', { headers });
	expect(again.status).toBe(304);
	expect(again.json).toBeUndefined();
	expect(
		(
			await call('POST', '/v4/plans/1/run', {
				headers: { 'x-execution-id': 'exec-1-node-a-item-1' },
			})
		).status,
	).toBe(201);
	// The ids are per kind of run (the spec: "If a PlanSnapshotRun with the same executionId exists").
	expect(
		(await call('POST', '/v4/jobGroups', { headers, body: { wrangledDataset: { id: 1 } } })).status,
	).toBe(201);
	expect(
		(await call('POST', '/v4/jobGroups', { headers, body: { wrangledDataset: { id: 1 } } })).status,
	).toBe(304);
	expect((await call('POST', '/v4/flows/1/run', { headers, body: {} })).status).toBe(201);
	expect((await call('POST', '/v4/flows/1/run', { headers, body: {} })).status).toBe(304);

	const counters = await api.counters();
	expect(counters.runsStarted).toEqual({ plan: { 1: 2 }, recipe: { 1: 1 }, flow: { 1: 1 } });
	expect(counters.postsPerExecutionId).toEqual({
		'exec-1-node-a-item-0': 6,
		'exec-1-node-a-item-1': 1,
	});
	expect(counters.notModified).toBe(3);
	const runs = await api.runs();
	expect(runs.planRuns.map((r) => r.executionId)).toEqual([
		'exec-1-node-a-item-0',
		'exec-1-node-a-item-1',
	]);
	expect(runs.jobGroups).toHaveLength(3); // one direct, two from the flow run
});

test('401 for an expired, unknown or missing token, with the request id', async () => {
	const before = await standIn.stats();
	const expired = await standIn.mint({ accessTokenExpired: true });
	for (const bearer of [expired.accessToken, 'not-a-jwt']) {
		const answer = await call('POST', '/v4/plans/1/run', { bearer });
		expect(answer.status).toBe(401);
		expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
		expect(answer.headers.get('x-trifacta-request-id')).toMatch(/^[0-9a-f-]{36}$/);
	}
	const none = await fetch(`${standIn.apiBaseUrl}/v4/planSnapshotRuns/1`);
	expect(none.status).toBe(401);
	const after = await standIn.stats();
	expect(after.apiUnauthorized - before.apiUnauthorized).toBe(3);
	// Nothing ran and no quota was used.
	expect((await api.counters()).runsStarted.plan).toEqual({});
	expect((await call('POST', '/v4/plans/1/run')).headers.get('x-rate-limit-user-remaining')).toBe(
		'29',
	);
});

test('error bodies: ValidationFailed, DataNotFound, RouteNotFound, and injected 403/410/502/reset', async () => {
	expectAacError(
		await call('POST', '/v4/plans/1/run', { body: { planNodeOverrides: [{ handle: 'x' }] } }),
		400,
		'ValidationFailed',
	);
	expectAacError(
		await call('POST', '/v4/jobGroups', { body: { wrangledDataset: {} } }),
		400,
		'ValidationFailed',
	);
	expectAacError(
		await call('POST', '/v4/webhookFlowTasks', {
			body: { name: 'x', flowId: 1, url: 'nope', triggerEvent: 'onJobDone', triggerObject: 'any' },
		}),
		400,
		'ValidationFailed',
	);
	expectAacError(await call('GET', '/v4/planSnapshotRuns/999'), 404, 'DataNotFoundException');
	expectAacError(await call('POST', '/v4/plans/999/run'), 404, 'DataNotFoundException');
	expectAacError(await call('GET', '/v4/plans/v1'), 404, 'RouteNotFoundException');
	expectAacError(await call('GET', '/v4/webhookFlowTasks'), 404, 'RouteNotFoundException'); // no list endpoint in AAC
	const ids = new Set<string | null>();
	for (const status of [403, 410]) {
		await api.addFault({ endpoint: 'getPlanFull', status });
		const answer = await call('GET', '/v4/plans/1/full');
		expectAacError(answer, status, status === 403 ? 'AccessControlException' : 'GoneException');
		ids.add(answer.headers.get('x-trifacta-request-id'));
	}
	expect(ids.size).toBe(2);
	expect((await call('GET', '/v4/plans/1/full')).json).toEqual(
		expect.objectContaining({ id: 1, nodes: expect.any(Object) }),
	);

	// "after" faults: the run starts, the client sees a 502 or a reset (the ambiguous POST).
	await api.addFault({ endpoint: 'runPlan', status: 502, phase: 'after' });
	expect((await call('POST', '/v4/plans/1/run')).status).toBe(502);
	await api.addFault({ endpoint: 'runPlan', reset: true, phase: 'after' });
	await expect(call('POST', '/v4/plans/1/run')).rejects.toThrow();
	// "before" faults: nothing starts.
	await api.addFault({ endpoint: 'runPlan', status: 429, retryAfterSeconds: 7, times: 2 });
	const retry = { headers: { 'x-execution-id': 'retried-after-429' } };
	const storm = [
		await call('POST', '/v4/plans/1/run', retry),
		await call('POST', '/v4/plans/1/run', retry),
	];
	for (const answer of storm) {
		expectAacError(answer, 429, 'TooManyRequestsException');
		expect(answer.headers.get('x-retry-after')).toBe('7');
	}
	// A 429 was not processed: the same execution id still starts its run, once.
	expect((await call('POST', '/v4/plans/1/run', retry)).status).toBe(201);
	expect((await call('POST', '/v4/plans/1/run', retry)).status).toBe(304);
	const counters = await api.counters();
	expect(counters.runsStarted.plan).toEqual({ 1: 3 });
	expect(counters.postsPerExecutionId).toEqual({ 'retried-after-429': 4 });
	expect(counters.faultsServed).toBe(6);
});

test('a flow webhook task gets an HTTP POST with its headers and body when a job of the flow finishes', async () => {
	const receiver = await startWebhookReceiver();
	try {
		const created = await call('POST', '/v4/webhookFlowTasks', {
			body: {
				name: 'to n8n',
				flowId: 1,
				url: `${receiver.url}/hook`,
				method: 'post',
				triggerEvent: 'onJobDone',
				triggerObject: 'any',
				headers: { 'x-hook-secret': 'header-value' },
				body: '{"jobId":{{$jobId}},"status":"{{$jobStatus}}"}',
			},
		});
		expect(created.status).toBe(201);
		expect(created.json).toEqual(
			expect.objectContaining({
				id: expect.any(Number),
				flow: { id: 1 },
				triggerEvent: 'onJobDone',
			}),
		);
		const failureOnly = await call('POST', '/v4/webhookFlowTasks', {
			body: {
				name: 'failures',
				flowId: 1,
				url: `${receiver.url}/failures`,
				triggerEvent: 'onJobFailure',
				triggerObject: 'any',
			},
		});
		const onlyRecipe2 = await call('POST', '/v4/webhookFlowTasks', {
			body: {
				name: 'recipe 2',
				flowId: 1,
				url: `${receiver.url}/two`,
				triggerEvent: 'onJobSuccess',
				triggerObject: 'some',
				flowNodeIds: [2],
			},
		});
		expect((await call('GET', `/v4/webhookFlowTasks/${failureOnly.json.id}`)).json.name).toBe(
			'failures',
		);

		await api.setFixture({
			kind: 'flow',
			id: 1,
			queuedMs: 0,
			runningMs: 1000,
			outcome: 'Complete',
		});
		const run = (await call('POST', '/v4/flows/1/run', { body: {} })).json;
		await api.flushWebhooks();
		expect(receiver.received).toHaveLength(0); // nothing finished yet
		await api.advance(1000);
		const deliveries = await api.flushWebhooks();
		await receiver.waitFor(3);
		expect(deliveries).toHaveLength(3);
		expect(
			deliveries.every(
				(d) => d.responseStatus === 200 && d.attempts === 1 && d.status === 'Complete',
			),
		).toBe(true);

		const hooks = receiver.received.filter((r) => r.path === '/hook');
		expect(hooks.map((r) => r.method)).toEqual(['POST', 'POST']);
		expect(hooks.every((r) => r.headers['x-hook-secret'] === 'header-value')).toBe(true);
		expect(hooks.map((r) => JSON.parse(r.body)).sort((a, b) => a.jobId - b.jobId)).toEqual(
			run.data.map((jg: { id: number }) => ({ jobId: jg.id, status: 'Complete' })),
		);
		expect(receiver.received.filter((r) => r.path === '/two')).toHaveLength(1);
		expect(receiver.received.filter((r) => r.path === '/failures')).toHaveLength(0);

		// Deleted tasks get nothing more.
		for (const id of [created.json.id, failureOnly.json.id, onlyRecipe2.json.id]) {
			expect((await call('DELETE', `/v4/webhookFlowTasks/${id}`)).status).toBe(204);
		}
		expectAacError(
			await call('GET', `/v4/webhookFlowTasks/${created.json.id}`),
			404,
			'DataNotFoundException',
		);
		await call('POST', '/v4/flows/1/run', { body: {} });
		await api.advance(1000);
		expect(await api.flushWebhooks()).toHaveLength(3);
		expect(receiver.received).toHaveLength(3);
		expect((await api.counters()).webhookDeliveries).toBe(3);
	} finally {
		await receiver.close();
	}
});

test('with tokenExpiryOnApiClock, advancing the API clock expires access tokens; a refreshed one works', async () => {
	const own = await startStandIn({
		contract: 'off',
		tokenExpiryOnApiClock: true,
		accessTokenTtlSeconds: 20,
		api: { freezeClock: true },
	});
	try {
		const ownApi = standInApi(own);
		const pair = await own.mint();
		const get = (bearer: string) =>
			fetch(`${own.apiBaseUrl}/v4/people/current`, {
				headers: { authorization: `Bearer ${bearer}` },
			}).then((r) => r.status);
		expect(await get(pair.accessToken)).toBe(200);
		// exp is whole seconds: up to 1 s of the 20 may be gone at issue, and a loaded machine
		// takes a moment between mint and here; 17 s in is valid, 20 s in is not.
		await ownApi.advance(17000);
		expect(await get(pair.accessToken)).toBe(200);
		await ownApi.advance(3000);
		expect(await get(pair.accessToken)).toBe(401);

		const res = await fetch(own.tokenEndpoint, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
			body: new URLSearchParams({
				grant_type: 'refresh_token',
				refresh_token: pair.refreshToken,
				client_id: own.clientId,
			}),
		});
		const refreshed = (await res.json()) as { access_token: string };
		expect(await get(refreshed.access_token)).toBe(200);
		await ownApi.advance(20000);
		expect(await get(refreshed.access_token)).toBe(401);
		expect(await get((await own.mint({ accessTokenExpired: true })).accessToken)).toBe(401);
		expect(await own.stats()).toEqual(
			expect.objectContaining({
				apiOk: 3,
				apiUnauthorized: 3,
				refreshGrantsOk: 1,
				reuseDetections: 0,
			}),
		);
	} finally {
		await own.stop();
	}
});

test('with a time scale the API clock runs fast: a 60 s run completes in about a second', async () => {
	await api.setFixture({ kind: 'plan', id: 1, queuedMs: 0, runningMs: 60000, outcome: 'Complete' });
	await api.clock({ timeScale: 60, freeze: false });
	const { planSnapshotRunId } = (await call('POST', '/v4/plans/1/run')).json;
	const started = Date.now();
	let status = (await call('GET', `/v4/planSnapshotRuns/${planSnapshotRunId}`)).json.status;
	expect(status).toBe('InProgress');
	let polls = 0;
	while (polls < 100 && status !== 'Complete') {
		await sleep(50);
		status = (await call('GET', `/v4/planSnapshotRuns/${planSnapshotRunId}`)).json.status;
		polls += 1;
	}
	expect(status).toBe('Complete');
	expect(Date.now() - started).toBeLessThan(5000);
	// A 503 fault with a standard Retry-After header, for clients that read that one.
	await api.addFault({
		endpoint: 'getPlanSnapshotRun',
		status: 503,
		headers: { 'retry-after': '2' },
	});
	const unavailable = await call('GET', `/v4/planSnapshotRuns/${planSnapshotRunId}`);
	expect(unavailable.status).toBe(503);
	expect(unavailable.headers.get('retry-after')).toBe('2');
	expect(unavailable.headers.get('x-trifacta-request-id')).toMatch(/^[0-9a-f-]{36}$/);
});
