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
import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { sharedCoordinator } from '../../nodes/AlteryxAnalyticsCloud/core';
import { SIGNATURE_HEADER } from '../../nodes/AlteryxAnalyticsCloudFlowTrigger/delivery';
import { PROOF_HEADER } from '../../nodes/AlteryxAnalyticsCloudFlowTrigger/webhookTask';
import { CredentialStore, createHarness } from '../harness/n8n';
import { startStandIn, type StandIn, type TokenPair } from './standin';
import { standInApi, type StandInApi, type WebhookDelivery } from './standinApi';
import {
	nextTurn,
	startWebhookEndpoint,
	type EndpointRequest,
	type EndpointResponse,
	type WebhookEndpoint,
} from './webhookEndpoint';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const TRIGGER = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudFlowTrigger';
export const WEBHOOK_ID = '5f0c6a53-6b1e-4c1e-9d59-1f6f0e7f2a10';
const WORKFLOW_ID = 'wfFlowTrigger';

type TriggerType = INodeType & Required<Pick<INodeType, 'webhook' | 'webhookMethods'>>;

/** A fresh copy of the node's modules: what a restarted n8n process has (no in-process memory). */
export function freshTriggerType(): TriggerType {
	let fresh: TriggerType | undefined;
	jest.isolateModules(() => {
		const module =
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			require('../../nodes/AlteryxAnalyticsCloudFlowTrigger/AlteryxAnalyticsCloudFlowTrigger.node') as {
				AlteryxAnalyticsCloudFlowTrigger: new () => TriggerType;
			};
		fresh = new module.AlteryxAnalyticsCloudFlowTrigger();
	});
	return fresh!;
}

/** A restart: the trigger is what a fresh process loads (the tests cannot assign an imported binding). */
export function restartProcess(): void {
	triggerType = freshTriggerType();
}

let standIn: StandIn;
export let api: StandInApi;
export let endpoint: WebhookEndpoint;
export let pair: TokenPair;
let harness: ReturnType<typeof createHarness>;
export let triggerType: TriggerType;

/** The workflow row: the trigger's parameters and its static data as n8n keeps them. */
export const db: { parameters: IDataObject; staticData: IDataObject } = {
	parameters: {},
	staticData: {},
};
/** Items webhook() handed n8n to start the workflow with, one entry per started execution. */
export let started: IDataObject[] = [];
/** Answers webhook() sent, in order. */
export let answers: Array<{ status: number; body: string }> = [];

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

export const nodeState = () =>
	((db.staticData as Record<string, IDataObject>)[`node:${triggerNode().name}`] ?? {}) as {
		webhookTaskId?: number;
		secret?: string;
		signingKey?: string;
		signed?: boolean;
		jobs?: { topId: number; known: number[]; open: Record<string, unknown> };
	};
/** Whether the stand-in fills variables into the body and signs (the generous world). */
export const generous = async () => (await api.settings()).world === 'generous';

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
export async function hook(
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
export async function activate(): Promise<void> {
	if (!(await hook('checkExists'))) await hook('create');
}

export const webhookUrl = () => `${endpoint.url}/webhook/${WEBHOOK_ID}/webhook`;

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
export function holdUntilLoaded(count: number): void {
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
export const saves = new Set<Promise<void>>();
export const savesDone = async () => {
	await Promise.all([...saves]);
};

export async function post(
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
export const sign = (key: string, text: string, at = Math.floor(Date.now() / 1000)) =>
	`t=${at},sha256=${createHmac('sha256', key).update(`${at}.${text}`).digest('hex')}`;

/**
 * A delivery as AAC would send it in this world: the secret header, and a valid signature where
 * AAC signs (generous; strict AAC never signs, so a signed copy there would be one nobody sends).
 */
export async function deliver(body: string): Promise<{ status: number; text: string }> {
	const { secret, signingKey } = nodeState();
	const signature: Record<string, string> = (await generous())
		? { [SIGNATURE_HEADER]: sign(signingKey!, body) }
		: {};
	return await post({ [PROOF_HEADER]: secret!, ...signature }, body);
}

/** Waits until the stand-in has settled `count` deliveries (it sends when a job group finishes). */
export async function deliveries(count: number): Promise<WebhookDelivery[]> {
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
export async function finishJob(
	outcome: 'Complete' | 'Failed' | 'Canceled',
): Promise<WebhookDelivery> {
	const before = (await api.webhookDeliveries()).length;
	await api.setFixture({ kind: 'recipe', id: 1, queuedMs: 20, runningMs: 20, outcome });
	await api.startRun({ kind: 'recipe', id: 1 });
	const list = await deliveries(before + 1);
	return list[before];
}

export async function aac(method: string, path: string): Promise<number> {
	const response = await fetch(`${standIn.apiBaseUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${pair.accessToken}` },
	});
	return response.status;
}

export const requests = async () => (await api.counters()).requests;

/** Starts the stand-in and the webhook endpoint for this file; before each test a fresh trigger, credential and workflow row; stops them afterwards. */
export function useFlowTrigger(): void {
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
}
