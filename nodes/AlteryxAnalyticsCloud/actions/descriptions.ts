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

/** A resource locator with a searchable, paginated list (methods/listSearch.ts) and an ID mode. */
export function idLocator(options: {
	displayName: string;
	name: string;
	searchListMethod: string;
	description: string;
	placeholder: string;
}): INodeProperties {
	return {
		displayName: options.displayName,
		name: options.name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: options.description,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: options.searchListMethod, searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: options.placeholder,
				validation: [
					{
						type: 'regex',
						properties: {
							regex: '^\\s*[0-9]+\\s*$',
							errorMessage: 'An AAC ID is a number, e.g. 12',
						},
					},
				],
			},
		],
	};
}

export const planLocator = (description: string): INodeProperties =>
	idLocator({
		displayName: 'Plan',
		name: 'planId',
		searchListMethod: 'searchPlans',
		description,
		placeholder: '12',
	});
export const flowLocator = (description: string): INodeProperties =>
	idLocator({
		displayName: 'Flow',
		name: 'flowId',
		searchListMethod: 'searchFlows',
		description,
		placeholder: '3',
	});
export const recipeLocator = (description: string): INodeProperties =>
	idLocator({
		displayName: 'Recipe',
		name: 'recipeId',
		searchListMethod: 'searchRecipes',
		description,
		placeholder: '7',
	});
export const connectionLocator = (description: string): INodeProperties =>
	idLocator({
		displayName: 'Connection',
		name: 'connectionId',
		searchListMethod: 'searchConnections',
		description,
		placeholder: '5',
	});

/** The numeric ID from a resource locator or a plain string parameter (planRunId, jobId). */
export function idParameter(
	context: IExecuteFunctions,
	name: string,
	itemIndex: number,
	label: string,
): string {
	const raw = context.getNodeParameter(name, itemIndex, '', { extractValue: true }) as
		| string
		| number;
	const id = String(raw ?? '').trim();
	if (!/^[0-9]+$/.test(id)) {
		throw new NodeOperationError(
			context.getNode(),
			`${label} must be a number, got "${id.slice(0, 40)}"`,
			{ itemIndex },
		);
	}
	return id;
}

const RUN_STATUS_OPTIONS = [
	{ name: 'Canceled', value: 'Canceled' },
	{ name: 'Complete', value: 'Complete' },
	{ name: 'Created', value: 'Created' },
	{ name: 'Failed', value: 'Failed' },
	{ name: 'In Progress', value: 'InProgress' },
];

/** Name filter as AAC's list endpoints take it (filter + filterFields=name + filterType=contains). */
export const nameFilter: INodeProperties = {
	displayName: 'Name Contains',
	name: 'name',
	type: 'string',
	default: '',
	description: 'Only those whose name contains this text (case-sensitive)',
};

/** Filters of the run lists (plan runs, job library): status, who ran it, from where, when. */
export const runFilters: INodeProperties[] = [
	{
		displayName: 'Created After',
		name: 'createdAfter',
		type: 'dateTime',
		default: '',
		description: 'Only runs created at or after this time',
	},
	{
		displayName: 'Created Before',
		name: 'createdBefore',
		type: 'dateTime',
		default: '',
		description: 'Only runs created before this time',
	},
	{
		displayName: 'Ran From',
		name: 'ranfrom',
		type: 'options',
		default: 'api',
		options: [
			{ name: 'API', value: 'api' },
			{ name: 'Schedule', value: 'schedule' },
			{ name: 'UI', value: 'ui' },
		],
		description: 'Only runs started this way',
	},
	{
		displayName: 'Run By',
		name: 'runBy',
		type: 'options',
		default: 'all',
		options: [
			{ name: 'Anyone', value: 'all' },
			{ name: 'Current User', value: 'currentUser' },
		],
		description: 'Whose runs to list',
	},
	{
		displayName: 'Status',
		name: 'status',
		type: 'multiOptions',
		default: [],
		options: RUN_STATUS_OPTIONS,
		description: 'Only runs in one of these statuses (empty: any)',
	},
];

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
