import { runFilters } from '../../runs/runFilters';
import { getManyOperation } from '../getMany';
import { runListReader } from '../runList';

/** GET /v4/planSnapshotRuns, newest first, paged: one item per plan run. */
export const { description, execute } = getManyOperation(
	'planRun',
	runFilters,
	runListReader({ path: '/v4/planSnapshotRuns', createdFilter: false }),
);
