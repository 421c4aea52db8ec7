// The AAC v4 API stand-in (standin/api.mjs, our hand-written fake of AAC's API) behaves as
// ../shared notes on AAC's API describe, part 1: paging, the seeds, run lifecycles, cancel, job
// groups and flow runs. The node's operations are tested against it, so it must be right.
import {
	useStandInApi,
	standIn,
	api,
	token,
	call,
	expectAacError,
} from './helpers/standinApiCalls';

useStandInApi();

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
