import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter } from '../../methods/locators';
import { aacApiRequest } from '../../transport/aacApi';

export const jobIdProperty: INodeProperties = {
	displayName: 'Job ID',
	name: 'jobId',
	type: 'string',
	required: true,
	default: '',
	placeholder: '={{ $json.jobId }}',
	description:
		'The ID of the job (a job group: one run of a recipe), e.g. from a Run operation or the job library',
};

const properties: INodeProperties[] = [
	jobIdProperty,
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
];

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description = showFor('job', 'get', properties);

/** GET /v4/jobGroups/{id}: status and times of one job group. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const jobId = idParameter(this, 'jobId', itemIndex, 'Job ID');
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const embed = [options.includeJobs ? 'jobs' : '', options.includeRecipe ? 'wrangledDataset' : '']
		.filter(Boolean)
		.join(',');
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: `/v4/jobGroups/${jobId}`,
		qs: embed ? { embed } : undefined,
		retry: 'read',
	});
	return [{ json: (response.body ?? {}) as IDataObject }];
}
