import { idParameter, planLocator } from '../../methods/locators';
import { readOperation } from '../read';

/** GET /v4/plans/{id}/full: the plan with its nodes and its latest run (AAC has no plain GET of a plan). */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'plan',
	operation: 'get',
	properties: [planLocator('The plan to get')],
	request: (context, itemIndex) => ({
		path: `/v4/plans/${idParameter(context, 'planId', itemIndex, 'Plan')}/full`,
	}),
});
