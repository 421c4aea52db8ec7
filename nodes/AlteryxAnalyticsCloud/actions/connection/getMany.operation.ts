import { nameFilter } from '../descriptions';
import { getManyOperation, pagedList } from '../getMany';

/** GET /v4/connections, paged: one item per connection. */
export const { description, execute } = getManyOperation(
	'connection',
	[nameFilter],
	pagedList('/v4/connections'),
);
