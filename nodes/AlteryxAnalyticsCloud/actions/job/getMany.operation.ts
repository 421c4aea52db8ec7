import { runFilters } from '../../runs/runFilters';
import { getManyOperation } from '../getMany';
import { runListReader } from '../runList';

/** GET /v4/jobLibrary (the job history; the /v4/jobGroups list is deprecated), newest first, paged. */
export const { description, execute } = getManyOperation(
	'job',
	runFilters,
	runListReader({ path: '/v4/jobLibrary', createdFilter: true }),
);
