import type { IDataObject } from 'n8n-workflow';

import { idParameter } from '../../methods/locators';
import { readOperation } from '../read';
import { jobIdProperty } from './jobIdProperty';

/** GET /v4/jobGroups/{id}/outputs: the files and tables a job wrote (files appear once it completed). */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'job',
	operation: 'getOutputs',
	properties: [jobIdProperty()],
	request: (context, itemIndex) => {
		const jobId = idParameter(context, 'jobId', itemIndex, 'Job ID');
		return { path: `/v4/jobGroups/${jobId}/outputs`, id: jobId };
	},
	output: (body, request) => {
		const outputs = (body ?? {}) as IDataObject;
		return {
			jobId: Number(request.id),
			files: outputs.files ?? [],
			tables: outputs.tables ?? [],
		};
	},
});
