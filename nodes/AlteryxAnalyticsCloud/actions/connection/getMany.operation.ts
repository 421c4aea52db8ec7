import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import {
	listQuery,
	nameFilter,
	pagingOf,
	returnAllAndLimit,
	showFor,
	toItems,
} from '../descriptions';
import { aacApiRequestAllItems } from '../../transport/paging';

const properties: INodeProperties[] = [
	...returnAllAndLimit(),
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [nameFilter],
	},
];

export const description = showFor('connection', 'getMany', properties);

/** GET /v4/connections, paged: one item per connection. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs = listQuery(this, itemIndex, filters);
	const connections = await aacApiRequestAllItems.call(
		this,
		{ method: 'GET', path: '/v4/connections', qs, retry: 'read' },
		pagingOf(this, itemIndex),
	);
	return toItems(connections);
}
