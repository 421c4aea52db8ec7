import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { idOf } from '../helpers/values';
import { aacApiRequest, aacGet } from '../transport/aacApi';
import { CANCEL_AMBIGUITY } from '../transport/apiErrors';
import { durationSeconds } from './status';
import { waitForRunOf, type WaitOutcome, type WaitValues } from './waitForRun';

/** GET /v4/planSnapshotRuns/{id}: the run with its status and times. */
async function getPlanRun(context: IExecuteFunctions, planRunId: string): Promise<IDataObject> {
	const body = await aacGet(context, `/v4/planSnapshotRuns/${planRunId}`);
	if (!body || typeof body !== 'object') {
		throw new NodeOperationError(
			context.getNode(),
			`AAC answered GET /v4/planSnapshotRuns/${planRunId} without a plan run`,
		);
	}
	return body as IDataObject;
}

/** What Plan → Run and Plan Run → Wait / Cancel output: the run's ID, status, times and duration. */
export function planRunJson(run: IDataObject, outcome?: WaitOutcome): IDataObject {
	const plan = run.plan as IDataObject | undefined;
	const json: IDataObject = {
		planRunId: idOf(run.id) ?? null,
		status: run.status ?? null,
		planId: idOf(plan?.id) ?? null,
		createdAt: run.createdAt ?? null,
		startedAt: run.startedAt ?? null,
		finishedAt: run.finishedAt ?? null,
		durationSeconds: durationSeconds(run.startedAt ?? run.createdAt, run.finishedAt),
	};
	if (run.failedToCancelSomeJobs !== undefined)
		json.failedToCancelSomeJobs = run.failedToCancelSomeJobs;
	if (outcome) {
		if (outcome.reason) json.reason = outcome.reason;
		json.polls = outcome.polls;
		json.waitedSeconds = outcome.waitedSeconds;
	}
	return json;
}

/** Waits for a plan run, then reads it once more for its times. */
export async function waitForPlanRun(
	context: IExecuteFunctions,
	planRunId: string,
	wait: WaitValues,
): Promise<IDataObject> {
	const outcome = await waitForRunOf(
		context,
		{
			runLabel: `plan run ${planRunId}`,
			// The cheap read: two fields.
			getStatus: async () =>
				(
					(await aacGet(context, `/v4/planSnapshotRuns/${planRunId}`, { fields: 'id;status' })) as
						| IDataObject
						| undefined
				)?.status,
			cancel: async () => {
				await cancelPlanRun(context, planRunId);
			},
			resumeHint: `To wait again use Plan Run → Wait with ID ${planRunId}; to stop it, Plan Run → Cancel.`,
		},
		wait,
	);
	return planRunJson(await getPlanRun(context, planRunId), outcome);
}

/** POST /v4/planSnapshotRuns/{id}/cancel (never retried but after 429): the run. */
export async function cancelPlanRun(
	context: IExecuteFunctions,
	planRunId: string,
): Promise<IDataObject> {
	const response = await aacApiRequest.call(context, {
		method: 'POST',
		path: `/v4/planSnapshotRuns/${planRunId}/cancel`,
		retry: 'startsWork',
		ambiguity: CANCEL_AMBIGUITY,
	});
	const body = response.body;
	return body && typeof body === 'object'
		? (body as IDataObject)
		: await getPlanRun(context, planRunId);
}

export { getPlanRun };
