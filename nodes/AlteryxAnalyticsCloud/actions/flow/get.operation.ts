import { flowLocator, idParameter } from '../../methods/locators';
import { readOperation } from '../read';

/** GET /v4/flows/{id}. */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'flow',
	operation: 'get',
	properties: [flowLocator('The flow to get')],
	request: (context, itemIndex) => ({
		path: `/v4/flows/${idParameter(context, 'flowId', itemIndex, 'Flow')}`,
	}),
});
