import { randomBytes } from 'crypto';
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import { isNotVisible, toNodeError } from '../AlteryxAnalyticsCloud/helpers/errors';
import {
	lookForFinishedRuns,
	readCursor,
	type RunCursor,
	type RunList,
} from '../AlteryxAnalyticsCloud/runs/finishedRuns';
import type { RecipeMemory } from '../AlteryxAnalyticsCloud/runs/recipes';
import { aacApiRequest, aacGetIfExists } from '../AlteryxAnalyticsCloud/transport/aacApi';
import type { Ambiguity } from '../AlteryxAnalyticsCloud/transport/types';

/*
 * The Flow Trigger's AAC flow webhook task (POST /v4/webhookFlowTasks), which calls n8n's webhook
 * URL when a job of the flow finishes.
 *
 * - Activation creates the task with a random secret in a header AAC is told to send, and a
 *   second random key AAC may sign with (`secretKey`: what it signs and how is undocumented,
 *   contract unknown webhookSignature). Both live in the node's static data beside the task id, as
 *   n8n's own webhook triggers keep theirs. It also notes the newest jobs in AAC's job library
 *   (the cursor of runs/finishedRuns.ts): a delivery then emits only jobs that finished after it.
 * - n8n asks on activation and on every start whether the task still exists (checkExists); one
 *   that no longer fits is replaced, one AAC deleted (404, or 410 "previously deleted": contract
 *   unknown goneTask) is created again.
 * - Deactivation deletes the task; gone already is fine.
 */

/** The header that carries the secret generated at activation: proof that a delivery is from our task. */
export const PROOF_HEADER = 'x-n8n-aac-proof';

/**
 * The body AAC is told to send. Which variables AAC fills in is undocumented (contract unknown
 * webhookBody): a delivery is a hint, and the jobs come from the API whatever the body holds.
 * Quoted, so that an unfilled variable stays a string and the JSON valid.
 */
export const DELIVERY_BODY = JSON.stringify({
	jobId: '{{$jobId}}',
	jobStatus: '{{$jobStatus}}',
	flowId: '{{$flowId}}',
	flowRunId: '{{$flowRunId}}',
	recipeId: '{{$recipeId}}',
});

/** What the node keeps in its static data. */
export interface TaskState {
	webhookTaskId?: number;
	secret?: string;
	signingKey?: string;
	/** A delivery of this task came with a valid signature: from now on unsigned ones are refused. */
	signed?: boolean;
	/** The job library cursor (runs/finishedRuns.ts). */
	jobs?: RunCursor;
	/** recipe id → [flow id, name] (runs/recipes.ts). */
	recipes?: RecipeMemory;
}

export type TriggerContext = IHookFunctions | IWebhookFunctions;

export const stateOf = (context: TriggerContext) =>
	context.getWorkflowStaticData('node') as TaskState;

function forget(state: TaskState): void {
	for (const key of Object.keys(state)) delete state[key as keyof TaskState];
}

/** AAC's job history, every job: the flow is matched in n8n (runs/recipes.ts). */
export const JOB_LIBRARY: RunList = {
	path: '/v4/jobLibrary',
	qs: {},
	getOne: async (context, id) => await aacGetIfExists(context, `/v4/jobGroups/${id}`),
};

/** The cursor for the job library, noted now: only jobs that finish from here on are emitted. */
async function noteJobsNow(context: TriggerContext, state: TaskState): Promise<void> {
	const look = await lookForFinishedRuns(context, JOB_LIBRARY, undefined, Date.now());
	state.jobs = look.cursor;
}

export const hasCursor = (state: TaskState) => readCursor(state.jobs, JOB_LIBRARY) !== undefined;

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

/** 404 not found, or 410 "previously deleted": the task is gone. */
function isGone(error: unknown): boolean {
	return isNotVisible(error) && String((error as NodeApiError).httpCode) !== '403';
}

async function deleteTask(context: IHookFunctions, id: number): Promise<void> {
	try {
		await aacApiRequest.call(context, {
			method: 'DELETE',
			path: `/v4/webhookFlowTasks/${id}`,
			retry: 'read',
		});
	} catch (error) {
		if (!isGone(error)) throw toNodeError(context.getNode(), error); // gone already: what deleting wanted
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
 * Whether the task still exists and fits. One that exists but no longer fits (n8n's URL, the flow
 * or the event changed) is deleted, so that n8n creates the right one and no stale task keeps
 * calling (in production only: a test listen may see the production task, not its to delete).
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
		if (!isGone(error)) throw toNodeError(this.getNode(), error);
		forget(state); // deleted in AAC meanwhile: n8n creates a new one
		return false;
	}
	if (state.secret && taskMatches(task, wantedTask(this), state.secret)) {
		// A task kept from a version without the cursor: note the jobs now, before a delivery comes.
		if (!hasCursor(state)) await noteJobsNow(this, state);
		return true;
	}
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
	// The jobs as they are before the task exists: a job finishing from now on is emitted.
	const state = stateOf(this);
	const noted: TaskState = {};
	await noteJobsNow(this, noted);
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
			{ description: WEBHOOK_TASK_AMBIGUITY.check },
		);
	}
	forget(state);
	Object.assign(state, {
		webhookTaskId: id,
		secret,
		signingKey,
		jobs: noted.jobs,
		recipes: {},
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
