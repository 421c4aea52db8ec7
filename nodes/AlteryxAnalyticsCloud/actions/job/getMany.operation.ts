import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { returnAllAndLimit, runFilters, showFor } from '../descriptions';
import { getManyRuns } from '../runList';

const properties: INodeProperties[] = [
	...returnAllAndLimit(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: runFilters,
	},
];

export const description = showFor('job', 'getMany', properties);

/** GET /v4/jobLibrary (the job history; the /v4/jobGroups list is deprecated), newest first, paged. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	return await getManyRuns(this, itemIndex, { path: '/v4/jobLibrary', createdFilter: true });
}
