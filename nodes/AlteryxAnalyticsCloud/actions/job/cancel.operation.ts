import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter, runIdProperty } from '../../methods/locators';
import { idOf } from '../../helpers/values';
import { cancelJob, jobStatus } from '../../runs/job';

const properties: INodeProperties[] = [
	runIdProperty('Job ID', 'The ID of the job (job group) to cancel'),
];

export const description = showFor('job', 'cancel', properties);

/** POST /v4/jobGroups/{id}/cancel; a job already finished is left as it is (canceledJobIds empty). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const jobId = idParameter(this, 'jobId', itemIndex, 'Job ID');
	const answer = await cancelJob(this, jobId);
	const canceledJobIds = Array.isArray(answer.jobIds)
		? answer.jobIds.map((id) => idOf(id)).filter(Boolean)
		: [];
	const json: IDataObject = {
		jobId,
		status: (await jobStatus(this, jobId)) ?? null,
		canceledJobIds,
	};
	return [{ json }];
}
