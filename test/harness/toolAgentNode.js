'use strict';
// A hand-written fake of an AI agent (no language model): it calls the tool nodes attached to its
// `ai_tool` input the two ways n8n's agents do, through n8n-core's real machinery, and outputs
// what the model would be sent. Plain JavaScript like testNodes.js; typed by JSDoc, checked by
// checkJs (test/tsconfig.json).
const { NodeConnectionTypes } = require('n8n-workflow');

/** @typedef {import('n8n-workflow').INodeType} INodeType */
/** @typedef {import('n8n-workflow').INodeExecutionData} INodeExecutionData */
/** @typedef {{ name: string, description: string, invoke(input: object): Promise<unknown> }} Tool what getInputConnectionData hands an agent per tool node (a LangChain tool) */

const TOOL_CALL_ID = 'call_fake_agent_1';

/**
 * `test.toolAgent`, parameter `mode`:
 * - 'supplyData': asks for its tools with getInputConnectionData (n8n-core turns each tool node
 *   into a LangChain tool: createNodeAsTool + makeHandleToolInvocation, the node's execute() runs
 *   in a SupplyDataContext) and invokes every tool with `{}`, as the Tools Agent v1/v2 and the
 *   MCP Server Trigger do. Output per tool: `{ mode, toolName, toolDescription, toolMessage }`,
 *   toolMessage being the string the model gets (toolError instead when the tool threw).
 * - 'engineRequest': returns an EngineRequest naming each tool node, as the Tools Agent v3 does;
 *   WorkflowExecute runs the tool node as a normal node and calls this node again with the
 *   results. Output per tool: `{ mode, nodeName, toolResult }`, toolResult being the json items
 *   the agent would turn into the model's tool message (`[{ error }]` when the tool failed).
 * @implements {INodeType}
 */
class ToolAgentNode {
	/** @type {INodeType['description']} */
	description = {
		displayName: 'Test Tool Agent',
		name: 'test.toolAgent',
		group: ['transform'],
		version: 1,
		description: 'Calls the connected tools the way n8n agents do, without a model',
		defaults: { name: 'Agent' },
		inputs: [
			NodeConnectionTypes.Main,
			{ type: NodeConnectionTypes.AiTool, displayName: 'Tools', required: true },
		],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				options: [
					{ name: 'Supply Data', value: 'supplyData' },
					{ name: 'Engine Request', value: 'engineRequest' },
				],
				default: 'supplyData',
			},
		],
	};

	/**
	 * @this {import('n8n-workflow').IExecuteFunctions}
	 * @param {import('n8n-workflow').EngineResponse} [response]
	 * @returns {Promise<INodeExecutionData[][] | import('n8n-workflow').EngineRequest>}
	 */
	async execute(response) {
		const mode = this.getNodeParameter('mode', 0);
		if (mode === 'supplyData') {
			const tools = /** @type {Tool[]} */ (
				await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)
			);
			const out = [];
			for (const tool of tools) {
				/** @type {import('n8n-workflow').IDataObject} */
				const json = { mode, toolName: tool.name, toolDescription: tool.description };
				try {
					json.toolMessage = /** @type {string} */ (await tool.invoke({}));
				} catch (error) {
					// Agents hand a failed tool's message to the model as the tool's answer.
					json.toolError = /** @type {Error} */ (error).message;
				}
				out.push({ json });
			}
			return [out];
		}
		if (!response || response.actionResponses.length === 0) {
			const toolNodes = this.getParentNodes(this.getNode().name, {
				connectionType: NodeConnectionTypes.AiTool,
				depth: 1,
			});
			return {
				actions: toolNodes.map((tool, index) => ({
					actionType: 'ExecutionNodeAction',
					nodeName: tool.name,
					input: {},
					type: NodeConnectionTypes.AiTool,
					id: `${TOOL_CALL_ID}_${index}`,
					metadata: { itemIndex: 0 },
				})),
				metadata: {},
			};
		}
		return [
			response.actionResponses.map((result) => ({
				json: {
					mode,
					nodeName: result.action.nodeName,
					toolResult: (result.data.data?.[NodeConnectionTypes.AiTool]?.[0] ?? []).map(
						(item) => item.json,
					),
					toolError: result.data.error?.message,
				},
			})),
		];
	}
}

module.exports = { ToolAgentNode };
