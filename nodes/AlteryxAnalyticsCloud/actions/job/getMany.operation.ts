import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import {
	listQuery,
	pagingOf,
	returnAllAndLimit,
	runFilters,
	showFor,
	toItems,
} from '../../helpers/descriptions';
import { aacApiRequestAllItems } from '../../transport/aacApi';

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
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs = listQuery(this, itemIndex, filters);
	const jobs = await aacApiRequestAllItems.call(
		this,
		{ method: 'GET', path: '/v4/jobLibrary', qs, retry: 'read' },
		pagingOf(this, itemIndex),
	);
	return toItems(jobs);
}
