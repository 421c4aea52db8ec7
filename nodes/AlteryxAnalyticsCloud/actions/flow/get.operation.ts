import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { showFor } from '../descriptions';
import { flowLocator, idParameter } from '../../methods/locators';
import { aacApiRequest } from '../../transport/aacApi';

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description = showFor('flow', 'get', [
	flowLocator('The flow to get'),
] as INodeProperties[]);

/** GET /v4/flows/{id}. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const flowId = idParameter(this, 'flowId', itemIndex, 'Flow');
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: `/v4/flows/${flowId}`,
		retry: 'read',
	});
	return [{ json: (response.body ?? {}) as IDataObject }];
}
