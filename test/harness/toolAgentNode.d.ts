// Types of toolAgentNode.js: a hand-written fake AI agent (no model) that calls its tool nodes
// through n8n-core's real machinery, in the 'supplyData' or the 'engineRequest' way.
import type { EngineResponse, IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

export declare class ToolAgentNode implements INodeType {
  description: INodeType['description'];
  execute(this: IExecuteFunctions, response?: EngineResponse): Promise<INodeExecutionData[][]>;
}
