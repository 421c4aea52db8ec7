import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { aacApiRequestAllItems } from '../transport/paging';
import { listQuery, pagingOf, returnAllAndLimit, showFor, toItems } from './descriptions';

/*
 * Get Many, built once: Return All / Limit, a Filters collection, one output item per object.
 * What differs between resources is the filters offered and how the list is read: a plain paged
 * endpoint (pagedList) or a run list read newest first (runList.ts).
 */

/** Reads the list for one item, given its Filters collection. */
export type ListReader = (
	context: IExecuteFunctions,
	itemIndex: number,
	filters: IDataObject,
) => Promise<IDataObject[]>;

export interface GetManyOperation {
	description: INodeProperties[];
	execute: (this: IExecuteFunctions, itemIndex: number) => Promise<INodeExecutionData[]>;
}

export function getManyOperation(
	resource: string,
	filterOptions: INodeProperties[],
	read: ListReader,
): GetManyOperation {
	return {
		description: showFor(resource, 'getMany', [
			...returnAllAndLimit(),
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				options: filterOptions,
			},
		]),
		async execute(this: IExecuteFunctions, itemIndex: number) {
			const filters = this.getNodeParameter('filters', itemIndex, {}) as IDataObject;
			return toItems(await read(this, itemIndex, filters));
		},
	};
}

/**
 * A documented list endpoint read page by page: the name filter, plus what `scope` adds from the
 * filters (ownership, folder).
 */
export function pagedList(path: string, scope?: (filters: IDataObject) => IDataObject): ListReader {
	return async (context, itemIndex, filters) =>
		await aacApiRequestAllItems.call(
			context,
			{
				method: 'GET',
				path,
				qs: { ...listQuery(context, itemIndex, filters), ...scope?.(filters) },
				retry: 'read',
			},
			pagingOf(context, itemIndex),
		);
}

/** The Ownership filter of plans and flows ("Plans", "Flows"). */
export function ownershipFilter(things: string): INodeProperties {
	return {
		displayName: 'Ownership',
		name: 'ownership',
		type: 'options',
		default: 'all',
		options: [
			{
				name: 'All',
				value: 'all',
				description: `${things} the user owns or that are shared with them`,
			},
			{ name: 'Owned', value: 'owned' },
			{ name: 'Shared', value: 'shared', description: `${things} shared with the user by others` },
		],
	};
}

/**
 * The ownership to send: always said, 'all' by default, since AAC's default scope is undocumented
 * (contract unknown defaultOwnership).
 */
export function ownershipOf(filters: IDataObject): string {
	return typeof filters.ownership === 'string' && filters.ownership ? filters.ownership : 'all';
}
