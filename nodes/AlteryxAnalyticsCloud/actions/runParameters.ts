import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** Run parameters (AAC's runParameters.overrides.data: [{ key, value }]) of recipes and flows. */
export const runParametersProperty: INodeProperties = {
	displayName: 'Run Parameters',
	name: 'runParameters',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Run Parameter',
	default: {},
	description: "Values for the flow's parameters (variables) in this run",
	options: [
		{
			displayName: 'Parameter',
			name: 'parameter',
			values: [
				{
					displayName: 'Key',
					name: 'key',
					type: 'string',
					default: '',
					description: "The parameter's name",
				},
				{ displayName: 'Value', name: 'value', type: 'string', default: '' },
			],
		},
	],
};

/** { overrides: { data: [...] } }, or undefined when none was given. */
export function runParametersOf(
	context: IExecuteFunctions,
	itemIndex: number,
): IDataObject | undefined {
	const entries =
		(context.getNodeParameter('runParameters.parameter', itemIndex, []) as IDataObject[]) ?? [];
	const data = entries
		.filter((e) => String(e.key ?? '').trim())
		.map((e) => ({ key: String(e.key).trim(), value: e.value ?? '' }));
	return data.length ? { overrides: { data } } : undefined;
}
