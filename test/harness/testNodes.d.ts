// Types of testNodes.js: two tiny node types for driving credential types through n8n-core's
// real engine without n8n-nodes-base. The implementation is plain JavaScript because
// test.apiCaller must call the legacy requestWithAuthentication (as n8n's HTTP Request node
// does), which n8n's community-package lint forbids in TypeScript files.
import type { IExecuteFunctions, INodeExecutionData, INodeType } from 'n8n-workflow';

/** `test.start`: stands in for the Manual Trigger; emits `items` items `{ index: i }`. */
export declare class StartNode implements INodeType {
  description: INodeType['description'];
  execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]>;
}

/**
 * `test.apiCaller`: behaves like the HTTP Request node (v3+) with "Predefined Credential Type":
 * every item's request (parameter `url`, GET; parameter `helper`: 'legacy' for
 * requestWithAuthentication, 'http' for httpRequestWithAuthentication) is started at once and
 * awaited with Promise.allSettled, so all items resolve credentials and run preAuthentication
 * concurrently. The first failure fails the node (as a NodeApiError/NodeOperationError) unless
 * continueOnFail, which turns it into an item `{ ok: false, error }`; successes are `{ ok: true, body }`.
 */
export declare function makeApiCallerNode(credentialTypeName: string): INodeType;
