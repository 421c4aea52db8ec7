// The node's read operations (plans, flows, plan runs, jobs, connections, user, workspace) in
// n8n-core's real engine against the AAC stand-in (standin/: real oidc-provider OAuth, our own
// hand-written fake of AAC's v4 API): what each returns, paging over 1,234 plans, a server that
// serves fewer than asked, 429 storms, a 401 in the middle of a list, error mapping, the pickers'
// list searches, pairedItem and Continue On Fail per item.
import type {
	IConnections,
	IDataObject,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeType,
} from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { sharedCoordinator } from '../nodes/AlteryxAnalyticsCloud/core';
import { PAGE_SIZE } from '../nodes/AlteryxAnalyticsCloud/transport/paging';
import { backoffMs, retryAfterMs } from '../nodes/AlteryxAnalyticsCloud/transport/retryPolicy';
import { CONCURRENT_ITEMS } from '../nodes/AlteryxAnalyticsCloud/actions/router';
import { CredentialStore, createHarness, type RunResult } from './harness/n8n';
import { startFaultProxy, type FaultProxy } from './fakes/faultProxy';
import { StartNode } from './harness/testNodes';
import { startStandIn, type StandIn, type TokenPair } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};
const REQUEST_ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
/** Access-token lifetime on the API clock (the stand-in judges API expiry there in this file). */
const TOKEN_TTL_SECONDS = 300;

let standIn: StandIn;
let api: StandInApi;
beforeAll(async () => {
	standIn = await startStandIn({
		accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
		tokenExpiryOnApiClock: true,
		api: { freezeClock: true },
	});
	api = standInApi(standIn);
});
afterAll(async () => {
	await standIn?.stop();
});
beforeEach(async () => {
	await api.reset({});
	await api.configure({ maxPageSize: 'world', defaultPageSize: 25 });
	await standIn.resetStats();
	sharedCoordinator.clear();
});

/**
 * How many items one page holds when `asked` are asked for: the world's cap (strict: 25, AAC's
 * default, as the harshest reading of an undocumented maximum) or what was asked.
 */
async function served(asked: number): Promise<number> {
	const cap = (await api.settings()).pageCap;
	return typeof cap === 'number' ? Math.min(asked, cap) : asked;
}

let credentialCounter = 0;

interface NodeRun {
	result: RunResult;
	/** The AAC node's output items (json, pairedItem). */
	items: INodeExecutionData[];
	json: IDataObject[];
	stored: () => Record<string, unknown>;
	store: CredentialStore;
	pair: TokenPair;
}

function workflow(
	parameters: IDataObject,
	options: { items?: number; continueOnFail?: boolean; credentialId: string },
) {
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: 'test.start',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: options.items ?? 1 },
		},
		{
			id: 'aac',
			name: 'AAC',
			type: AAC_NODE,
			typeVersion: 1,
			position: [200, 0],
			parameters: parameters as INodeParameters,
			credentials: { [CRED]: { id: options.credentialId, name: 'AAC' } },
			continueOnFail: options.continueOnFail,
		},
	];
	const connections: IConnections = {
		Start: { main: [[{ node: 'AAC', type: 'main', index: 0 }]] },
	};
	return { nodes, connections };
}

async function newCredential(extra: IDataObject = {}) {
	const pair = await standIn.mint();
	const id = `ops-cred-${++credentialCounter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...pair, ...extra } },
	]);
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});
	return { pair, id, store, harness };
}

async function runNode(
	parameters: IDataObject,
	options: {
		items?: number;
		continueOnFail?: boolean;
		credential?: IDataObject;
		whileRunning?: () => Promise<void>;
	} = {},
): Promise<NodeRun> {
	const { pair, id, store, harness } = await newCredential(options.credential);
	const running = harness.runWorkflow(
		workflow(parameters, { ...options, credentialId: id }),
		'Start',
	);
	if (options.whileRunning) await options.whileRunning();
	const result = await running;
	const items = result.run.data.resultData.runData.AAC?.at(-1)?.data?.main?.[0] ?? [];
	return {
		result,
		items,
		json: items.map((item) => item.json),
		stored: () => store.read(id),
		store,
		pair,
	};
}

const byId = (mode: 'id' | 'list', value: string | number) => ({
	__rl: true,
	mode,
	value: String(value),
});

/** No 12-character piece of a token in text. */
function leaksToken(text: string, tokens: string[]): boolean {
	return tokens.some((token) => {
		for (let start = 0; start + 12 <= token.length; start++)
			if (text.includes(token.slice(start, start + 12))) return true;
		return false;
	});
}

describe('each read operation answers what AAC holds', () => {
	test('user and workspace getCurrent: who the token belongs to', async () => {
		const user = await runNode({ resource: 'user', operation: 'getCurrent' });
		expect(user.result.error).toBeUndefined();
		expect(user.json).toEqual([
			expect.objectContaining({ id: 1, email: 'standin@example.com', name: 'Stand-in User' }),
		]);
		const workspace = await runNode({ resource: 'workspace', operation: 'getCurrent' });
		expect(workspace.json).toEqual([expect.objectContaining({ id: 1, name: expect.any(String) })]);
		const counters = await api.counters();
		expect(counters.requests).toMatchObject({ getCurrentPerson: 1, getCurrentWorkspace: 1 });
	});

	test('plan get (from the list or by ID) returns the full plan; plan getMany filters by name and ownership', async () => {
		await api.reset({ plans: 30 });
		const fromList = await runNode({
			resource: 'plan',
			operation: 'get',
			planId: byId('list', 12),
		});
		expect(fromList.json).toEqual([
			expect.objectContaining({ id: 12, name: 'Plan 0012', nodes: { data: expect.any(Array) } }),
		]);
		const typed = await runNode({ resource: 'plan', operation: 'get', planId: byId('id', ' 1 ') });
		expect(typed.json[0]).toMatchObject({ id: 1, name: 'Demo plan' });

		const named = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { name: 'Plan 001' },
		});
		expect(named.json.map((p) => p.id).sort((a, b) => Number(a) - Number(b))).toEqual([
			10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
		]);
		const caseMatters = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { name: 'plan 001' },
		});
		expect(caseMatters.json).toEqual([]);
		const shared = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { ownership: 'shared' },
		});
		expect(shared.json.length).toBe(10); // every third of 30
		expect(shared.json.every((p) => Number(p.id) % 3 === 0)).toBe(true);
		expect((await api.counters()).requests).toMatchObject({ getPlanFull: 2, listPlans: 3 });
	});

	test('flow get and getMany; connection getMany and getStatus', async () => {
		await api.reset({ flows: 7, connections: 3 });
		const flows = await runNode({
			resource: 'flow',
			operation: 'getMany',
			returnAll: true,
			filters: { ownership: 'owned' },
		});
		expect(flows.json.map((f) => f.id).sort()).toEqual([1, 2, 4, 5, 7]);
		const flow = await runNode({ resource: 'flow', operation: 'get', flowId: byId('id', 4) });
		expect(flow.json).toEqual([expect.objectContaining({ id: 4, name: 'Flow 0004' })]);

		const connections = await runNode({
			resource: 'connection',
			operation: 'getMany',
			returnAll: false,
			limit: 2,
		});
		expect(connections.json).toHaveLength(2);
		const status = await runNode({
			resource: 'connection',
			operation: 'getStatus',
			connectionId: byId('list', 2),
		});
		expect(status.json).toEqual([{ connectionId: 2, result: 'ok' }]);
		expect((await api.counters()).requests).toMatchObject({
			listFlows: 1,
			getFlow: 1,
			listConnections: 1,
			getConnectionStatus: 1,
		});
	});

	test('planRun get and getMany (status filter, newest first); job get, getMany (job library) and getOutputs', async () => {
		const { planSnapshotRunId } = (await api.startRun({ kind: 'plan', id: 1 })) as {
			planSnapshotRunId: number;
		};
		const second = (await api.startRun({ kind: 'plan', id: 1 })) as { planSnapshotRunId: number };
		await api.finishRun({ kind: 'planRun', id: second.planSnapshotRunId, outcome: 'Failed' });
		const { jobGroupId } = (await api.startRun({ kind: 'recipe', id: 1 })) as {
			jobGroupId: number;
		};
		await api.finishRun({ kind: 'jobGroup', id: jobGroupId, outcome: 'Complete' });

		const run = await runNode({
			resource: 'planRun',
			operation: 'get',
			planRunId: String(planSnapshotRunId),
			options: { includePlan: true },
		});
		expect(run.json).toEqual([
			expect.objectContaining({
				id: planSnapshotRunId,
				status: 'Created',
				plan: expect.objectContaining({ name: 'Demo plan' }),
			}),
		]);
		const failed = await runNode({
			resource: 'planRun',
			operation: 'getMany',
			returnAll: true,
			filters: { status: ['Failed'] },
		});
		expect(failed.json.map((r) => r.id)).toEqual([second.planSnapshotRunId]);
		const all = await runNode({
			resource: 'planRun',
			operation: 'getMany',
			returnAll: true,
			filters: { ranfrom: 'schedule', runBy: 'currentUser' },
		});
		expect(all.json.map((r) => r.id)).toEqual([second.planSnapshotRunId, planSnapshotRunId]);
		const future = await runNode({
			resource: 'planRun',
			operation: 'getMany',
			returnAll: true,
			filters: { createdAfter: new Date((await api.clock()).now + 60_000).toISOString() },
		});
		expect(future.json).toEqual([]);

		const job = await runNode({
			resource: 'job',
			operation: 'get',
			jobId: String(jobGroupId),
			options: { includeJobs: true },
		});
		expect(job.json).toEqual([
			expect.objectContaining({
				id: jobGroupId,
				status: 'Complete',
				jobs: expect.objectContaining({ data: expect.any(Array) }),
			}),
		]);
		const jobs = await runNode({
			resource: 'job',
			operation: 'getMany',
			returnAll: false,
			limit: 10,
			filters: { status: ['Complete'] },
		});
		expect(jobs.json.map((j) => j.id)).toEqual([jobGroupId]);
		const outputs = await runNode({
			resource: 'job',
			operation: 'getOutputs',
			jobId: `${jobGroupId}`,
		});
		expect(outputs.json).toEqual([
			{
				jobId: jobGroupId,
				files: [expect.objectContaining({ fileType: 'csv', isPrimaryOutput: true })],
				tables: [],
			},
		]);
		expect((await api.counters()).requests).toMatchObject({
			getPlanSnapshotRun: 1,
			listPlanSnapshotRuns: 3,
			getJobGroup: 1,
			getJobLibrary: 1,
			getJobGroupOutputs: 1,
		});
	});
});

describe('run lists: what AAC may ignore is applied in n8n (both worlds give the same answer)', () => {
	test('several statuses, Created After/Before and a Limit on plan runs and jobs: exactly the matching runs, newest first; no comma list and no plan-run date filter sent', async () => {
		const t0 = (await api.clock()).now;
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome: 'Complete' });
		const plans: Array<{ id: number; outcome: string; at: number }> = [];
		const jobs: Array<{ id: number; outcome: string; at: number }> = [];
		for (let i = 0; i < 40; i++) {
			const outcome = (['Complete', 'Failed', 'Canceled'] as const)[i % 3];
			await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome });
			await api.setFixture({ kind: 'recipe', queuedMs: 0, runningMs: 10, outcome });
			const at = (await api.clock()).now;
			const plan = (await api.startRun({ kind: 'plan', id: 1 })) as { planSnapshotRunId: number };
			const job = (await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number };
			plans.push({ id: plan.planSnapshotRunId, outcome, at });
			jobs.push({ id: job.jobGroupId, outcome, at });
			await api.advance(60_000);
		}
		const after = t0 + 10 * 60_000;
		const before = t0 + 30 * 60_000;
		const expectedIds = (runs: typeof plans) =>
			runs
				.filter((r) => ['Failed', 'Canceled'].includes(r.outcome) && r.at >= after && r.at < before)
				.map((r) => r.id)
				.reverse();
		const filters = {
			status: ['Failed', 'Canceled'],
			createdAfter: new Date(after).toISOString(),
			createdBefore: new Date(before).toISOString(),
		};
		for (const [resource, runs] of [
			['planRun', plans],
			['job', jobs],
		] as const) {
			const all = await runNode({ resource, operation: 'getMany', returnAll: true, filters });
			expect([resource, all.json.map((r) => r.id)]).toEqual([resource, expectedIds(runs)]);
			const five = await runNode({
				resource,
				operation: 'getMany',
				returnAll: false,
				limit: 5,
				filters,
			});
			expect([resource, five.json.map((r) => r.id)]).toEqual([
				resource,
				expectedIds(runs).slice(0, 5),
			]);
		}
	});

	test('pickers and Get Many list shared plans and flows too (ownershipFilter=all, flowsFilter=all), whatever AAC does without it', async () => {
		await api.reset({ plans: 6, flows: 6 });
		const plans = await runNode({ resource: 'plan', operation: 'getMany', returnAll: true });
		expect(plans.json).toHaveLength(6);
		const flows = await runNode({ resource: 'flow', operation: 'getMany', returnAll: true });
		expect(flows.json).toHaveLength(6);
		const owned = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { ownership: 'owned' },
		});
		expect(owned.json).toHaveLength(4);
	});
});

describe('a list whose pages do not advance (a server or cache that ignores offset)', () => {
	afterEach(async () => {
		await api.configure({ ignoreOffset: false });
	});

	test('Get Many stops at the first page served twice, with an error, instead of repeating items until the page limit', async () => {
		await api.reset({ plans: 250 });
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10 });
		await api.startRun({ kind: 'plan', id: 1, count: 250 });
		await api.configure({ ignoreOffset: true });
		for (const [resource, endpoint] of [
			['plan', 'listPlans'],
			['planRun', 'listPlanSnapshotRuns'],
		] as const) {
			await api.resetCounters();
			const { result, json } = await runNode({ resource, operation: 'getMany', returnAll: true });
			expect([resource, (result.nodeError('AAC') as Error).message]).toEqual([
				resource,
				expect.stringMatching(
					/^AAC served the same page of \/v4\/\w+ twice \(at offset \d+ and \d+\)$/,
				),
			]);
			expect(json).toEqual([]);
			expect((await api.counters()).requests[endpoint]).toBeLessThanOrEqual(3);
		}
	});
});

describe('paging', () => {
	const allIds = Array.from({ length: 1234 }, (_, i) => i + 1);

	test(`Return All over 1,234 plans returns every plan once, in ceil(1234 / page) requests (page: ${PAGE_SIZE} asked, the world's cap served)`, async () => {
		await api.reset({ plans: 1234 });
		const { json, result } = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
		});
		expect(result.error).toBeUndefined();
		expect(json.map((p) => p.id)).toEqual(allIds);
		expect((await api.counters()).requests.listPlans).toBe(
			Math.ceil(1234 / (await served(PAGE_SIZE))),
		);
	});

	test('a server that serves 40 when asked for more: still all 1,234, and no empty page asked for', async () => {
		await api.reset({ plans: 1234 });
		await api.configure({ maxPageSize: 40 });
		const { json } = await runNode({ resource: 'plan', operation: 'getMany', returnAll: true });
		expect(json.map((p) => p.id)).toEqual(allIds);
		expect((await api.counters()).requests.listPlans).toBe(Math.ceil(1234 / 40));
	});

	test('Limit: exactly that many, in as few requests as the limit needs', async () => {
		await api.reset({ plans: 1234 });
		const seven = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: false,
			limit: 7,
		});
		expect(seven.json.map((p) => p.id)).toEqual(allIds.slice(0, 7));
		expect((await api.counters()).requests.listPlans).toBe(1);
		await api.resetCounters();
		const more = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: false,
			limit: PAGE_SIZE + 30,
		});
		expect(more.json.map((p) => p.id)).toEqual(allIds.slice(0, PAGE_SIZE + 30));
		expect((await api.counters()).requests.listPlans).toBe(
			Math.ceil((PAGE_SIZE + 30) / (await served(PAGE_SIZE))),
		);
	});
});

describe('429, 5xx and 401 while listing', () => {
	test('a 429 storm of two answers: both honoured (x-retry-after, at least 1 s each), then the whole list', async () => {
		await api.reset({ plans: 250 });
		await api.addFault({ endpoint: 'listPlans', status: 429, retryAfterSeconds: 1, times: 2 });
		const started = Date.now();
		const { json, result } = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
		});
		const elapsed = Date.now() - started;
		expect(result.error).toBeUndefined();
		expect(json).toHaveLength(250);
		const counters = await api.counters();
		expect(counters.faultsServed).toBe(2);
		expect(counters.tooManyRequests).toBe(2);
		expect(counters.responses['200']).toBe(Math.ceil(250 / (await served(PAGE_SIZE)))); // generous: 100, 100, 50
		expect(elapsed).toBeGreaterThanOrEqual(2000);
		expect(elapsed).toBeLessThan(6000);
	});

	test('a 429 storm that does not end: 4 attempts, 3 waits, then an error that says what to do, with the request ID', async () => {
		await api.addFault({ endpoint: 'listPlans', status: 429, retryAfterSeconds: 0, times: null });
		const started = Date.now();
		const { result } = await runNode({ resource: 'plan', operation: 'getMany', returnAll: true });
		const elapsed = Date.now() - started;
		const counters = await api.counters();
		expect(counters.faultsServed).toBe(4);
		expect(elapsed).toBeGreaterThanOrEqual(3000); // x-retry-after 0 is clamped to 1 s
		expect(elapsed).toBeLessThan(7000);
		const error = result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('429');
		expect(error.message).toContain('TooManyRequestsException');
		expect(error.description).toContain('Tried 4 times');
		expect(error.description).toMatch(REQUEST_ID);
	});

	test('502 then 503: retried with backoff, no error', async () => {
		await api.addFault({ endpoint: 'getCurrentPerson', status: 502, times: 1 });
		await api.addFault({ endpoint: 'getCurrentPerson', status: 503, times: 1 });
		const { json, result } = await runNode({ resource: 'user', operation: 'getCurrent' });
		expect(result.error).toBeUndefined();
		expect(json[0]).toMatchObject({ id: 1 });
		expect((await api.counters()).faultsServed).toBe(2);
	});

	test('401 in the middle of a list while the stored token still looks valid: exactly one refresh, saved, the list completes', async () => {
		await api.reset({ plans: 1234 });
		await api.configure({ maxPageSize: 10 });
		let expiredAfterPages = 0;
		const run = await runNode(
			{ resource: 'plan', operation: 'getMany', returnAll: true },
			{
				// AAC stops accepting the token mid-list (its clock moved past the token's expiry)
				// while this n8n's clock still says it is valid for minutes.
				whileRunning: async () => {
					for (let polls = 0; polls < 2000; polls++) {
						const pages = (await api.counters()).requests.listPlans ?? 0;
						if (pages >= 3) {
							expiredAfterPages = pages;
							await api.advance((TOKEN_TTL_SECONDS + 1) * 1000);
							return;
						}
					}
				},
			},
		);
		expect(run.result.error).toBeUndefined();
		expect(expiredAfterPages).toBeGreaterThanOrEqual(3);
		expect(expiredAfterPages).toBeLessThan(124);
		expect(run.json.map((p) => p.id)).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1));
		const stats = await standIn.stats();
		expect(stats).toMatchObject({
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
			invalidGrants: 0,
			maxUsesOfOneRefreshToken: 1,
			apiUnauthorized: 1,
		});
		const stored = run.stored();
		expect(stored.refreshToken).not.toBe(run.pair.refreshToken);
		expect(stored.accessToken).not.toBe(run.pair.accessToken);
		expect(stored.refreshStartedAt).toBe('');
		expect(await standIn.familyAlive(stored.refreshToken as string)).toBe(true);
	});

	test('401 in Refresh Operation Only mode: no refresh, an error that points at the keep-alive', async () => {
		await api.addFault({ endpoint: 'listPlans', status: 401, times: 1 });
		const run = await runNode(
			{ resource: 'plan', operation: 'getMany', returnAll: true },
			{ credential: { refreshMode: 'refreshOperationOnly' } },
		);
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('401');
		expect(error.description).toContain('keep-alive');
		expect((await standIn.stats()).tokenRequests).toBe(0);
		expect(run.store.saves).toHaveLength(0);
	});

	test('an expired access token in Refresh Operation Only mode: no refresh, no request to AAC, the keep-alive named', async () => {
		const expired = await standIn.mint({ accessTokenExpired: true });
		const run = await runNode(
			{ resource: 'user', operation: 'getCurrent' },
			{ credential: { ...expired, refreshMode: 'refreshOperationOnly' } },
		);
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
		};
		expect(error.message).toContain('Refresh Operation Only');
		expect(error.description).toContain('keep-alive');
		expect((await standIn.stats()).tokenRequests).toBe(0);
		expect((await api.counters()).requests.getCurrentPerson).toBeUndefined();
		expect(run.store.saves).toHaveLength(0);
	});
});

describe('errors', () => {
	test('404: AAC exception name and message, HTTP status, request ID and what to do; no token piece anywhere', async () => {
		const run = await runNode({ resource: 'plan', operation: 'get', planId: byId('id', 99999) });
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('404');
		expect(error.message).toMatch(
			/^AAC answered 404 to GET \/v4\/plans\/99999\/full \(DataNotFoundException: .+\)$/,
		);
		expect(error.description).toContain('check the ID');
		expect(error.description).toMatch(REQUEST_ID);
		expect(
			leaksToken(JSON.stringify(run.result.run.data.resultData), [
				run.pair.accessToken,
				run.pair.refreshToken,
			]),
		).toBe(false);
	});

	test('403 with the request ID and the permission hint', async () => {
		await api.addFault({ endpoint: 'getFlow', status: 403, times: 1 });
		const run = await runNode({ resource: 'flow', operation: 'get', flowId: byId('id', 1) });
		const error = run.result.nodeError('AAC') as unknown as {
			message: string;
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('403');
		expect(error.message).toContain('AccessControlException');
		expect(error.description).toContain('shared with that user');
		expect(error.description).toMatch(REQUEST_ID);
		expect((await api.counters()).faultsServed).toBe(1); // a 403 is not retried
	});

	test('an ID that is not a number fails before any request', async () => {
		const run = await runNode({ resource: 'planRun', operation: 'get', planRunId: 'abc' });
		expect(run.result.nodeError('AAC')?.message).toBe('Plan Run ID must be a number, got "abc"');
		expect((await api.counters()).requests.getPlanSnapshotRun).toBeUndefined();
	});
});

/** The error the AAC node stopped with: its HTTP status and the item it names. */
const itemError = (run: NodeRun) =>
	run.result.nodeError('AAC') as unknown as { context: { itemIndex: number }; httpCode: string };

describe('items', () => {
	test('pairedItem and Continue On Fail per item: the failing item gives its error, the others their results', async () => {
		const planId = { __rl: true, mode: 'id', value: '={{ [1, 99999, 1][$json.index] }}' };
		const run = await runNode(
			{ resource: 'plan', operation: 'get', planId },
			{ items: 3, continueOnFail: true },
		);
		expect(run.result.error).toBeUndefined();
		expect(run.items.map((item) => item.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 1 },
			{ item: 2 },
		]);
		expect(run.json[0]).toMatchObject({ id: 1 });
		expect(run.json[1]).toMatchObject({
			error: expect.stringContaining('AAC answered 404'),
			httpCode: '404',
		});
		expect(run.json[2]).toMatchObject({ id: 1 });
	});

	test('without Continue On Fail the node stops at the failing item, naming it', async () => {
		const planId = { __rl: true, mode: 'id', value: '={{ [1, 99999, 1][$json.index] }}' };
		const run = await runNode({ resource: 'plan', operation: 'get', planId }, { items: 3 });
		const error = itemError(run);
		expect(error.httpCode).toBe('404');
		expect(error.context.itemIndex).toBe(1);
		// Plan → Get runs items concurrently: item 2 was in flight with item 1 (its answer dropped).
		// Operations that change AAC run one item at a time and stop before the next.
		expect(run.items).toEqual([]);
		expect((await api.counters()).requests.getPlanFull).toBe(3);
	});

	test('getMany per item: each item its own list, paired to it', async () => {
		await api.reset({ plans: 10 });
		const run = await runNode(
			{ resource: 'plan', operation: 'getMany', returnAll: false, limit: 3 },
			{ items: 2 },
		);
		expect(run.items.map((item) => [item.json.id, item.pairedItem])).toEqual([
			[1, { item: 0 }],
			[2, { item: 0 }],
			[3, { item: 0 }],
			[1, { item: 1 }],
			[2, { item: 1 }],
			[3, { item: 1 }],
		]);
	});
});

describe('read-only operations run items concurrently', () => {
	// The fault proxy (hand-written, test/fakes/faultProxy.js) sits between the node and the
	// stand-in's API and counts the requests it holds at once; tokens go to the stand-in directly.
	let proxy: FaultProxy;
	beforeAll(async () => {
		proxy = await startFaultProxy({ upstream: standIn.origin });
	});
	afterAll(async () => {
		await proxy?.close();
	});
	beforeEach(async () => {
		await api.reset({ plans: 100 });
		// 20 ms per answer: on a loaded machine too, requests overlap whenever the node lets them.
		proxy.setApiScript(['slow:20']);
		proxy.apiInFlight.reset();
	});
	const planGet = (ids: string) => ({
		resource: 'plan',
		operation: 'get',
		planId: { __rl: true, mode: 'id', value: ids },
	});
	const ITEMS = 100;
	const byIndex = '={{ $json.index + 1 }}';

	test(`100 items of Plan → Get: 100 outputs in item order, pairedItem i; at most ${CONCURRENT_ITEMS} requests at once, and more than 1`, async () => {
		const run = await runNode(planGet(byIndex), {
			items: ITEMS,
			credential: { apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.items.map((item) => [item.json.id, item.pairedItem])).toEqual(
			Array.from({ length: ITEMS }, (_, i) => [i + 1, { item: i }]),
		);
		expect((await api.counters()).requests.getPlanFull).toBe(ITEMS);
		expect(proxy.apiInFlight.peak).toBeGreaterThan(1);
		expect(proxy.apiInFlight.peak).toBeLessThanOrEqual(CONCURRENT_ITEMS);
	});

	test('access token expired at the start: 1 token request for all 100 items, 0 reuse, the new pair saved', async () => {
		const expired = await standIn.mint({ accessTokenExpired: true });
		const run = await runNode(planGet(byIndex), {
			items: ITEMS,
			credential: { ...expired, apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.json.map((plan) => plan.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
		expect(await standIn.stats()).toMatchObject({
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
			invalidGrants: 0,
			maxUsesOfOneRefreshToken: 1,
		});
		expect(proxy.apiInFlight.peak).toBeGreaterThan(1);
		const stored = run.stored();
		expect(stored.refreshToken).not.toBe(expired.refreshToken);
		expect(await standIn.familyAlive(stored.refreshToken as string)).toBe(true);
	});

	test('a token AAC rejects while it still looks valid: the concurrent 401s share 1 refresh, then all 100 items succeed', async () => {
		const pair = await standIn.mint();
		proxy.planApi(pair.accessToken, ['unauthorized'], 'rejected token');
		const run = await runNode(planGet(byIndex), {
			items: ITEMS,
			credential: { ...pair, apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.json.map((plan) => plan.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
		const rejected = proxy.apiEventsOf('rejected token').filter((e) => e.step === 'unauthorized');
		expect(rejected.length).toBeGreaterThan(1); // several items saw the 401 at once ...
		expect(rejected.length).toBeLessThanOrEqual(CONCURRENT_ITEMS);
		expect(await standIn.stats()).toMatchObject({ tokenRequests: 1, reuseDetections: 0 }); // ... one refresh
	});

	test('Continue On Fail: item 50 fails (404) among 100; its error item in place, the 99 others their plans', async () => {
		const run = await runNode(planGet('={{ $json.index === 50 ? 99999 : $json.index + 1 }}'), {
			items: ITEMS,
			continueOnFail: true,
			credential: { apiBaseUrl: proxy.origin },
		});
		expect(run.result.error).toBeUndefined();
		expect(run.items.map((item) => item.pairedItem)).toEqual(
			Array.from({ length: ITEMS }, (_, i) => ({ item: i })),
		);
		run.json.forEach((json, i) => {
			if (i === 50)
				expect(json).toMatchObject({
					error: expect.stringContaining('AAC answered 404'),
					httpCode: '404',
				});
			else expect(json).toMatchObject({ id: i + 1 });
		});
		expect((await api.counters()).requests.getPlanFull).toBe(ITEMS);
	});

	test('without Continue On Fail: the lowest-index failure is thrown even when a later item failed first; no item starts after a failure', async () => {
		// Item 10's plan (99998) answers its 404 after 1 s; item 12's (99999) at once, while 10 is in flight.
		const pair = await standIn.mint();
		proxy.planApi(pair.accessToken, ['slow:1000'], 'slow failure', { path: /\/plans\/99998\// });
		const ids = '={{ $json.index === 10 ? 99998 : $json.index === 12 ? 99999 : $json.index + 1 }}';
		const run = await runNode(planGet(ids), {
			items: ITEMS,
			credential: { ...pair, apiBaseUrl: proxy.origin },
		});
		const error = itemError(run);
		expect(error.httpCode).toBe('404');
		expect(error.context.itemIndex).toBe(10);
		expect(run.items).toEqual([]);
		const started = (await api.counters()).requests.getPlanFull;
		// Items 0–12 all started; once 12 failed, none more than those already in flight.
		expect(started).toBeGreaterThanOrEqual(13);
		expect(started).toBeLessThanOrEqual(12 + CONCURRENT_ITEMS);
	});
});

describe('pickers (resource locator list searches)', () => {
	async function search(method: string, filter?: string, paginationToken?: string) {
		const { id, harness } = await newCredential();
		const context = harness.loadOptionsContext(
			workflow({ resource: 'plan', operation: 'get' }, { credentialId: id }),
			'AAC',
			'parameters.planId',
		);
		const node = new AlteryxAnalyticsCloud();
		const listSearch = node.methods.listSearch as Record<
			string,
			(
				this: unknown,
				filter?: string,
				token?: string,
			) => Promise<{ results: Array<{ name: string; value: string }>; paginationToken?: string }>
		>;
		return await listSearch[method].call(context, filter, paginationToken);
	}

	test('plans: pages of 50 with a next-page token until the end; a filter narrows by name', async () => {
		await api.reset({ plans: 120 });
		const page = await served(50);
		const first = await search('searchPlans');
		expect(first.results).toHaveLength(page);
		expect(first.results[0]).toEqual({ name: 'Demo plan (1)', value: '1' });
		expect(first.paginationToken).toBe(String(page));
		const last = await search('searchPlans', undefined, '100');
		expect(last.results.map((r) => r.value)).toEqual(
			Array.from({ length: 20 }, (_, i) => String(101 + i)),
		);
		expect(last.paginationToken).toBeUndefined();
		const filtered = await search('searchPlans', 'plan 011');
		expect(filtered.results.map((r) => r.name)).toEqual(
			Array.from({ length: 10 }, (_, i) => `Plan 011${i} (${110 + i})`),
		);
		expect(filtered.paginationToken).toBeUndefined();
	});

	test('the plan and flow pickers offer shared ones too', async () => {
		await api.reset({ plans: 6, flows: 6 });
		expect((await search('searchPlans')).results).toHaveLength(6);
		expect((await search('searchFlows')).results).toHaveLength(6);
	});

	test('flows, recipes and connections have pickers too', async () => {
		expect((await search('searchFlows')).results).toEqual([{ name: 'Demo flow (1)', value: '1' }]);
		expect((await search('searchRecipes', 'recipe 2')).results).toEqual([
			{ name: 'Demo recipe 2 (2)', value: '2' },
		]);
		expect((await search('searchConnections')).results).toHaveLength(1);
		expect((await api.counters()).requests).toMatchObject({
			listFlows: 1,
			listWrangledDatasets: 1,
			listConnections: 1,
		});
	});
});

describe('retry timing (pure)', () => {
	test('x-retry-after / Retry-After are clamped to 1–60 s; dates work; none gives undefined', () => {
		expect(retryAfterMs({ 'x-retry-after': '0' })).toBe(1000);
		expect(retryAfterMs({ 'x-retry-after': '7' })).toBe(7000);
		expect(retryAfterMs({ 'retry-after': '120' })).toBe(60_000);
		expect(
			retryAfterMs(
				{ 'retry-after': new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString() },
				Date.UTC(2030, 0, 1),
			),
		).toBe(10_000);
		expect(retryAfterMs({})).toBeUndefined();
		expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
	});

	test('backoff: 250 ms doubling to 8 s, within ±20 %', () => {
		expect([1, 2, 3, 6, 10].map((attempt) => backoffMs(attempt, () => 0.5))).toEqual([
			250, 500, 1000, 8000, 8000,
		]);
		expect(backoffMs(1, () => 0)).toBe(200);
		expect(backoffMs(1, () => 1)).toBe(300);
	});
});
