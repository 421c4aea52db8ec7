import type { IDataObject } from 'n8n-workflow';

import { idParameter } from '../../methods/locators';
import { readOperation } from '../read';
import { jobIdProperty } from './jobIdProperty';

/** GET /v4/jobGroups/{id}: status and times of one job group. */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'job',
	operation: 'get',
	properties: [
		jobIdProperty(),
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				{
					displayName: 'Include Jobs',
					name: 'includeJobs',
					type: 'boolean',
					default: false,
					description:
						'Whether to embed the individual jobs (wrangle, write, profile) with their statuses',
				},
				{
					displayName: 'Include Recipe',
					name: 'includeRecipe',
					type: 'boolean',
					default: false,
					description: 'Whether to embed the recipe (wrangled dataset) that ran',
				},
			],
		},
	],
	request: (context, itemIndex) => {
		const jobId = idParameter(context, 'jobId', itemIndex, 'Job ID');
		const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
		const embed = [
			options.includeJobs ? 'jobs' : '',
			options.includeRecipe ? 'wrangledDataset' : '',
		]
			.filter(Boolean)
			.join(',');
		return { path: `/v4/jobGroups/${jobId}`, qs: embed ? { embed } : undefined };
	},
});
