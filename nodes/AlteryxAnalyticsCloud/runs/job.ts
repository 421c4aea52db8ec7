import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { AacNodeContext } from '../helpers/credentialWriter';
import { idOf } from '../helpers/values';
import { aacApiRequest, aacGet } from '../transport/aacApi';
import { CANCEL_AMBIGUITY } from '../transport/apiErrors';
import { durationSeconds, isTerminalStatus } from './status';
import { waitForRunOf, type WaitOutcome, type WaitValues } from './waitForRun';

/** The status as a bare JSON string (GET /v4/jobGroups/{id}/status): the cheapest poll. */
export async function jobStatus(context: IExecuteFunctions, jobId: string): Promise<unknown> {
	return await aacGet(context, `/v4/jobGroups/${jobId}/status`);
}

/** The first job error message of a job group (AAC's reason for a Failed job), if any. */
export async function jobFailureReason(
	context: AacNodeContext,
	jobId: string,
): Promise<string | undefined> {
	const body = (await aacGet(context, `/v4/jobGroups/${jobId}/jobs`)) as
		| { data?: IDataObject[] }
		| undefined;
	const failed = (body?.data ?? []).find(
		(job) => typeof job.errorMessage === 'string' && job.errorMessage,
	);
	return failed
		? `${String(failed.jobType ?? 'job')} job ${String(failed.id)}: ${String(failed.errorMessage)}`
		: undefined;
}

/** POST /v4/jobGroups/{id}/cancel (never retried but after 429): { jobIds, jobgroupId }. */
export async function cancelJob(context: IExecuteFunctions, jobId: string): Promise<IDataObject> {
	const response = await aacApiRequest.call(context, {
		method: 'POST',
		path: `/v4/jobGroups/${jobId}/cancel`,
		retry: 'startsWork',
		ambiguity: CANCEL_AMBIGUITY,
	});
	return (response.body && typeof response.body === 'object' ? response.body : {}) as IDataObject;
}

/** The job group with its jobs, and its outputs once Complete: what Run and Wait output. */
export async function jobJson(
	context: IExecuteFunctions,
	jobId: string,
	outcome?: WaitOutcome,
): Promise<IDataObject> {
	const group = ((await aacGet(context, `/v4/jobGroups/${jobId}`, { embed: 'jobs' })) ??
		{}) as IDataObject;
	const jobs = ((group.jobs as { data?: IDataObject[] } | undefined)?.data ?? []).map((job) => ({
		id: idOf(job.id) ?? null,
		jobType: job.jobType ?? null,
		status: job.status ?? null,
		...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
	}));
	const recipe = group.wrangledDataset as IDataObject | undefined;
	const terminal = isTerminalStatus(group.status);
	const json: IDataObject = {
		jobId: idOf(group.id) ?? jobId,
		status: group.status ?? null,
		recipeId: idOf(recipe?.id) ?? null,
		flowRunId: idOf((group.flowrun as IDataObject | undefined)?.id) ?? null,
		ranfrom: group.ranfrom ?? null,
		createdAt: group.createdAt ?? null,
		updatedAt: group.updatedAt ?? null,
		durationSeconds: terminal ? durationSeconds(group.createdAt, group.updatedAt) : null,
		jobs,
	};
	if (group.status === 'Complete') {
		const outputs = ((await aacGet(context, `/v4/jobGroups/${jobId}/outputs`)) ??
			{}) as IDataObject;
		json.outputs = { files: outputs.files ?? [], tables: outputs.tables ?? [] };
	}
	if (outcome) {
		if (outcome.reason) json.reason = outcome.reason;
		json.polls = outcome.polls;
		json.waitedSeconds = outcome.waitedSeconds;
	}
	return json;
}

export async function waitForJob(
	context: IExecuteFunctions,
	jobId: string,
	wait: WaitValues,
): Promise<IDataObject> {
	const outcome = await waitForRunOf(
		context,
		{
			runLabel: `job ${jobId}`,
			getStatus: async () => await jobStatus(context, jobId),
			getReason: async () => await jobFailureReason(context, jobId),
			cancel: async () => {
				await cancelJob(context, jobId);
			},
			resumeHint: `To wait again use Job → Wait with ID ${jobId}; to stop it, Job → Cancel.`,
		},
		wait,
	);
	return await jobJson(context, jobId, outcome);
}
