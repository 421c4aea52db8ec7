import { nameFilter } from '../descriptions';
import { getManyOperation, ownershipFilter, ownershipOf, pagedList } from '../getMany';

/** GET /v4/plans, paged: one item per plan (id, name, timestamps, creator). */
export const { description, execute } = getManyOperation(
	'plan',
	[nameFilter, ownershipFilter('Plans')],
	pagedList('/v4/plans', (filters) => ({ ownershipFilter: ownershipOf(filters) })),
);
