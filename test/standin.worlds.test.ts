// The stand-in follows AAC's contract (standin/contract.json) and answers each of its unknowns in
// two worlds (standin/worlds.mjs): strict, the harshest plausible reading, and generous, what the
// package once hoped. Raw requests, so the contract check is off for this stand-in; what the
// package itself sends is checked by every other test file's stand-in.
import { createHmac } from 'node:crypto';

import { sleep } from 'n8n-workflow';

import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, startWebhookReceiver, type StandInApi } from './helpers/standinApi';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const contract = require('../standin/contract.json') as {
	endpoints: Record<string, { method: string; path: string; response?: { fields?: string[] } }>;
	unknowns: Record<string, { strict: string; generous: string; node: string }>;
	probes: Record<string, unknown[]>;
};

let standIn: StandIn;
let api: StandInApi;
let token: string;

beforeAll(async () => {
	standIn = await startStandIn({ contract: 'off', api: { freezeClock: true } });
	api = standInApi(standIn);
	token = (await standIn.mint({ accessTokenTtlSeconds: 3600 })).accessToken;
});
afterAll(async () => {
	await standIn?.stop();
});
beforeEach(async () => {
	await api.clock({ freeze: true });
	await api.configure({ world: 'strict' });
	await api.reset({});
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(
	method: string,
	path: string,
	{ body, headers = {} }: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; json: Json; headers: Headers }> {
	const res = await fetch(`${standIn.apiBaseUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${token}`, ...headers },
		body,
	});
	const text = await res.text();
	return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}
const get = async (path: string) => await call('GET', path);
const postJson = async (path: string, body: unknown = {}, headers: Record<string, string> = {}) =>
	await call('POST', path, {
		body: JSON.stringify(body),
		headers: { 'content-type': 'application/json', ...headers },
	});

/** Runs of plan 1, finished: `complete` Complete and `failed` Failed. */
async function finishedPlanRuns(complete: number, failed: number): Promise<void> {
	await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome: 'Complete' });
	if (complete) await api.startRun({ kind: 'plan', id: 1, count: complete });
	await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome: 'Failed' });
	if (failed) await api.startRun({ kind: 'plan', id: 1, count: failed });
	await api.advance(1000);
}

describe('the contract', () => {
	test("every route of the stand-in is an endpoint of the contract, and the contract's unknowns and probes are described", async () => {
		// A request to each documented route reaches a handler (a 404 RouteNotFound would mean no route).
		for (const [name, endpoint] of Object.entries(contract.endpoints)) {
			// runAsync: without it the strict world holds a flow run's answer for a minute.
			const path =
				endpoint.path.replace('{id}', '1') + (name === 'runFlow' ? '?runAsync=true' : '');
			const answer =
				endpoint.method === 'GET'
					? await get(path)
					: endpoint.method === 'DELETE'
						? await call('DELETE', path)
						: await postJson(path, name === 'runJobGroup' ? { wrangledDataset: { id: 1 } } : {});
			expect([name, answer.json?.exception?.name]).not.toEqual([name, 'RouteNotFoundException']);
		}
		for (const [id, unknown] of Object.entries(contract.unknowns)) {
			expect([id, typeof unknown.strict, typeof unknown.generous, typeof unknown.node]).toEqual([
				id,
				'string',
				'string',
				'string',
			]);
		}
		for (const probe of Object.keys(contract.probes))
			expect(contract.unknowns[probe]).toBeDefined();
	});

	test('strict answers carry only the fields the spec gives each model', async () => {
		await finishedPlanRuns(1, 0);
		const { jobGroupId } = (await api.startRun({ kind: 'recipe', id: 1 })) as {
			jobGroupId: number;
		};
		const answers: Record<string, Json> = {
			listPlanSnapshotRuns: (await get('/v4/planSnapshotRuns')).json.data[0],
			getPlanSnapshotRun: (await get('/v4/planSnapshotRuns/1')).json,
			getJobLibrary: (await get('/v4/jobLibrary')).json.data[0],
			getJobGroup: (await get(`/v4/jobGroups/${jobGroupId}`)).json,
			listWrangledDatasets: (await get('/v4/wrangledDatasets')).json.data[0],
			getWrangledDataset: (await get('/v4/wrangledDatasets/1')).json,
		};
		for (const [name, answer] of Object.entries(answers)) {
			const allowed = contract.endpoints[name].response!.fields!;
			expect([name, Object.keys(answer).filter((field) => !allowed.includes(field))]).toEqual([
				name,
				[],
			]);
		}
	});
});

describe('strict and generous: each unknown both ways', () => {
	test('commaStatusList: strict takes status=A,B as one literal value (nothing matches); generous as a list', async () => {
		await finishedPlanRuns(2, 3);
		expect(
			(await get('/v4/planSnapshotRuns?status=Complete,Failed&includeCount=true')).json.count,
		).toBe(0);
		expect((await get('/v4/planSnapshotRuns?status=Failed&includeCount=true')).json.count).toBe(3);
		await api.configure({ world: 'generous' });
		expect(
			(await get('/v4/planSnapshotRuns?status=Complete,Failed&includeCount=true')).json.count,
		).toBe(5);
	});

	test('planRunDateFilter: strict ignores dateFilter on plan runs; generous filters; the job library honours its documented keys in both', async () => {
		await finishedPlanRuns(2, 0);
		const tomorrow = (await api.clock()).now + 86_400_000;
		const plan = `/v4/planSnapshotRuns?includeCount=true&dateFilter[createdAt][gte]=${tomorrow}`;
		const jobs = `/v4/jobLibrary?includeCount=true&dateFilter[createdAt][gte]=${tomorrow}`;
		await api.startRun({ kind: 'recipe', id: 1 });
		expect((await get(plan)).json.count).toBe(2);
		expect((await get(jobs)).json.count).toBe(0);
		await api.configure({ world: 'generous' });
		expect((await get(plan)).json.count).toBe(0);
		expect((await get(jobs)).json.count).toBe(0);
	});

	test('largestPageSize and defaultSort: strict serves 25 a page, oldest first, and ignores sort; generous what is asked, newest first', async () => {
		await finishedPlanRuns(40, 0);
		const strict = (await get('/v4/planSnapshotRuns?limit=100&sort=-id')).json.data;
		expect(strict).toHaveLength(25);
		expect(strict[0].id).toBe(1);
		await api.configure({ world: 'generous' });
		const generous = (await get('/v4/planSnapshotRuns?limit=100')).json.data;
		expect(generous).toHaveLength(40);
		expect(generous[0].id).toBe(40);
	});

	test('jobRowFlow: strict refuses embed on the job library and its rows name only the recipe; generous rows name the flow', async () => {
		await api.startRun({ kind: 'recipe', id: 1 });
		const refused = await get('/v4/jobLibrary?embed=wrangledDataset');
		expect([refused.status, refused.json.exception.name]).toEqual([400, 'ValidationFailed']);
		const row = (await get('/v4/jobLibrary')).json.data[0];
		expect(row.wrangledDataset).toEqual({ id: 1 });
		expect(row.flowId).toBeUndefined();
		// The documented embed of one job group works in both.
		expect((await get('/v4/jobGroups/1?embed=wrangledDataset')).json.wrangledDataset.flow).toEqual({
			id: 1,
		});
		await api.configure({ world: 'generous' });
		const generousRow = (await get('/v4/jobLibrary')).json.data[0];
		expect(generousRow).toMatchObject({ flowId: 1, wrangledDataset: { id: 1, flow: { id: 1 } } });
		expect((await get('/v4/jobLibrary?embed=wrangledDataset')).status).toBe(200);
	});

	test('planRunWho and recipeName: strict plan runs say neither who nor how, recipes carry recipe.name only; generous both', async () => {
		await finishedPlanRuns(1, 0);
		const run = (await get('/v4/planSnapshotRuns/1')).json;
		expect(run.creator).toBeUndefined();
		expect(run.ranfrom).toBeUndefined();
		const recipe = (await get('/v4/wrangledDatasets/1')).json;
		expect(recipe.name).toBeUndefined();
		expect(recipe.recipe).toEqual({ name: 'Demo recipe' });
		await api.configure({ world: 'generous' });
		expect((await get('/v4/planSnapshotRuns/1')).json).toMatchObject({
			creator: { id: 1 },
			ranfrom: 'schedule',
		});
		expect((await get('/v4/wrangledDatasets/1')).json.name).toBe('Demo recipe');
	});

	test('defaultOwnership: without a filter strict lists only the own plans and flows; generous everything', async () => {
		await api.reset({ plans: 6, flows: 6 });
		expect((await get('/v4/plans?includeCount=true')).json.count).toBe(4);
		expect((await get('/v4/plans?includeCount=true&ownershipFilter=all')).json.count).toBe(6);
		expect((await get('/v4/flows?includeCount=true')).json.count).toBe(4);
		await api.configure({ world: 'generous' });
		expect((await get('/v4/plans?includeCount=true')).json.count).toBe(6);
		expect((await get('/v4/flows?includeCount=true')).json.count).toBe(6);
	});

	test('bodylessPostContentType: strict answers 415 to a POST without content-type: application/json (nothing cancelled); generous takes it', async () => {
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 60_000 });
		await api.startRun({ kind: 'plan', id: 1 });
		const bare = await call('POST', '/v4/planSnapshotRuns/1/cancel');
		expect([bare.status, bare.json.exception.name]).toEqual([415, 'UnsupportedMediaType']);
		expect((await api.counters()).cancels.planRun).toBe(0);
		expect((await postJson('/v4/planSnapshotRuns/1/cancel')).status).toBe(200);
		await api.configure({ world: 'generous' });
		await api.startRun({ kind: 'plan', id: 1 });
		expect((await call('POST', '/v4/planSnapshotRuns/2/cancel')).status).toBe(200);
	});

	test('planNodeOverrideValue: strict refuses a bare string value (nothing runs); generous takes it; an object works in both', async () => {
		const override = (value: unknown) => ({
			planNodeOverrides: [{ handle: 'h', overrideKey: 'k', value }],
		});
		const refused = await postJson('/v4/plans/1/run', override('2026-01-01'));
		expect([refused.status, refused.json.exception.name]).toEqual([400, 'ValidationFailed']);
		expect((await postJson('/v4/plans/1/run', override({ variable: { value: 'x' } }))).status).toBe(
			201,
		);
		await api.configure({ world: 'generous' });
		expect((await postJson('/v4/plans/1/run', override('2026-01-01'))).status).toBe(201);
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 2 });
	});

	test('MissingFlowReferences (documented, both worlds): 201 with the status and a plan run id that never runs', async () => {
		await api.setFixture({ kind: 'plan', id: 1, validationStatus: 'MissingFlowReferences' });
		const answer = await postJson('/v4/plans/1/run');
		expect(answer.status).toBe(201);
		expect(answer.json).toEqual({
			validationStatus: 'MissingFlowReferences',
			planSnapshotRunId: 1,
		});
		await api.advance(86_400_000);
		expect((await get('/v4/planSnapshotRuns/1')).json.status).toBe('Created');
		expect((await api.counters()).runsStarted.plan).toEqual({});
	});

	test('goneTask: strict answers 410 for a deleted webhook task; generous 404; one never made is 404 in both', async () => {
		const task = {
			name: 't',
			flowId: 1,
			url: 'http://127.0.0.1:9/x',
			method: 'post',
			triggerEvent: 'onJobDone',
			triggerObject: 'any',
		};
		const { id } = (await postJson('/v4/webhookFlowTasks', task)).json;
		expect((await call('DELETE', `/v4/webhookFlowTasks/${id}`)).status).toBe(204);
		expect((await get(`/v4/webhookFlowTasks/${id}`)).status).toBe(410);
		expect((await get('/v4/webhookFlowTasks/999')).status).toBe(404);
		await api.configure({ world: 'generous' });
		expect((await get(`/v4/webhookFlowTasks/${id}`)).status).toBe(404);
	});

	test('syncFlowRun: strict answers a flow run POST without runAsync=true only after the transport would have given up; with it at once', async () => {
		const started = Date.now();
		expect((await postJson('/v4/flows/1/run?runAsync=true')).status).toBe(201);
		expect(Date.now() - started).toBeLessThan(1000);
		const slow = fetch(`${standIn.apiBaseUrl}/v4/flows/1/run`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: '{}',
			signal: AbortSignal.timeout(1500),
		});
		await expect(slow).rejects.toThrow(/timeout|aborted/i);
		await api.configure({ world: 'generous' });
		expect((await postJson('/v4/flows/1/run')).status).toBe(201);
	});

	test('webhookBody and webhookSignature: strict delivers the body verbatim and unsigned; generous fills in the variables and signs', async () => {
		const receiver = await startWebhookReceiver();
		try {
			const task = {
				name: 't',
				flowId: 1,
				url: receiver.url,
				method: 'post',
				triggerEvent: 'onJobDone',
				triggerObject: 'any',
				body: '{"job":"{{$jobId}}"}',
				secretKey: 'k',
			};
			expect((await postJson('/v4/webhookFlowTasks', task)).status).toBe(201);
			await api.setFixture({
				kind: 'recipe',
				id: 1,
				queuedMs: 0,
				runningMs: 10,
				outcome: 'Complete',
			});
			await api.startRun({ kind: 'recipe', id: 1 });
			await api.advance(100);
			await api.flushWebhooks();
			await receiver.waitFor(1);
			expect(receiver.received[0].body).toBe('{"job":"{{$jobId}}"}');
			expect(receiver.received[0].headers['x-webhook-signature']).toBeUndefined();

			await api.configure({ world: 'generous' });
			await api.startRun({ kind: 'recipe', id: 1 });
			await api.advance(100);
			await api.flushWebhooks();
			await receiver.waitFor(2);
			const signed = receiver.received[1];
			expect(signed.body).toBe('{"job":"2"}');
			const [, t, mac] = /^t=(\d+),sha256=([0-9a-f]{64})$/.exec(
				String(signed.headers['x-webhook-signature']),
			)!;
			expect(mac).toBe(createHmac('sha256', 'k').update(`${t}.${signed.body}`).digest('hex'));
		} finally {
			await receiver.close();
		}
	});

	test('jobGroupFinishTime: a touch after a job finished moves its updatedAt on', async () => {
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 0,
			runningMs: 10,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1 });
		await api.advance(1000);
		const before = (await get('/v4/jobGroups/1')).json.updatedAt;
		await api.advance(60_000);
		const touched = await api.touchRun({ id: 1 });
		expect(Date.parse(touched.updatedAt) - Date.parse(before)).toBeGreaterThanOrEqual(60_000);
		expect((await get('/v4/jobGroups/1')).json.updatedAt).toBe(touched.updatedAt);
	});
});

describe('contract violations are recorded', () => {
	test('an undocumented parameter, an unknown one, a comma list and a body-less POST each count; a probe of an unknown does not', async () => {
		await api.clearContractViolations();
		await get('/v4/planSnapshotRuns?sort=-id');
		await get('/v4/planSnapshotRuns?dateFilter[updatedAt][gte]=1');
		await get('/v4/jobLibrary?status=Complete,Failed&limit=100&offset=0');
		await get('/v4/jobLibrary?embed=wrangledDataset');
		await call('POST', '/v4/jobGroups/1/cancel');
		await get('/v4/planSnapshotRuns?status=Complete,Failed&limit=5&includeCount=true'); // the check's probe
		await sleep(10);
		const violations = await api.clearContractViolations();
		expect(violations.map((v) => v.endpoint)).toEqual([
			'listPlanSnapshotRuns',
			'listPlanSnapshotRuns',
			'getJobLibrary',
			'getJobLibrary',
			'cancelJobGroup',
		]);
		expect(violations[0].problems.join()).toMatch(
			/"sort" of listPlanSnapshotRuns is an unknown \(defaultSort\)/,
		);
		expect(violations[2].problems.join()).toMatch(
			/"status=Complete,Failed" is not a documented value/,
		);
		expect(violations[4].problems.join()).toMatch(/without content-type: application\/json/);
		expect((await api.counters()).probes).toEqual({
			commaStatusList: [
				'GET /v4/planSnapshotRuns?status=Complete,Failed&limit=5&includeCount=true',
			],
		});
	});
});
