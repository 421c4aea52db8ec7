// The AAC v4 API stand-in behaves as ../shared notes on AAC's API describe, part 3: webhook
// deliveries when a job finishes, and the API clock (token expiry on it, a time scale).
import { sleep } from 'n8n-workflow';
import { startStandIn } from './helpers/standin';
import { standInApi, startWebhookReceiver } from './helpers/standinApi';
import { useStandInApi, api, call, expectAacError } from './helpers/standinApiCalls';

useStandInApi();

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
