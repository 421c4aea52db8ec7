// The Flow Trigger in n8n-core's real HookContext and WebhookContext against the AAC stand-in
// (standin/: real oidc-provider OAuth, our hand-written fake of AAC's v4 API and its webhook
// deliveries), in both worlds (jest.config.js: the strict stand-in delivers the task's body
// verbatim, with no variable filled in and no signature; the generous one fills them in and
// signs): the webhook task's lifecycle (create, checkExists, delete, a stale id recreated, a task
// that no longer fits replaced), authentication (secret header, signature, replays), the jobs
// found through the API once each (repeats, copies arriving at once, a restart, forged and late
// bodies, AAC unreachable), and what the output holds.
//
// What n8n's server does around webhook() is copied by hand, not run: a request builds a new
// Workflow from the static data "in the database", and what webhook() changed is saved once it
// answered (n8n's LiveWebhooks); activation is checkExists, then create when that says false.
import { createHmac } from 'node:crypto';

import { HookContext, WebhookContext } from 'n8n-core';
import {
	Workflow,
	sleep,
	type IDataObject,
	type INode,
	type INodeType,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { sharedCoordinator } from '../nodes/AlteryxAnalyticsCloud/core';
import { SIGNATURE_HEADER } from '../nodes/AlteryxAnalyticsCloudFlowTrigger/delivery';
import { DELIVERY_BODY, PROOF_HEADER } from '../nodes/AlteryxAnalyticsCloudFlowTrigger/webhookTask';
import { CredentialStore, createHarness } from './harness/n8n';
import { startStandIn, type StandIn, type TokenPair } from './helpers/standin';
import { standInApi, type StandInApi, type WebhookDelivery } from './helpers/standinApi';
import {
	nextTurn,
	startWebhookEndpoint,
	type EndpointRequest,
	type EndpointResponse,
	type WebhookEndpoint,
} from './helpers/webhookEndpoint';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const TRIGGER = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudFlowTrigger';
const WEBHOOK_ID = '5f0c6a53-6b1e-4c1e-9d59-1f6f0e7f2a10';
const WORKFLOW_ID = 'wfFlowTrigger';

type TriggerType = INodeType & Required<Pick<INodeType, 'webhook' | 'webhookMethods'>>;

/** A fresh copy of the node's modules: what a restarted n8n process has (no in-process memory). */
function freshTriggerType(): TriggerType {
	let fresh: TriggerType | undefined;
	jest.isolateModules(() => {
		const module =
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			require('../nodes/AlteryxAnalyticsCloudFlowTrigger/AlteryxAnalyticsCloudFlowTrigger.node') as {
				AlteryxAnalyticsCloudFlowTrigger: new () => TriggerType;
			};
		fresh = new module.AlteryxAnalyticsCloudFlowTrigger();
	});
	return fresh!;
}

let standIn: StandIn;
let api: StandInApi;
let endpoint: WebhookEndpoint;
let pair: TokenPair;
let harness: ReturnType<typeof createHarness>;
let triggerType: TriggerType;

/** The workflow row: the trigger's parameters and its static data as n8n keeps them. */
const db: { parameters: IDataObject; staticData: IDataObject } = { parameters: {}, staticData: {} };
/** Items webhook() handed n8n to start the workflow with, one entry per started execution. */
let started: IDataObject[] = [];
/** Answers webhook() sent, in order. */
let answers: Array<{ status: number; body: string }> = [];

function triggerNode(): INode {
	return {
		id: 'flow-trigger',
		name: 'AAC Flow Trigger',
		type: TRIGGER,
		typeVersion: 1,
		position: [0, 0],
		webhookId: WEBHOOK_ID,
		parameters: db.parameters as INode['parameters'],
		credentials: { [CRED]: { id: 'trigger-cred', name: 'AAC' } },
	};
}

function loadWorkflow(staticData: IDataObject = structuredClone(db.staticData)): {
	workflow: Workflow;
	node: INode;
} {
	const node = triggerNode();
	const workflow = new Workflow({
		id: WORKFLOW_ID,
		name: 'Alert when a flow job fails',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: harness.nodeTypes,
		staticData,
	});
	return { workflow, node };
}

/** n8n's WorkflowStaticDataService.saveStaticData: only when something changed. */
function saveStaticData(workflow: Workflow): void {
	if (workflow.staticData.__dataChanged !== true) return;
	const copy = JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject;
	delete copy.__dataChanged;
	db.staticData = copy;
}

const nodeState = () =>
	((db.staticData as Record<string, IDataObject>)[`node:${triggerNode().name}`] ?? {}) as {
		webhookTaskId?: number;
		secret?: string;
		signingKey?: string;
		signed?: boolean;
		jobs?: { topId: number; known: number[]; open: Record<string, unknown> };
	};
/** Whether the stand-in fills variables into the body and signs (the generous world). */
const generous = async () => (await api.settings()).world === 'generous';

/** n8n's registration of the trigger's one webhook (IWebhookData). */
function webhookDataFor(
	node: INode,
	additionalData: IWorkflowExecuteAdditionalData,
	isTest: boolean,
): IWebhookData {
	return {
		httpMethod: 'POST',
		node: node.name,
		path: `${WEBHOOK_ID}/webhook`,
		webhookDescription: triggerType.description.webhooks![0],
		workflowId: WORKFLOW_ID,
		workflowExecuteAdditionalData: additionalData,
		webhookId: WEBHOOK_ID,
		isTest,
	};
}

/**
 * One webhook method, as n8n runs it: for the active workflow ('trigger'), or for "Listen for
 * test event" ('manual': the test URL, static data of its own that n8n never saves).
 */
async function hook(
	method: 'checkExists' | 'create' | 'delete',
	mode: 'trigger' | 'manual' = 'trigger',
	testStaticData?: IDataObject,
): Promise<boolean> {
	const { workflow, node } = loadWorkflow(mode === 'manual' ? testStaticData : undefined);
	const additionalData = harness.triggerAdditionalData(workflow, {
		webhookBaseUrl: `${endpoint.url}/webhook`,
		webhookTestBaseUrl: `${endpoint.url}/webhook-test`,
	});
	const webhookData = mode === 'manual' ? webhookDataFor(node, additionalData, true) : undefined;
	const context = new HookContext(
		workflow,
		node,
		additionalData,
		mode,
		mode === 'manual' ? 'manual' : 'activate',
		webhookData,
	);
	const result = await triggerType.webhookMethods.default![method]!.call(context);
	if (mode === 'trigger') saveStaticData(workflow);
	return result;
}

/** What n8n does on activation (and on every start for an active workflow). */
async function activate(): Promise<void> {
	if (!(await hook('checkExists'))) await hook('create');
}

const webhookUrl = () => `${endpoint.url}/webhook/${WEBHOOK_ID}/webhook`;

async function handleWebhook(
	req: EndpointRequest,
	res: EndpointResponse,
	pathname: string,
): Promise<void> {
	if (pathname !== `/webhook/${WEBHOOK_ID}/webhook` || req.method !== 'POST') {
		res.writeHead(404).end();
		return;
	}
	await nextTurn(); // n8n loads the workflow from its database: copies arriving together all see the same row
	const { workflow, node } = loadWorkflow();
	await gate?.arrive();
	const additionalData = harness.triggerAdditionalData(workflow, {
		webhookBaseUrl: `${endpoint.url}/webhook`,
		httpRequest: req as never,
		httpResponse: res as never,
	});
	const context = new WebhookContext(
		workflow,
		node,
		additionalData,
		'webhook',
		webhookDataFor(node, additionalData, false),
		[],
		null,
	);
	const result: IWebhookResponseData = await triggerType.webhook.call(context);
	// Recorded before the next I/O turn, so before the client can have read the answer.
	answers.push({ status: res.statusCode, body: res.sentBody ?? '' });
	for (const item of result.workflowData?.[0] ?? []) started.push(item.json);
	expect(result.noWebhookResponse).toBe(true); // the node answered itself, before the run
	const save = nextTurn().then(() => saveStaticData(workflow)); // the save is a database write too
	saves.add(save);
	await save;
	saves.delete(save);
}

/** Holds requests until `count` have loaded the workflow: copies that all read the row before any save. */
let gate: { arrive: () => Promise<void> } | undefined;
function holdUntilLoaded(count: number): void {
	let arrived = 0;
	let open!: () => void;
	const opened = new Promise<void>((resolve) => (open = resolve));
	gate = {
		arrive: async () => {
			if (++arrived >= count) open();
			await opened;
		},
	};
}

/** Static-data saves that the answer went out before. */
const saves = new Set<Promise<void>>();
const savesDone = async () => {
	await Promise.all([...saves]);
};

async function post(
	headers: Record<string, string>,
	body: string,
): Promise<{ status: number; text: string }> {
	const response = await fetch(webhookUrl(), {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body,
	});
	return { status: response.status, text: await response.text() };
}

/** A signature as a signing AAC would send it (the format the node knows). */
const sign = (key: string, text: string, at = Math.floor(Date.now() / 1000)) =>
	`t=${at},sha256=${createHmac('sha256', key).update(`${at}.${text}`).digest('hex')}`;

/**
 * A delivery as AAC would send it in this world: the secret header, and a valid signature where
 * AAC signs (generous; strict AAC never signs, so a signed copy there would be one nobody sends).
 */
async function deliver(body: string): Promise<{ status: number; text: string }> {
	const { secret, signingKey } = nodeState();
	const signature: Record<string, string> = (await generous())
		? { [SIGNATURE_HEADER]: sign(signingKey!, body) }
		: {};
	return await post({ [PROOF_HEADER]: secret!, ...signature }, body);
}

/** Waits until the stand-in has settled `count` deliveries (it sends when a job group finishes). */
async function deliveries(count: number): Promise<WebhookDelivery[]> {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const list = await api.flushWebhooks();
		if (list.length >= count) return list;
		if (Date.now() > deadline)
			throw new Error(`${list.length} of ${count} webhook deliveries after 20 s`);
		await sleep(50);
	}
}

/** Runs recipe 1 (flow 1) once in the stand-in and waits for its delivery. */
async function finishJob(outcome: 'Complete' | 'Failed' | 'Canceled'): Promise<WebhookDelivery> {
	const before = (await api.webhookDeliveries()).length;
	await api.setFixture({ kind: 'recipe', id: 1, queuedMs: 20, runningMs: 20, outcome });
	await api.startRun({ kind: 'recipe', id: 1 });
	const list = await deliveries(before + 1);
	return list[before];
}

async function aac(method: string, path: string): Promise<number> {
	const response = await fetch(`${standIn.apiBaseUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${pair.accessToken}` },
	});
	return response.status;
}

const requests = async () => (await api.counters()).requests;

beforeAll(async () => {
	standIn = await startStandIn({ accessTokenTtlSeconds: 3600 });
	api = standInApi(standIn);
	endpoint = await startWebhookEndpoint(handleWebhook);
});
afterAll(async () => {
	await endpoint?.close();
	await standIn?.stop();
});
beforeEach(async () => {
	await api.reset({});
	sharedCoordinator.clear();
	// The stand-in numbers tasks and jobs from 1 again after a reset: each test gets its own process.
	triggerType = freshTriggerType();
	pair = await standIn.mint();
	const store = new CredentialStore([
		{
			id: 'trigger-cred',
			name: 'AAC',
			type: CRED,
			data: { allowCustomIssuer: true, ...pair, apiBaseUrl: standIn.apiBaseUrl },
		},
	]);
	harness = createHarness({
		nodeTypes: { [TRIGGER]: triggerType },
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});
	db.parameters = { flowId: { __rl: true, mode: 'id', value: '1' }, event: 'onJobDone' };
	db.staticData = {};
	started = [];
	answers = [];
	gate = undefined;
});

describe('the webhook task', () => {
	test("activation creates one task for the flow at n8n's webhook URL, with the secret header and a signing key; its id is kept", async () => {
		await activate();
		const tasks = await api.webhookTasks();
		expect(tasks).toHaveLength(1);
		const [task] = tasks;
		const state = nodeState();
		expect(state.webhookTaskId).toBe(task.id);
		expect(task).toMatchObject({
			flow: { id: 1 },
			url: webhookUrl(),
			method: 'post',
			triggerEvent: 'onJobDone',
			triggerObject: 'any',
			body: DELIVERY_BODY,
			retryOnFailure: true,
			signed: true,
		});
		expect(task.name).toBe('n8n: Alert when a flow job fails');
		expect(state.secret).toMatch(/^[0-9a-f]{64}$/);
		expect(state.signingKey).toMatch(/^[0-9a-f]{64}$/);
		expect(state.signingKey).not.toBe(state.secret);
		expect(task.headers[PROOF_HEADER]).toBe(state.secret);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 1 });
		expect((await requests()).getWebhookFlowTask ?? 0).toBe(0); // nothing stored yet: no GET
	});

	test('checkExists says true for the stored task (one GET) and a restart creates nothing new', async () => {
		await activate();
		const { webhookTaskId } = nodeState();
		expect(await hook('checkExists')).toBe(true);
		await activate(); // n8n starting again with the workflow active
		expect(nodeState().webhookTaskId).toBe(webhookTaskId);
		expect(await api.webhookTasks()).toHaveLength(1);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 1, getWebhookFlowTask: 2 });
	});

	test('a task deleted in AAC: checkExists says false and forgets it; activation creates a new one (a stale id recreated)', async () => {
		await activate();
		const first = nodeState();
		expect(await aac('DELETE', `/v4/webhookFlowTasks/${first.webhookTaskId}`)).toBe(204);
		expect(await hook('checkExists')).toBe(false);
		expect(nodeState().webhookTaskId).toBeUndefined();
		await activate();
		const second = nodeState();
		const tasks = await api.webhookTasks();
		expect(tasks.map((task) => task.id)).toEqual([second.webhookTaskId]);
		expect(second.webhookTaskId).not.toBe(first.webhookTaskId);
		expect(second.secret).not.toBe(first.secret);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 2 });
	});

	test('a task that no longer fits the node (the event changed): checkExists deletes it, activation creates the right one', async () => {
		await activate();
		const first = nodeState().webhookTaskId;
		db.parameters = { ...db.parameters, event: 'onJobFailure' };
		expect(await hook('checkExists')).toBe(false);
		await activate();
		const tasks = await api.webhookTasks();
		expect(tasks).toHaveLength(1);
		expect(tasks[0].id).not.toBe(first);
		expect(tasks[0].triggerEvent).toBe('onJobFailure');
		expect(await requests()).toMatchObject({ deleteWebhookFlowTask: 1, createWebhookFlowTask: 2 });
	});

	test('deactivation deletes the task in AAC and clears the static data; a task AAC no longer has is fine', async () => {
		await activate();
		const { webhookTaskId } = nodeState();
		expect(await hook('delete')).toBe(true);
		expect(await api.webhookTasks()).toEqual([]);
		// Gone: 410 "previously deleted" in the strict world, 404 in the generous one.
		expect([404, 410]).toContain(await aac('GET', `/v4/webhookFlowTasks/${webhookTaskId}`));
		expect(nodeState()).toEqual({});

		await activate();
		expect(await aac('DELETE', `/v4/webhookFlowTasks/${nodeState().webhookTaskId}`)).toBe(204);
		expect(await hook('delete')).toBe(true); // AAC answers 404 or 410: gone already
		expect(nodeState()).toEqual({});
		expect(await requests()).toMatchObject({ deleteWebhookFlowTask: 3 });
	});

	test('"Listen for test event" on the active workflow: its own task at the test URL, deleted after; the production task untouched', async () => {
		await activate();
		const production = nodeState().webhookTaskId;
		// n8n's test copy of the workflow starts from the stored static data, and never saves it.
		const testStaticData = structuredClone(db.staticData);
		expect(await hook('checkExists', 'manual', testStaticData)).toBe(false);
		expect(await hook('create', 'manual', testStaticData)).toBe(true);
		const tasks = await api.webhookTasks();
		expect(tasks.map((task) => [task.id, task.url])).toEqual([
			[production, webhookUrl()],
			[expect.any(Number), `${endpoint.url}/webhook-test/${WEBHOOK_ID}/webhook`],
		]);
		expect(await hook('delete', 'manual', testStaticData)).toBe(true);
		expect((await api.webhookTasks()).map((task) => task.id)).toEqual([production]);
		expect(nodeState().webhookTaskId).toBe(production);
		expect(await hook('checkExists')).toBe(true);
	});

	test('a failed delete keeps the id, so the next activation finds the task instead of creating a second', async () => {
		await activate();
		const { webhookTaskId } = nodeState();
		await api.addFault({ endpoint: 'deleteWebhookFlowTask', status: 403, times: 1 });
		expect(await hook('delete')).toBe(false);
		expect(nodeState().webhookTaskId).toBe(webhookTaskId);
		await activate();
		expect(nodeState().webhookTaskId).toBe(webhookTaskId);
		expect(await api.webhookTasks()).toHaveLength(1);
	});

	test('an ambiguous create (AAC processed it, the answer was lost) is not repeated, and says what to check', async () => {
		await api.addFault({
			endpoint: 'createWebhookFlowTask',
			status: 502,
			phase: 'after',
			times: 1,
		});
		await expect(hook('create')).rejects.toThrow(
			/^The webhook task may have been created: POST \/v4\/webhookFlowTasks was answered 502/,
		);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 1 });
		expect(await api.webhookTasks()).toHaveLength(1); // the one AAC made; no second
		expect(nodeState()).toEqual({});
	});
});

describe('deliveries', () => {
	test('a finished job starts the workflow once, with what the API says of it and the delivery as it came; no token or secret in it', async () => {
		await activate();
		const delivery = await finishJob('Failed');
		expect(delivery).toMatchObject({ responseStatus: 200, error: null, attempts: 1 });
		expect(started).toHaveLength(1);
		const [item] = started;
		expect(item).toEqual({
			jobId: delivery.jobGroupId,
			status: 'Failed',
			succeeded: false,
			final: true,
			flowId: 1,
			flowRunId: null, // a recipe run outside a flow run
			recipeId: 1,
			recipeName: 'Demo recipe',
			webhookTaskId: nodeState().webhookTaskId,
			triggerEvent: 'onJobDone',
			receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			// What AAC delivered: its variables filled in (generous) or the template verbatim (strict).
			body: (await generous())
				? {
						jobId: String(delivery.jobGroupId),
						jobStatus: 'Failed',
						flowId: '1',
						flowRunId: '',
						recipeId: '1',
					}
				: JSON.parse(DELIVERY_BODY),
		});
		const text = JSON.stringify({ started, answers });
		const { secret, signingKey } = nodeState();
		for (const value of [pair.accessToken, pair.refreshToken, secret!, signingKey!])
			expect(text).not.toContain(value);
	});

	test('jobs that finished before activation never come; each job after it comes once, whatever the body says (no dedupe on the body)', async () => {
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 20,
			runningMs: 20,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1 });
		await sleep(200); // finished, and no task yet to deliver it
		await activate();
		for (const outcome of ['Complete', 'Complete', 'Failed'] as const) await finishJob(outcome);
		// Strict: three identical bodies (nothing filled in), three starts; generous: the same.
		expect(started.map((item) => [item.jobId, item.status])).toEqual([
			[2, 'Complete'],
			[3, 'Complete'],
			[4, 'Failed'],
		]);
	});

	test('AAC repeating a delivery: 200, nothing started; 5 copies at once: still one start', async () => {
		await activate();
		await finishJob('Complete');
		expect(started).toHaveLength(1);
		const repeated = await api.repeatWebhookDelivery();
		expect(repeated).toMatchObject({ repeatOf: 0, responseStatus: 200 });
		await Promise.all(Array.from({ length: 5 }, () => api.repeatWebhookDelivery(0)));
		expect(started).toHaveLength(1);
		expect(answers).toHaveLength(7);
		expect(answers.slice(1).map((answer) => JSON.parse(answer.body))).toEqual(
			Array(6).fill({ received: true, jobs: 0 }),
		);
		// The next job is a new delivery.
		await finishJob('Complete');
		expect(started.map((item) => item.jobId)).toEqual([1, 2]);
	});

	test("copies of a new delivery that all read the static data before any saved it: one start (the process's own claims)", async () => {
		await activate();
		await finishJob('Complete');
		holdUntilLoaded(4);
		// AAC's own delivery of job 2, and three copies posted at the same time.
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 20,
			runningMs: 20,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1 });
		await sleep(100);
		const copies = await Promise.all(Array.from({ length: 3 }, () => deliver(DELIVERY_BODY)));
		await deliveries(2);
		await savesDone();
		expect(copies.map((result) => result.status)).toEqual([200, 200, 200]);
		expect(started.map((item) => item.jobId)).toEqual([1, 2]);
	});

	test('after a restart (a fresh process, no memory of its own) the static data still knows the job: a repeat starts nothing', async () => {
		await activate();
		await finishJob('Complete');
		// The delivery is answered before its static data is saved (as n8n saves after the answer).
		await savesDone();
		expect(nodeState().jobs!.known).toContain(1);
		triggerType = freshTriggerType();
		const repeated = await api.repeatWebhookDelivery();
		expect(repeated.responseStatus).toBe(200);
		expect(started).toHaveLength(1);
		expect(JSON.parse(answers.at(-1)!.body)).toEqual({ received: true, jobs: 0 });
	});

	test('150 jobs: 150 starts, and the static data stays small', async () => {
		await activate();
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 0,
			runningMs: 10,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1, count: 150 });
		await sleep(200);
		await deliveries(150);
		await savesDone();
		expect(new Set(started.map((item) => item.jobId)).size).toBe(150);
		expect(started).toHaveLength(150);
		expect(JSON.stringify(nodeState()).length).toBeLessThan(2500);
	});

	test('a body that names a job is only a hint: a forged or late one (the proof header known) starts nothing that AAC does not show finished in this flow', async () => {
		await activate();
		await finishJob('Complete'); // job 1
		const send = async (body: IDataObject) => await deliver(JSON.stringify(body));
		// A job that does not exist, one still running, and job 1 again (a late copy).
		await api.setFixture({ kind: 'recipe', id: 1, queuedMs: 0, runningMs: 3_600_000 });
		const running = ((await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number })
			.jobGroupId;
		for (const jobId of ['999', String(running), '1'])
			expect((await send({ jobId, jobStatus: 'Complete', flowId: '1' })).status).toBe(200);
		expect(started.map((item) => item.jobId)).toEqual([1]);
	});

	test('a job of another flow, named in the body or finished meanwhile, starts nothing', async () => {
		await api.reset({
			flows: [
				{ id: 1, name: 'Demo flow' },
				{ id: 2, name: 'Other flow' },
			],
			recipes: [
				{ id: 1, name: 'Demo recipe', flowId: 1 },
				{ id: 2, name: 'Other recipe', flowId: 2 },
			],
		});
		await activate();
		await api.setFixture({
			kind: 'recipe',
			id: 2,
			queuedMs: 0,
			runningMs: 20,
			outcome: 'Complete',
		});
		const other = ((await api.startRun({ kind: 'recipe', id: 2 })) as { jobGroupId: number })
			.jobGroupId;
		await sleep(150);
		const result = await deliver(
			JSON.stringify({ jobId: String(other), jobStatus: 'Complete', flowId: '1' }),
		);
		expect(result.status).toBe(200);
		expect(started).toEqual([]);
		await finishJob('Failed'); // a job of flow 1: comes
		expect(started.map((item) => [item.jobId, item.flowId])).toEqual([[other + 1, 1]]);
	});

	test('AAC cannot be read while a delivery comes: 503 (AAC delivers again), nothing stored; the next delivery brings the job', async () => {
		await activate();
		const saved = JSON.stringify(db.staticData);
		// Every attempt AAC makes (3 with retryOnFailure) finds the job library failing.
		await api.addFault({ endpoint: 'getJobLibrary', status: 503, phase: 'before', times: null });
		const first = await finishJob('Complete');
		expect(first).toMatchObject({ responseStatus: 503, attempts: 3 });
		await savesDone();
		expect(started).toEqual([]);
		expect(JSON.stringify(db.staticData)).toBe(saved);
		await api.clearFaults();
		await api.repeatWebhookDelivery();
		expect(started.map((item) => item.jobId)).toEqual([first.jobGroupId]);
	});
});

describe('authentication', () => {
	const body = DELIVERY_BODY;

	test('without the secret header, with a wrong one, or with a signature that does not verify: 401, nothing read or started, no secret in the answer', async () => {
		await activate();
		const { secret, signingKey } = nodeState();
		const before = (await requests()).getJobLibrary ?? 0;
		const forged = [
			await post({}, body),
			await post({ [PROOF_HEADER]: 'f'.repeat(64) }, body),
			await post({ [PROOF_HEADER]: secret!.slice(0, 63) }, body),
			await post(
				{
					[PROOF_HEADER]: secret!,
					[SIGNATURE_HEADER]: `t=${Math.floor(Date.now() / 1000)},sha256=${'0'.repeat(64)}`,
				},
				body,
			),
		];
		expect(forged.map((result) => result.status)).toEqual([401, 401, 401, 401]);
		for (const result of forged) {
			expect(JSON.parse(result.text)).toEqual({ message: 'Unauthorized' });
			expect(result.text).not.toContain(secret!);
			expect(result.text).not.toContain(signingKey!);
		}
		expect(started).toEqual([]);
		expect((await requests()).getJobLibrary ?? 0).toBe(before); // authenticated before anything
	});

	test('before any task was created nothing is accepted (no secret to match)', async () => {
		const result = await post({ [PROOF_HEADER]: '' }, body);
		expect(result.status).toBe(401);
		expect(started).toEqual([]);
	});

	test('a signature whose time is far off is refused, though its HMAC verifies (a captured delivery replayed later)', async () => {
		await activate();
		const { secret, signingKey } = nodeState();
		const stale = sign(signingKey!, body, Math.floor(Date.now() / 1000) - 3600);
		const result = await post({ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: stale }, body);
		expect(result.status).toBe(401);
		const fresh = await post(
			{ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: sign(signingKey!, body) },
			body,
		);
		expect(fresh.status).toBe(200);
	});

	test('once a delivery came signed, unsigned ones (the header dropped, or in another format) are refused; until then the secret alone is enough (AAC may not sign)', async () => {
		await activate();
		const { secret, signingKey } = nodeState();
		expect((await post({ [PROOF_HEADER]: secret! }, body)).status).toBe(200);
		const delivery = await finishJob('Complete');
		expect(delivery.responseStatus).toBe(200);
		expect(started.map((item) => item.jobId)).toEqual([delivery.jobGroupId]);
		await savesDone();
		const signedBefore = nodeState().signed === true;
		// Generous: the stand-in signed that delivery; strict: it never signs.
		expect(signedBefore).toBe(await generous());
		if (!signedBefore) {
			expect(
				(await post({ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: sign(signingKey!, body) }, body))
					.status,
			).toBe(200);
			await savesDone();
			expect(nodeState().signed).toBe(true);
		}
		const dropped = await post({ [PROOF_HEADER]: secret! }, body);
		const otherFormat = await post(
			{ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: 'v1=0123456789abcdef' },
			body,
		);
		expect([dropped.status, otherFormat.status]).toEqual([401, 401]);
	});
});
