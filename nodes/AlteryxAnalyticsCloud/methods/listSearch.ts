import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { recipeNameOf } from '../helpers/values';
import { aacApiRequest } from '../transport/aacApi';

/**
 * One page of a picker, 50 at a time, the next offset as the pagination token. Plans, flows and
 * connections are filtered by AAC (filter + filterFields=name + filterType=fuzzy, documented on
 * their lists) and plans and flows are asked for everything the user can see (the default scope
 * is undocumented: contract unknown defaultOwnership). Recipes have no top-level name in AAC's
 * spec (unknown recipeName) and their list documents no filter: their names are matched here.
 */
const PICKER_PAGE = 50;

interface PickerList {
	path: string;
	/** Extra documented query (the ownership filter). */
	qs?: IDataObject;
	/** AAC filters by name; else the page is filtered here. */
	filterByAac: boolean;
}

async function searchList(
	context: ILoadOptionsFunctions,
	list: PickerList,
	filter: string | undefined,
	paginationToken: string | undefined,
): Promise<INodeListSearchResult> {
	const offset = Number(paginationToken ?? 0) || 0;
	const text = filter?.trim() ?? '';
	const qs: IDataObject = { ...list.qs, limit: PICKER_PAGE, offset, includeCount: true };
	if (text && list.filterByAac)
		Object.assign(qs, { filter: text, filterFields: 'name', filterType: 'fuzzy' });
	const response = await aacApiRequest.call(context, {
		method: 'GET',
		path: list.path,
		qs,
		retry: 'read',
	});
	const body = (response.body ?? {}) as { data?: IDataObject[]; count?: number };
	const data = Array.isArray(body.data) ? body.data : [];
	const named = data.map((entry) => ({ entry, name: recipeNameOf(entry) }));
	const shown =
		text && !list.filterByAac
			? named.filter(({ name }) => name?.toLowerCase().includes(text.toLowerCase()))
			: named;
	const results: INodeListSearchItems[] = shown.map(({ entry, name }) => ({
		name: name ? `${name} (${String(entry.id)})` : `#${String(entry.id)}`,
		value: String(entry.id),
	}));
	const next = offset + data.length;
	const more =
		data.length > 0 &&
		(typeof body.count === 'number' ? next < body.count : data.length === PICKER_PAGE);
	return { results, paginationToken: more ? String(next) : undefined };
}

/** A search method for n8n's list mode over one AAC list. */
function searchOf(list: PickerList) {
	return async function (
		this: ILoadOptionsFunctions,
		filter?: string,
		paginationToken?: string,
	): Promise<INodeListSearchResult> {
		return await searchList(this, list, filter, paginationToken);
	};
}

export const searchPlans = searchOf({
	path: '/v4/plans',
	qs: { ownershipFilter: 'all' },
	filterByAac: true,
});
export const searchFlows = searchOf({
	path: '/v4/flows',
	qs: { flowsFilter: 'all' },
	filterByAac: true,
});
/** Recipes: AAC's wrangledDatasets list takes no name filter, so names are matched in n8n. */
export const searchRecipes = searchOf({ path: '/v4/wrangledDatasets', filterByAac: false });
export const searchConnections = searchOf({ path: '/v4/connections', filterByAac: true });
