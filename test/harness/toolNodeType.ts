/**
 * The node type n8n derives from a `usableAsTool` node, built with the steps of n8n's CLI
 * package, which jest does not have (it is not a dependency): NodeTypes.getByNameAndVersion
 * (packages/cli/src/node-types.ts) clones the type with Object.create and hands it to
 * convertNodeToAiTool (2.41.1: packages/cli/src/tool-generation/ai-tools.ts; 1.123.81:
 * LoadNodesAndCredentials.convertNodeToAiTool), which appends 'Tool' to the name, sets no main
 * input and one ai_tool output, and adds the Tool Description parameters. A copy of those steps,
 * not n8n's code; e2e/tool.e2e.mjs runs the real one.
 */
import {
	NodeConnectionTypes,
	UserError,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

export function asToolNodeType(nodeType: INodeType): INodeType {
	if (!nodeType.description.usableAsTool) throw new UserError('Node cannot be used as a tool');
	const properties: INodeProperties[] = [...nodeType.description.properties];
	const description: INodeTypeDescription = Object.create(nodeType.description, {
		properties: { value: properties },
	});
	description.name += 'Tool';
	description.inputs = [];
	description.outputs = [NodeConnectionTypes.AiTool];
	description.displayName += ' Tool';
	const hasResourceOrOperation = properties.some(
		(prop) => prop.name === 'resource' || prop.name === 'operation',
	);
	if (!properties.some((prop) => prop.name === 'toolDescription')) {
		const toolDescription: INodeProperties = {
			displayName: 'Description',
			name: 'toolDescription',
			type: 'string',
			default: nodeType.description.description,
			required: true,
			typeOptions: { rows: 2 },
			description: 'Explain to the LLM what this tool does',
		};
		const lastCallout = properties.map((prop) => prop.type).lastIndexOf('callout');
		properties.splice(lastCallout + 1, 0, toolDescription);
		if (hasResourceOrOperation) {
			properties.splice(lastCallout + 1, 0, {
				displayName: 'Tool Description',
				name: 'descriptionType',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Set Automatically', value: 'auto' },
					{ name: 'Set Manually', value: 'manual' },
				],
				default: 'auto',
			});
			toolDescription.displayOptions = { show: { descriptionType: ['manual'] } };
		}
	}
	return Object.create(nodeType, { description: { value: description } }) as INodeType;
}
