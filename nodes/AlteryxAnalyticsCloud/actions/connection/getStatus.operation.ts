import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { showFor } from '../descriptions';
import { connectionLocator, idParameter } from '../../methods/locators';
import { aacApiRequest } from '../../transport/aacApi';

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description = showFor('connection', 'getStatus', [
	connectionLocator('The connection to check'),
] as INodeProperties[]);

/** GET /v4/connections/{id}/status: AAC tests the connection; a failing one is an error (AAC's message says why). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const connectionId = idParameter(this, 'connectionId', itemIndex, 'Connection');
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: `/v4/connections/${connectionId}/status`,
		retry: 'read',
	});
	const body = response.body;
	const status =
		body && typeof body === 'object' ? (body as IDataObject) : { result: body ?? null };
	return [{ json: { connectionId: Number(connectionId), ...status } }];
}
