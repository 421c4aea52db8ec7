import type { IDataObject } from 'n8n-workflow';

import { nameFilter } from '../descriptions';
import { getManyOperation, ownershipFilter, ownershipOf, pagedList } from '../getMany';

const folderFilter = {
	displayName: 'Folder ID',
	name: 'folderId',
	type: 'string' as const,
	default: '',
	description: 'Only flows in this folder',
};

function flowScope(filters: IDataObject): IDataObject {
	const scope: IDataObject = { flowsFilter: ownershipOf(filters) };
	if (typeof filters.folderId === 'string' && filters.folderId.trim())
		scope.folderId = filters.folderId.trim();
	return scope;
}

/** GET /v4/flows, paged: one item per flow (id, name, timestamps, creator). */
export const { description, execute } = getManyOperation(
	'flow',
	[folderFilter, nameFilter, ownershipFilter('Flows')],
	pagedList('/v4/flows', flowScope),
);
