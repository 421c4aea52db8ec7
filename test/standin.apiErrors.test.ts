// The AAC v4 API stand-in behaves as ../shared notes on AAC's API describe, part 2: quotas with 429
// and rate-limit headers, x-execution-id idempotency, 401, and error bodies.
import { useStandInApi, standIn, api, call, expectAacError } from './helpers/standinApiCalls';

useStandInApi();

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
