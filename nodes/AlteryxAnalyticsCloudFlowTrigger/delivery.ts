import { createHash, createHmac, timingSafeEqual } from 'crypto';
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { idOf } from '../AlteryxAnalyticsCloud/helpers/values';
import { isTerminalStatus } from '../AlteryxAnalyticsCloud/runs/status';
import { aacGetIfExists } from '../AlteryxAnalyticsCloud/transport/aacApi';
import { lookForFinishedRuns, readCursor } from '../AlteryxAnalyticsCloud/runs/finishedRuns';
import {
	recipeOfJob,
	type RecipeMemory,
	type RecipeOfJob,
} from '../AlteryxAnalyticsCloud/runs/recipes';
import { EVENT_STATUSES } from './description';
import { JOB_LIBRARY, PROOF_HEADER, stateOf, type TaskState } from './webhookTask';

/*
 * A delivery from AAC's flow webhook task: authenticated, then taken as a hint. The API is the
 * truth: the flow's jobs that finished since the last delivery are found in AAC's job library
 * (runs/finishedRuns.ts, documented endpoints only) and each is emitted once, whatever the body
 * holds (AAC may deliver its body verbatim, with no variable filled in: contract unknown
 * webhookBody). A body that names a job adds it when the list does not show it yet.
 *
 * - Authentication: the secret header the node put on the task (constant-time compare). A
 *   signature in the format the node knows is checked too, with its time within SIGNATURE_SKEW_S;
 *   once a delivery of the task came signed, unsigned ones are refused (contract unknown
 *   webhookSignature: AAC may not sign at all). A delivery that fails gets 401 and starts nothing.
 * - Exactly once: the cursor in static data (kept across restarts) and, for deliveries that arrive
 *   together and each read the static data before either saved it, this process's claims. A copy
 *   of an old delivery, however late, finds nothing new.
 * - webhook() answers the request itself (noWebhookResponse): n8n saves what it wrote to static
 *   data when the answer goes out; with n8n's "on received" answer the run would start first and
 *   the cursor could be lost (notes on n8n 2.41.1). When AAC cannot be read, the answer is 503 and
 *   the cursor is left as it was: AAC delivers again (retryOnFailure), nothing is lost.
 */

/** Where a signing AAC puts its signature (a guess: `t=<epoch s>,sha256=<hex HMAC of "t.body">`). */
export const SIGNATURE_HEADER = 'x-webhook-signature';
/** How far a signature's time may be from n8n's clock. */
export const SIGNATURE_SKEW_S = 300;
/** Jobs claimed by this process, all triggers together. */
const PROCESS_MEMORY = 5000;

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

type Signature = 'valid' | 'invalid' | 'absent';

/** A signature in the known format over the raw body: valid, invalid (wrong or stale), or absent. */
function readSignature(
	signature: string | undefined,
	rawBody: unknown,
	key: string | undefined,
	nowMs: number,
): Signature {
	const parts =
		signature === undefined ? null : /^t=(\d+),sha256=([0-9a-f]{64})$/i.exec(signature.trim());
	if (!parts || key === undefined) return 'absent';
	const raw = Buffer.isBuffer(rawBody)
		? rawBody.toString('utf8')
		: typeof rawBody === 'string'
			? rawBody
			: undefined;
	if (raw === undefined) return 'absent';
	const expected = createHmac('sha256', key).update(`${parts[1]}.${raw}`).digest('hex');
	if (!sameSecret(parts[2].toLowerCase(), expected)) return 'invalid';
	return Math.abs(nowMs / 1000 - Number(parts[1])) <= SIGNATURE_SKEW_S ? 'valid' : 'invalid';
}

/** This process's claimed jobs, oldest first (a Map keeps insertion order). */
const claimedInProcess = new Map<string, true>();

function claim(key: string): boolean {
	if (claimedInProcess.has(key)) return false;
	claimedInProcess.set(key, true);
	while (claimedInProcess.size > PROCESS_MEMORY)
		claimedInProcess.delete(claimedInProcess.keys().next().value as string);
	return true;
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

/** A job id in the delivered body, when AAC filled it in. */
function hintedJobId(body: IDataObject): number | undefined {
	const text = String(body.jobId ?? '').trim();
	return /^[0-9]+$/.test(text) ? Number(text) : undefined;
}

/** webhook(): authenticate, find the flow's newly finished jobs, answer, start the workflow with one item each. */
export async function receiveDelivery(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const state = stateOf(this);
	const headers = this.getHeaderData() as Record<string, unknown>;
	const given = headerValue(headers, PROOF_HEADER);
	const request = this.getRequestObject() as unknown as { rawBody?: unknown };
	const now = Date.now();
	if (state.secret === undefined || given === undefined || !sameSecret(given, state.secret))
		return answer(this, 401, { message: 'Unauthorized' });
	const signature = readSignature(
		headerValue(headers, SIGNATURE_HEADER),
		request.rawBody,
		state.signingKey,
		now,
	);
	if (signature === 'invalid' || (signature === 'absent' && state.signed === true))
		return answer(this, 401, { message: 'Unauthorized' });

	const rawBody = this.getBodyData();
	const body = (
		rawBody && typeof rawBody === 'object' && !Array.isArray(rawBody) ? rawBody : { value: rawBody }
	) as IDataObject;
	const flowId = String(this.getNodeParameter('flowId', '', { extractValue: true }) ?? '').trim();
	const triggerEvent = this.getNodeParameter('event', 'onJobDone') as string;
	const statuses = EVENT_STATUSES[triggerEvent] ?? EVENT_STATUSES.onJobDone;
	const recipes: RecipeMemory = { ...(state.recipes ?? {}) };

	let jobs: Array<{ job: IDataObject; recipe: RecipeOfJob }>;
	let cursor;
	try {
		const look = await lookForFinishedRuns(
			this,
			JOB_LIBRARY,
			readCursor(state.jobs, JOB_LIBRARY),
			now,
		);
		cursor = look.cursor;
		const finished = look.finished;
		const hinted = hintedJobId(body);
		if (
			hinted !== undefined &&
			hinted >= cursor.floorId &&
			!cursor.known.includes(hinted) &&
			!finished.some((job) => Number(job.id) === hinted)
		) {
			// The list does not show it yet: read it alone, and count it as seen.
			const job = await aacGetIfExists(this, `/v4/jobGroups/${hinted}`);
			if (job && isTerminalStatus(job.status)) {
				finished.push(job);
				cursor.known = [...cursor.known, hinted].sort((a, b) => b - a);
				cursor.topId = Math.max(cursor.topId, hinted);
				delete cursor.open[String(hinted)];
			}
		}
		jobs = [];
		for (const job of finished) {
			if (!statuses.includes(job.status as never)) continue;
			const recipe = await recipeOfJob(this, job, recipes);
			if (recipe.flowId === flowId) jobs.push({ job, recipe });
		}
	} catch {
		// AAC could not be read: nothing is taken as seen, and AAC's retry brings the delivery back.
		return answer(this, 503, { message: 'Could not read the jobs from AAC; deliver again' });
	}

	const processKey = `${this.getWorkflow().id ?? ''}|${this.getNode().id}|${state.webhookTaskId ?? ''}`;
	// No await from here to the answer: two deliveries in this process cannot both claim a job.
	const fresh = jobs
		.filter(({ job }) => claim(`${processKey}|${String(job.id)}`))
		.sort((a, b) => Number(a.job.id) - Number(b.job.id));
	Object.assign(state, { jobs: cursor, recipes } satisfies TaskState);
	if (signature === 'valid') state.signed = true;
	const receivedAt = new Date(now).toISOString();
	const items = [];
	for (const { job, recipe } of fresh) {
		const status = typeof job.status === 'string' ? job.status : null;
		items.push({
			json: {
				jobId: Number(job.id),
				status,
				succeeded: status === 'Complete',
				final: true,
				flowId: Number(flowId),
				flowRunId: Number(idOf((job.flowrun as IDataObject | undefined)?.id)) || null,
				recipeId: recipe.recipeId === null ? null : Number(recipe.recipeId),
				recipeName: recipe.recipeName,
				webhookTaskId: state.webhookTaskId ?? null,
				triggerEvent,
				receivedAt,
				body,
			} as IDataObject,
		});
	}
	answer(this, 200, { received: true, jobs: items.length });
	return items.length
		? { noWebhookResponse: true, workflowData: [items] }
		: { noWebhookResponse: true };
}
