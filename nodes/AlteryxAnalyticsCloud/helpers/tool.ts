import type { IDataObject, IExecuteFunctions, INode, IWorkflowMetadata } from 'n8n-workflow';

/**
 * The node as an AI agent's tool.
 *
 * `usableAsTool` makes n8n (1.x and 2.x alike) derive a second node type from this one: same
 * class, same execute(), name + 'Tool' (`n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudTool`),
 * no main input, one `ai_tool` output. Whatever execute() returns there goes to the language model
 * and so to the model's provider. n8n runs it in these ways, and in each the node has that type:
 * - an agent asks for its tools (getInputConnectionData → createNodeAsTool → makeHandleToolInvocation
 *   in n8n-core): execute() runs with a SupplyDataContext, the output items' json is the tool's
 *   answer (Tools Agent v1/v2, MCP Server Trigger, 1.x and 2.x);
 * - an agent (Tools Agent v3) returns an engine request and WorkflowExecute runs the tool node
 *   as a normal node (an ExecuteContext with `node.rewireOutputLogTo = 'ai_tool'`; 1.x and 2.x);
 * - 2.41's Agents module (node-tool-factory → EphemeralNodeExecutor) picks `<type>Tool` whenever
 *   it exists and runs it in an ExecuteContext.
 * The type name is the one signal all of them give; it is also what n8n's own `@tool` display
 * option tests (`nodeTypeDescription.name.endsWith('Tool')`).
 */
export function runsAsTool(node: INode): boolean {
	// '<package>.alteryxAnalyticsCloudTool' when installed, 'CUSTOM.alteryxAnalyticsCloudTool' when loaded as a custom extension.
	const typeName = node.type.slice(node.type.lastIndexOf('.') + 1);
	return typeName.endsWith('Tool');
}

/**
 * n8n 2.41's Instance AI (its built-in assistant, `@n8n/instance-ai`) has an "execute node" tool:
 * ExecuteNodeService (packages/cli/src/node-execution/execute-node.service.ts) runs the plain node
 * type in a throw-away workflow named `Execute node <type>` and, when the instance's privacy
 * setting allows, sends the output to its model. That name is the only sign of it the node gets.
 */
export function runsForInstanceAi(node: INode, workflow: IWorkflowMetadata): boolean {
	return workflow.name === `Execute node ${node.type}`;
}

/**
 * What Get and Refresh give a model: status and expiry, never a token. A list of what may go
 * out, not of what must not: a field added to the token output later stays out of tools until
 * someone adds it here.
 */
const TOOL_SAFE_TOKEN_FIELDS = [
	'refreshed',
	'expiresAt',
	'expiresIn',
	'tokenType',
	'apiBaseUrl',
	'refreshWarning',
] as const;

const TOKEN_WITHHELD_NOTE =
	'The access token itself is never given to AI tools. n8n holds it in the credential and uses it for Alteryx Analytics Cloud requests; expiresAt and expiresIn say how long the current one stays valid.';

/** Get's and Refresh's output as a tool returns it: `{ status: 'valid', …expiry fields, note }`. */
export function toolSafeTokenOutput(json: IDataObject): IDataObject {
	const safe: IDataObject = { status: 'valid' };
	for (const field of TOOL_SAFE_TOKEN_FIELDS) {
		if (json[field] !== undefined) safe[field] = json[field];
	}
	safe.note = TOKEN_WITHHELD_NOTE;
	return safe;
}

/**
 * The run-time guard, whatever the editor offered and however old the workflow: run as a tool,
 * or for the Instance AI, an output that carries the access token (Get's and Refresh's) becomes
 * the token-free status above. It keys on the fields, not on the operation's name, so it holds
 * whatever the operations are called. Anything else (Inspect, errors) passes unchanged. Decided
 * once for a whole execution (the answer is the same for every item): n8n's getNode() hands out a
 * deep copy of the node, which per item costs more than the check.
 */
export function outputFilterFor(context: IExecuteFunctions): (json: IDataObject) => IDataObject {
	const node = context.getNode();
	if (!runsAsTool(node) && !runsForInstanceAi(node, context.getWorkflow())) return (json) => json;
	return (json) =>
		'accessToken' in json || 'authorization' in json ? toolSafeTokenOutput(json) : json;
}
