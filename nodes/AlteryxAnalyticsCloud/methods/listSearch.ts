import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';

import { aacApiRequest } from '../transport/aacApi';

/**
 * One page of a picker: AAC's fuzzy name filter (the spec's default filterType; the stand-in
 * makes it a case-insensitive substring), 50 at a time, the next offset as the pagination token.
 */
const PICKER_PAGE = 50;

async function searchList(
	context: ILoadOptionsFunctions,
	path: string,
	filter: string | undefined,
	paginationToken: string | undefined,
): Promise<INodeListSearchResult> {
	const offset = Number(paginationToken ?? 0) || 0;
	const qs: IDataObject = { limit: PICKER_PAGE, offset, includeCount: true };
	if (filter?.trim())
		Object.assign(qs, { filter: filter.trim(), filterFields: 'name', filterType: 'fuzzy' });
	const response = await aacApiRequest.call(context, { method: 'GET', path, qs, retry: 'read' });
	const body = (response.body ?? {}) as { data?: IDataObject[]; count?: number };
	const data = Array.isArray(body.data) ? body.data : [];
	const results: INodeListSearchItems[] = data.map((entry) => ({
		name:
			typeof entry.name === 'string' && entry.name
				? `${entry.name} (${String(entry.id)})`
				: `#${String(entry.id)}`,
		value: String(entry.id),
	}));
	const next = offset + data.length;
	const more =
		data.length > 0 &&
		(typeof body.count === 'number' ? next < body.count : data.length === PICKER_PAGE);
	return { results, paginationToken: more ? String(next) : undefined };
}

export async function searchPlans(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, '/v4/plans', filter, paginationToken);
}

export async function searchFlows(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, '/v4/flows', filter, paginationToken);
}

export async function searchRecipes(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, '/v4/wrangledDatasets', filter, paginationToken);
}

export async function searchConnections(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, '/v4/connections', filter, paginationToken);
}
