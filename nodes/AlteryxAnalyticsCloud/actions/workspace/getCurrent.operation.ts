import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { aacApiRequest } from '../../transport/aacApi';

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description: INodeProperties[] = [];

/** GET /v4/workspaces/current: the workspace the token belongs to (the token decides it). */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: '/v4/workspaces/current',
		retry: 'read',
	});
	return [{ json: (response.body ?? {}) as IDataObject }];
}
