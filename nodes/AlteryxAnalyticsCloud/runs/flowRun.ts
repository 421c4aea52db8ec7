import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { idOf, objectOf } from '../helpers/values';
import { aacGet } from '../transport/aacApi';
import { aacApiRequestAllItems } from '../transport/paging';
import { cancelJob, jobFailureReason } from './job';
import { durationSeconds, isTerminalStatus } from './status';
import { waitForRunOf, type WaitOutcome, type WaitValues } from './waitForRun';

/*
 * A flow run: its status (GET /v4/flowRuns/{id}/status, a bare string; the spec's enum has no
 * InProgress), its job groups (one per recipe with outputs, paged: a flow may have more than a
 * page), and the wait. AAC cannot cancel a flow run: Cancel Run on Timeout cancels its job groups.
 */

/** Every job group of a flow run, paged (limit/offset: the spec's common list parameters). */
export async function flowRunJobGroups(
	context: IExecuteFunctions,
	flowRunId: string,
): Promise<IDataObject[]> {
	return await aacApiRequestAllItems.call(
		context,
		{ method: 'GET', path: `/v4/flowRuns/${flowRunId}/jobGroups`, retry: 'read' },
		{ returnAll: true, count: false },
	);
}

const flowRunStatus = async (context: IExecuteFunctions, flowRunId: string) =>
	await aacGet(context, `/v4/flowRuns/${flowRunId}/status`);

/** What Flow → Run outputs: the flow run, its status and its jobs. */
export async function flowRunJson(
	context: IExecuteFunctions,
	flowRunId: string,
	status?: unknown,
	outcome?: WaitOutcome,
): Promise<IDataObject> {
	const current = status ?? (await flowRunStatus(context, flowRunId));
	const run = ((await aacGet(context, `/v4/flowRuns/${flowRunId}`)) ?? {}) as IDataObject;
	const groups = await flowRunJobGroups(context, flowRunId);
	const json: IDataObject = {
		flowRunId,
		status: current ?? null,
		flowId: idOf(objectOf(run.flow)?.id) ?? null,
		createdAt: run.createdAt ?? null,
		updatedAt: run.updatedAt ?? null,
		durationSeconds: isTerminalStatus(current)
			? durationSeconds(run.createdAt, run.updatedAt)
			: null,
		jobs: groups.map((group) => ({
			jobId: idOf(group.id) ?? null,
			status: group.status ?? null,
			recipeId: idOf(objectOf(group.wrangledDataset)?.id) ?? null,
		})),
	};
	if (outcome) {
		if (outcome.reason) json.reason = outcome.reason;
		json.polls = outcome.polls;
		json.waitedSeconds = outcome.waitedSeconds;
	}
	return json;
}

/** Waits for a flow run, then reads it once more with its jobs. */
export async function waitForFlowRun(
	context: IExecuteFunctions,
	flowRunId: string,
	wait: WaitValues,
): Promise<IDataObject> {
	const outcome = await waitForRunOf(
		context,
		{
			runLabel: `flow run ${flowRunId}`,
			getStatus: async () => await flowRunStatus(context, flowRunId),
			getReason: async () => {
				const failed = (await flowRunJobGroups(context, flowRunId)).filter(
					(group) => group.status === 'Failed',
				);
				if (!failed.length) return undefined;
				const reason = await jobFailureReason(context, String(failed[0].id));
				return `job ${String(failed[0].id)} failed${reason ? `: ${reason}` : ''}`;
			},
			cancel: async () => {
				for (const group of await flowRunJobGroups(context, flowRunId))
					if (!isTerminalStatus(group.status)) await cancelJob(context, String(group.id));
			},
			resumeHint: `Its jobs can be waited for one by one with Job → Wait (IDs in Job → Get Many), or cancelled with Job → Cancel.`,
		},
		wait,
	);
	return await flowRunJson(context, flowRunId, outcome.status, outcome);
}
