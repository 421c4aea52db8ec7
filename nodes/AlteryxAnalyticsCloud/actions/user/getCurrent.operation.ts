import { readOperation } from '../read';

/** GET /v4/people/current: who the token belongs to. */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'user',
	operation: 'getCurrent',
	properties: [],
	request: () => ({ path: '/v4/people/current' }),
});
