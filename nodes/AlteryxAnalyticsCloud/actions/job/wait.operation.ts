import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter, runIdProperty } from '../../methods/locators';
import { readRunOptions, waitOptionsProperty } from '../runOptions';
import { waitForJob } from '../../runs/job';

const properties: INodeProperties[] = [
	runIdProperty('Job ID', 'The ID of the job (job group) to wait for, e.g. jobId from Job → Run'),
	waitOptionsProperty(),
];

export const description = showFor('job', 'wait', properties);

/** Polls GET /v4/jobGroups/{id}/status until Complete, Failed or Canceled; outputs the job with its outputs. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const jobId = idParameter(this, 'jobId', itemIndex, 'Job ID');
	return [{ json: await waitForJob(this, jobId, readRunOptions(this, itemIndex).wait) }];
}
