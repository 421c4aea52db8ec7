import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type INodeProperties,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { aacApiRequest, type Ambiguity } from '../transport/aacApi';
import { flowLocator } from './descriptions';
import { toNodeError } from './errors';
import { isTerminalStatus } from './waitForRun';

/*
 * The Flow Trigger: an AAC flow webhook task (POST /v4/webhookFlowTasks) that calls n8n's webhook
 * URL when a job of the flow finishes.
 *
 * - Activation creates the task with a random secret in a header AAC is told to send, and a
 *   second random key AAC may sign the body with (`secretKey`). Both live in the node's static
 *   data beside the task id, as n8n's own webhook triggers keep theirs.
 * - A delivery without the secret header (compared in constant time), or with a signature that
 *   does not verify, gets 401 and starts nothing.
 * - A job delivered again (AAC retries on failure) starts nothing: the jobs delivered last are
 *   remembered, bounded, in static data (kept across restarts) and in this process (two copies
 *   arriving at once each read the static data before either saved it).
 * - webhook() answers the request itself (noWebhookResponse). n8n saves what webhook() wrote to
 *   static data when the answer goes out; with n8n's "on received" answer that happens only after
 *   the run has started, and the memory of a delivery could be lost (notes on n8n 2.41.1).
 *
 * What AAC sends is not documented: the body is the template below, in the {{$...}} variables
 * of AAC's webhook task settings, and the signature format is the stand-in's guess. Both are
 * unverified against a live tenant.
 */

/** The header that carries the secret generated at activation: proof that a delivery is from our task. */
export const PROOF_HEADER = 'x-n8n-aac-proof';
/** Where a signing AAC puts its signature (unverified): `t=<epoch s>,sha256=<hex HMAC of "t.body">`. */
export const SIGNATURE_HEADER = 'x-webhook-signature';
/** Jobs remembered per trigger, newest last: far more than AAC repeats one delivery. */
export const DELIVERED_MEMORY = 100;
/** Deliveries remembered by this process, all triggers together. */
const PROCESS_MEMORY = 2000;

/** The body AAC is told to send. Quoted: an unknown variable then stays a string, the JSON valid. */
export const DELIVERY_BODY = JSON.stringify({
	jobId: '{{$jobId}}',
	jobStatus: '{{$jobStatus}}',
	flowId: '{{$flowId}}',
	flowRunId: '{{$flowRunId}}',
	recipeId: '{{$recipeId}}',
});

export const EVENTS = [
	{
		name: 'Job Finished',
		value: 'onJobDone',
		description: 'A job of the flow completed, failed or was canceled',
	},
	{ name: 'Job Succeeded', value: 'onJobSuccess', description: 'A job of the flow completed' },
	{ name: 'Job Failed', value: 'onJobFailure', description: 'A job of the flow failed' },
];

export const properties: INodeProperties[] = [
	{
		displayName:
			"AAC calls n8n when a job of the flow finishes, so AAC must reach this n8n's webhook URL. Behind a firewall or NAT, use the (polling) Alteryx Analytics Cloud Trigger instead.",
		name: 'reachabilityNotice',
		type: 'notice',
		default: '',
	},
	flowLocator('The flow whose jobs start this workflow'),
	{
		displayName: 'Event',
		name: 'event',
		type: 'options',
		options: EVENTS,
		default: 'onJobDone',
		description: 'Which finished jobs start the workflow',
	},
];

/** What the node keeps in its static data. */
interface TaskState {
	webhookTaskId?: number;
	secret?: string;
	signingKey?: string;
	/** Dedupe keys of the jobs delivered last, oldest first, at most DELIVERED_MEMORY. */
	delivered?: string[];
}

type TriggerContext = IHookFunctions | IWebhookFunctions;

const stateOf = (context: TriggerContext) => context.getWorkflowStaticData('node') as TaskState;

function forget(state: TaskState): void {
	delete state.webhookTaskId;
	delete state.secret;
	delete state.signingKey;
	delete state.delivered;
}

const WEBHOOK_TASK_AMBIGUITY: Ambiguity = {
	outcome: 'The webhook task may have been created',
	repeatRisk: 'a repeat could create a second task, and each would call n8n',
	check:
		"Open the flow's Webhooks in AAC and delete tasks named after this workflow before activating it again",
};

interface WantedTask {
	flowId: number;
	url: string;
	triggerEvent: string;
}

function wantedTask(context: IHookFunctions): WantedTask {
	const raw = context.getNodeParameter('flowId', undefined, { extractValue: true }) as
		| string
		| number;
	const id = String(raw ?? '').trim();
	if (!/^[0-9]+$/.test(id))
		throw new NodeOperationError(
			context.getNode(),
			`Flow must be a number, got "${id.slice(0, 40)}"`,
		);
	const url = context.getNodeWebhookUrl('default');
	if (!url)
		throw new NodeOperationError(context.getNode(), 'n8n gave no webhook URL for this trigger');
	return {
		flowId: Number(id),
		url,
		triggerEvent: context.getNodeParameter('event', 'onJobDone') as string,
	};
}

function isNotFound(error: unknown): boolean {
	return error instanceof NodeApiError && String(error.httpCode) === '404';
}

async function deleteTask(context: IHookFunctions, id: number): Promise<void> {
	try {
		await aacApiRequest.call(context, {
			method: 'DELETE',
			path: `/v4/webhookFlowTasks/${id}`,
			retry: 'read',
		});
	} catch (error) {
		if (!isNotFound(error)) throw toNodeError(context.getNode(), error); // 404: gone already, what deleting wanted
	}
}

/** The task as AAC describes it matches what this node wants (where AAC says; headers may not be echoed). */
function taskMatches(task: IDataObject, wanted: WantedTask, secret: string): boolean {
	const flow = task.flow as IDataObject | undefined;
	const flowId = Number(flow?.id ?? task.flowId);
	const headers = task.headers as IDataObject | undefined;
	const sentSecret = headers?.[PROOF_HEADER];
	return (
		flowId === wanted.flowId &&
		task.url === wanted.url &&
		task.triggerEvent === wanted.triggerEvent &&
		(sentSecret === undefined || sentSecret === secret)
	);
}

/**
 * n8n asks on activation and on every start whether the task still exists. A task that exists
 * but no longer fits (n8n's URL, the flow or the event changed) is deleted, so that n8n creates
 * the right one and no stale task keeps calling (in production only, see below).
 */
export async function checkExists(this: IHookFunctions): Promise<boolean> {
	const state = stateOf(this);
	if (state.webhookTaskId === undefined) return false;
	const id = state.webhookTaskId;
	let task: IDataObject;
	try {
		task = ((
			await aacApiRequest.call(this, {
				method: 'GET',
				path: `/v4/webhookFlowTasks/${id}`,
				retry: 'read',
			})
		).body ?? {}) as IDataObject;
	} catch (error) {
		if (!isNotFound(error)) throw toNodeError(this.getNode(), error);
		forget(state); // deleted in AAC meanwhile: n8n creates a new one
		return false;
	}
	if (state.secret && taskMatches(task, wantedTask(this), state.secret)) return true;
	// "Listen for test event" on an active workflow can see the production task (made for the
	// production URL): not this test's to delete.
	if (this.getMode() !== 'manual') await deleteTask(this, id);
	forget(state);
	return false;
}

export async function create(this: IHookFunctions): Promise<boolean> {
	const wanted = wantedTask(this);
	const secret = randomBytes(32).toString('hex');
	const signingKey = randomBytes(32).toString('hex');
	const workflow = this.getWorkflow();
	const body: IDataObject = {
		name: `n8n: ${workflow.name ?? workflow.id ?? 'workflow'}`.slice(0, 100),
		flowId: wanted.flowId,
		url: wanted.url,
		method: 'post',
		triggerEvent: wanted.triggerEvent,
		triggerObject: 'any',
		headers: { [PROOF_HEADER]: secret, 'content-type': 'application/json' },
		body: DELIVERY_BODY,
		secretKey: signingKey,
		sslVerification: true,
		retryOnFailure: true,
	};
	const response = await aacApiRequest.call(this, {
		method: 'POST',
		path: '/v4/webhookFlowTasks',
		body,
		retry: 'startsWork',
		ambiguity: WEBHOOK_TASK_AMBIGUITY,
	});
	const id = Number((response.body as IDataObject | undefined)?.id);
	if (!Number.isInteger(id)) {
		throw new NodeOperationError(
			this.getNode(),
			'AAC created the webhook task but answered without its ID',
			{
				description: WEBHOOK_TASK_AMBIGUITY.check,
			},
		);
	}
	const state = stateOf(this);
	forget(state);
	Object.assign(state, {
		webhookTaskId: id,
		secret,
		signingKey,
		delivered: [],
	} satisfies TaskState);
	return true;
}

/**
 * Deactivation. A task AAC no longer has is fine; any other failure keeps the id, so the next
 * activation finds the task (checkExists) instead of creating a second one.
 */
export async function deleteWebhook(this: IHookFunctions): Promise<boolean> {
	const state = stateOf(this);
	if (state.webhookTaskId === undefined) return true;
	try {
		await deleteTask(this, state.webhookTaskId);
	} catch {
		return false;
	}
	forget(state);
	return true;
}

// --- deliveries -----------------------------------------------------------------------------

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const value = headers[name];
	if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
	return typeof value === 'string' ? value : undefined;
}

/** Equal strings, in time that does not depend on where they differ (the digests have one length). */
function sameSecret(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given).digest();
	const b = createHash('sha256').update(expected).digest();
	return timingSafeEqual(a, b);
}

/**
 * The signature, when AAC sent one in the format we know and n8n kept the raw body: it must
 * verify. A signature in another format is left alone (the format is unverified); the secret
 * header is what authenticates.
 */
function signatureFails(
	signature: string | undefined,
	rawBody: unknown,
	key: string | undefined,
): boolean {
	if (signature === undefined || key === undefined) return false;
	const parts = /^t=(\d+),sha256=([0-9a-f]{64})$/i.exec(signature.trim());
	if (!parts) return false;
	const raw = Buffer.isBuffer(rawBody)
		? rawBody.toString('utf8')
		: typeof rawBody === 'string'
			? rawBody
			: undefined;
	if (raw === undefined) return false;
	const expected = createHmac('sha256', key).update(`${parts[1]}.${raw}`).digest('hex');
	return !sameSecret(parts[2].toLowerCase(), expected);
}

const UNSUBSTITUTED = /^\{\{\s*\$\w+\s*\}\}$/;

/** A value of the delivery body: null when absent or left as AAC's variable. */
function fieldOf(body: IDataObject, name: string): string | null {
	const value = body[name];
	if (value === undefined || value === null) return null;
	const text = String(value).trim();
	return text === '' || UNSUBSTITUTED.test(text) ? null : text;
}

function numberOf(text: string | null): number | null {
	return text !== null && /^[0-9]+$/.test(text) ? Number(text) : null;
}

const SUCCEEDED = 'Complete';

/** The output item: what the node can tell from the delivery, then the body as delivered. */
export function deliveryItem(
	body: IDataObject,
	context: {
		webhookTaskId: number | null;
		flowId: number | null;
		triggerEvent: string;
		receivedAt: string;
	},
): IDataObject {
	const status = fieldOf(body, 'jobStatus');
	return {
		jobId: numberOf(fieldOf(body, 'jobId')),
		status,
		succeeded: status === SUCCEEDED,
		final: isTerminalStatus(status),
		flowId: numberOf(fieldOf(body, 'flowId')) ?? context.flowId,
		flowRunId: numberOf(fieldOf(body, 'flowRunId')),
		recipeId: numberOf(fieldOf(body, 'recipeId')),
		webhookTaskId: context.webhookTaskId,
		triggerEvent: context.triggerEvent,
		receivedAt: context.receivedAt,
		body,
	};
}

/** One job is one delivery; without a job id, the body itself (a repeat sends the same bytes). */
function dedupeKey(item: IDataObject, body: IDataObject): string {
	if (typeof item.jobId === 'number') return `job:${item.jobId}:${String(item.status)}`;
	return `body:${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32)}`;
}

/** This process's memory of deliveries, oldest first (a Map keeps insertion order). */
const seenInProcess = new Map<string, true>();

function rememberInProcess(key: string): void {
	seenInProcess.set(key, true);
	while (seenInProcess.size > PROCESS_MEMORY)
		seenInProcess.delete(seenInProcess.keys().next().value as string);
}

function answer(
	context: IWebhookFunctions,
	status: number,
	body: IDataObject,
): IWebhookResponseData {
	const res = context.getResponseObject();
	res.statusCode = status;
	res.setHeader('content-type', 'application/json; charset=utf-8');
	res.end(JSON.stringify(body));
	return { noWebhookResponse: true };
}

/** webhook(): authenticate, de-duplicate, answer, then start the workflow with one item. */
export async function receiveDelivery(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const state = stateOf(this);
	const headers = this.getHeaderData() as Record<string, unknown>;
	const given = headerValue(headers, PROOF_HEADER);
	const request = this.getRequestObject() as unknown as { rawBody?: unknown };
	if (
		state.secret === undefined ||
		given === undefined ||
		!sameSecret(given, state.secret) ||
		signatureFails(headerValue(headers, SIGNATURE_HEADER), request.rawBody, state.signingKey)
	) {
		return answer(this, 401, { message: 'Unauthorized' });
	}

	const rawBody = this.getBodyData();
	const body = (
		rawBody && typeof rawBody === 'object' && !Array.isArray(rawBody) ? rawBody : { value: rawBody }
	) as IDataObject;
	const flowId = Number(this.getNodeParameter('flowId', '', { extractValue: true }));
	const item = deliveryItem(body, {
		webhookTaskId: state.webhookTaskId ?? null,
		flowId: Number.isInteger(flowId) && flowId > 0 ? flowId : null,
		triggerEvent: this.getNodeParameter('event', 'onJobDone') as string,
		receivedAt: new Date().toISOString(),
	});

	const key = dedupeKey(item, body);
	const processKey = `${this.getWorkflow().id ?? ''}|${this.getNode().id}|${state.webhookTaskId ?? ''}|${key}`;
	const delivered = state.delivered ?? [];
	// No await between this check and the marks below: two copies in this process cannot both pass.
	if (delivered.includes(key) || seenInProcess.has(processKey)) {
		return answer(this, 200, { received: true, duplicate: true });
	}
	rememberInProcess(processKey);
	state.delivered = [...delivered, key].slice(-DELIVERED_MEMORY);

	answer(this, 200, { received: true });
	return { noWebhookResponse: true, workflowData: [[{ json: item }]] };
}
