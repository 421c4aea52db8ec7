import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { toNodeError } from '../helpers/errors';
import { outputForCaller } from '../helpers/tool';
import * as accessToken from './accessToken/AccessToken.resource';
import * as connection from './connection/Connection.resource';
import * as flow from './flow/Flow.resource';
import * as job from './job/Job.resource';
import * as plan from './plan/Plan.resource';
import * as planRun from './planRun/PlanRun.resource';
import * as user from './user/User.resource';
import * as workspace from './workspace/Workspace.resource';

/** An API operation: runs once per item and returns that item's output items. */
export interface ItemOperation {
	description: INodeProperties[];
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
}

/**
 * resource value → operation value → operation module. Each resource file lists its operations
 * in `operations` (adding one there registers it here).
 */
const itemResources: Record<string, Record<string, ItemOperation>> = {
	connection: connection.operations,
	flow: flow.operations,
	job: job.operations,
	plan: plan.operations,
	planRun: planRun.operations,
	user: user.operations,
	workspace: workspace.operations,
};

/**
 * Access Token: one token decision per execution, whatever the number of items: 100 items cost
 * at most one refresh, and every item gets the same token.
 */
async function accessTokenOnce(
	context: IExecuteFunctions,
	operation: string,
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const run = accessToken.operations[operation as keyof typeof accessToken.operations];
	if (!run)
		throw new NodeOperationError(
			context.getNode(),
			`The operation "${operation}" is not known for Access Token`,
		);
	let json: IDataObject;
	try {
		json = await run.execute.call(context);
	} catch (error) {
		const nodeError = toNodeError(context.getNode(), error);
		if (!context.continueOnFail()) throw nodeError;
		return items.map((_, index) => ({
			json: { error: nodeError.message },
			pairedItem: { item: index },
		}));
	}
	// No token goes to an AI model: as a tool, or for n8n's Instance AI (see helpers/tool.ts).
	const out = outputForCaller(context, json);
	return items.map((_, index) => ({ json: { ...out }, pairedItem: { item: index } }));
}

/** What an item that failed gives with Continue On Fail: the message, and AAC's status and request ID when known. */
function errorItem(
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) json.httpCode = error.httpCode;
	return { json, pairedItem: { item: itemIndex } };
}

/** Dispatches on resource and operation; owns the item loop, pairedItem and Continue On Fail. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	if (resource === 'accessToken') return [await accessTokenOnce(this, operation)];

	const handler = itemResources[resource]?.[operation];
	if (!handler)
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not known for resource "${resource}"`,
		);

	const items = this.getInputData();
	const returnData: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const results = await handler.execute.call(this, itemIndex);
			for (const result of results) {
				returnData.push({
					...result,
					json: outputForCaller(this, result.json),
					pairedItem: { item: itemIndex },
				});
			}
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error);
			if (nodeError.context.itemIndex === undefined) nodeError.context.itemIndex = itemIndex;
			if (!this.continueOnFail()) throw nodeError;
			returnData.push(errorItem(nodeError, itemIndex));
		}
	}
	return [returnData];
}
