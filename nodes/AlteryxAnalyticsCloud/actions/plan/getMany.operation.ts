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
		options: [
			nameFilter,
			{
				displayName: 'Ownership',
				name: 'ownership',
				type: 'options',
				default: 'all',
				options: [
					{
						name: 'All',
						value: 'all',
						description: 'Plans the user owns or that are shared with them',
					},
					{ name: 'Owned', value: 'owned' },
					{ name: 'Shared', value: 'shared', description: 'Plans shared with the user by others' },
				],
			},
		],
	},
];

export const description = showFor('plan', 'getMany', properties);

/** GET /v4/plans, paged: one item per plan (id, name, timestamps, creator). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
	const qs = listQuery(this, itemIndex, filters);
	// Always said: without it AAC's default scope is undocumented (contract unknown defaultOwnership).
	qs.ownershipFilter =
		typeof filters.ownership === 'string' && filters.ownership ? filters.ownership : 'all';
	const plans = await aacApiRequestAllItems.call(
		this,
		{ method: 'GET', path: '/v4/plans', qs, retry: 'read' },
		pagingOf(this, itemIndex),
	);
	return toItems(plans);
}
