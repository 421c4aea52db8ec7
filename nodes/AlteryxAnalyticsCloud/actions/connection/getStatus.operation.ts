import type { IDataObject } from 'n8n-workflow';

import { connectionLocator, idParameter } from '../../methods/locators';
import { readOperation } from '../read';

/** GET /v4/connections/{id}/status: AAC tests the connection; a failing one is an error (AAC's message says why). */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'connection',
	operation: 'getStatus',
	properties: [connectionLocator('The connection to check')],
	request: (context, itemIndex) => {
		const connectionId = idParameter(context, 'connectionId', itemIndex, 'Connection');
		return { path: `/v4/connections/${connectionId}/status`, id: connectionId };
	},
	output: (body, request) => {
		const status =
			body && typeof body === 'object' ? (body as IDataObject) : { result: body ?? null };
		return { connectionId: Number(request.id), ...status };
	},
});
