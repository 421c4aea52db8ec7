import { readOperation } from '../read';

/** GET /v4/workspaces/current: the workspace the token belongs to (the token decides it). */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'workspace',
	operation: 'getCurrent',
	properties: [],
	request: () => ({ path: '/v4/workspaces/current' }),
});
