import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

/*
 * The pickers: resource locators whose list mode calls a search of listSearch.ts, and the reader
 * of their value. Shared by the action node and the triggers.
 */

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

/** A plain ID parameter for the IDs a run hands on (planRunId, jobId): typed or an expression. */
export function runIdProperty(
	displayName: 'Plan Run ID' | 'Job ID',
	description: string,
): INodeProperties {
	const name = displayName === 'Job ID' ? 'jobId' : 'planRunId';
	return {
		displayName,
		name,
		type: 'string',
		required: true,
		default: '',
		placeholder: `={{ $json.${name} }}`,
		description,
	};
}
