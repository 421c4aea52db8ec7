import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

/**
 * Shared pieces of operation descriptions. (n8n-workflow's updateDisplayOptions does the same
 * as `showFor`, but not in every n8n-workflow that n8n 1.x ships, so ours.)
 */
export function showFor(
	resource: string,
	operation: string,
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { ...property.displayOptions?.show, resource: [resource], operation: [operation] },
		},
	}));
}

/** n8n's Return All / Limit pair. */
export function returnAllAndLimit(): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50,
			description: 'Max number of results to return',
			displayOptions: { show: { returnAll: [false] } },
		},
	];
}

export function pagingOf(
	context: IExecuteFunctions,
	itemIndex: number,
): { returnAll: boolean; limit: number } {
	const returnAll = context.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? 0 : (context.getNodeParameter('limit', itemIndex, 50) as number);
	return { returnAll, limit };
}

/** Name filter as AAC's list endpoints take it (filter + filterFields=name + filterType=contains). */
export const nameFilter: INodeProperties = {
	displayName: 'Name Contains',
	name: 'name',
	type: 'string',
	default: '',
	description: 'Only those whose name contains this text (case-sensitive)',
};

/** Filters of the run lists (plan runs, job library): status, who ran it, from where, when. */
function epochMs(
	context: IExecuteFunctions,
	value: unknown,
	label: string,
	itemIndex: number,
): number {
	const ms = Date.parse(String(value));
	if (Number.isNaN(ms))
		throw new NodeOperationError(
			context.getNode(),
			`${label} is not a date: "${String(value).slice(0, 40)}"`,
			{ itemIndex },
		);
	return ms;
}

/**
 * The query string of a list: the name filter and, for runs, who ran them, how, and when (the run
 * lists apply these again in n8n, and their statuses: actions/runList.ts).
 */
export function listQuery(
	context: IExecuteFunctions,
	itemIndex: number,
	filters: IDataObject,
): IDataObject {
	const qs: IDataObject = {};
	if (typeof filters.name === 'string' && filters.name.trim()) {
		Object.assign(qs, {
			filter: filters.name.trim(),
			filterFields: 'name',
			filterType: 'contains',
		});
	}
	if (typeof filters.runBy === 'string' && filters.runBy) qs.runBy = filters.runBy;
	if (typeof filters.ranfrom === 'string' && filters.ranfrom) qs.ranfrom = filters.ranfrom;
	if (filters.createdAfter)
		qs['dateFilter[createdAt][gte]'] = epochMs(
			context,
			filters.createdAfter,
			'Created After',
			itemIndex,
		);
	if (filters.createdBefore)
		qs['dateFilter[createdAt][lt]'] = epochMs(
			context,
			filters.createdBefore,
			'Created Before',
			itemIndex,
		);
	return qs;
}

/** One output item per object. */
export function toItems(objects: IDataObject[]): INodeExecutionData[] {
	return objects.map((json) => ({ json }));
}
