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

export const description = showFor('planRun', 'getMany', properties);

/** GET /v4/planSnapshotRuns, newest first, paged: one item per plan run. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs = listQuery(this, itemIndex, filters);
	const runs = await aacApiRequestAllItems.call(
		this,
		{ method: 'GET', path: '/v4/planSnapshotRuns', qs, retry: 'read' },
		pagingOf(this, itemIndex),
	);
	return toItems(runs);
}
