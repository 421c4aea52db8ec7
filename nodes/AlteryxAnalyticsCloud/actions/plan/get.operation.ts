import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter, planLocator } from '../../methods/locators';
import { aacApiRequest } from '../../transport/aacApi';

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description = showFor('plan', 'get', [
	planLocator('The plan to get'),
] as INodeProperties[]);

/** GET /v4/plans/{id}/full: the plan with its nodes and its latest run (AAC has no plain GET of a plan). */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const planId = idParameter(this, 'planId', itemIndex, 'Plan');
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: `/v4/plans/${planId}/full`,
		retry: 'read',
	});
	return [{ json: (response.body ?? {}) as IDataObject }];
}
