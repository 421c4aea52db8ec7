import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter } from '../../methods/locators';
import { aacApiRequest } from '../../transport/aacApi';
import { jobIdProperty } from './get.operation';

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description = showFor('job', 'getOutputs', [jobIdProperty]);

/** GET /v4/jobGroups/{id}/outputs: the files and tables a job wrote (files appear once it completed). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const jobId = idParameter(this, 'jobId', itemIndex, 'Job ID');
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: `/v4/jobGroups/${jobId}/outputs`,
		retry: 'read',
	});
	const body = (response.body ?? {}) as IDataObject;
	return [{ json: { jobId: Number(jobId), files: body.files ?? [], tables: body.tables ?? [] } }];
}
