import { NodeOperationError, type IDataObject } from 'n8n-workflow';

import type { AacNodeContext } from '../helpers/credentialWriter';
import { aacApiRequest } from './aacApi';
import type { AacPaging, AacRequest } from './types';

/*
 * AAC's lists: `{ data: [...] }` (+ `count` with includeCount), paged with limit and offset. One
 * page reader for every list (Get Many, the pickers, the newest-first run lists), which says when
 * an answer is not a list and when a page comes twice (a server or cache that ignores offset).
 */

/**
 * The page size asked for. AAC's largest is undocumented (its default is 25; contract unknown
 * largestPageSize): a server that serves fewer than asked is handled by reading on (a short page
 * is not the end), so this only decides how few requests a long list costs.
 */
export const PAGE_SIZE = 100;

/** Safety bound of the paging loop: 1,000,000 items at PAGE_SIZE, or fewer on short pages. */
const MAX_PAGES = 10_000;

export interface ListPage {
	data: IDataObject[];
	count?: number;
}

/** One page of a list. `count`: ask for includeCount (documented on lists, not on sub-lists). */
export async function readListPage(
	context: AacNodeContext,
	request: AacRequest,
	offset: number,
	limit: number,
	count = true,
): Promise<ListPage> {
	const response = await aacApiRequest.call(context, {
		...request,
		qs: { ...request.qs, limit, offset, ...(count ? { includeCount: true } : {}) },
	});
	const body = response.body as { data?: unknown; count?: unknown } | undefined;
	if (!body || !Array.isArray(body.data))
		throw new NodeOperationError(
			context.getNode(),
			`AAC answered ${request.method} ${request.path} without a list`,
			{
				description:
					'Expected { "data": [...] }. The API Base URL may point at something other than AAC.',
			},
		);
	return {
		data: body.data as IDataObject[],
		count: typeof body.count === 'number' ? body.count : undefined,
	};
}

/**
 * Remembers the last page read: a page with the same items at another offset means the list does
 * not advance with offset (a server or a cache in front of it ignores it). Reading on would
 * repeat the same items without end: `check` throws instead.
 */
export function samePageGuard(context: AacNodeContext, path: string) {
	let previous: { offset: number; signature: string } | undefined;
	return (page: ListPage, offset: number, itemsSoFar: number): void => {
		const signature = page.data.map((entry) => String(entry.id ?? JSON.stringify(entry))).join(',');
		if (
			page.data.length &&
			previous &&
			previous.offset !== offset &&
			previous.signature === signature
		)
			throw new NodeOperationError(
				context.getNode(),
				`AAC served the same page of ${path} twice (at offset ${previous.offset} and ${offset})`,
				{
					description: `The list does not advance with offset, so reading on would repeat the same items; ${itemsSoFar} items were read. Use a Limit of at most ${itemsSoFar}, or report this with AAC's request ID.`,
				},
			);
		previous = { offset, signature };
	};
}

/**
 * A list, PAGE_SIZE (or fewer, for a Limit) at a time. The end is `count` reached or an empty
 * page: a short page alone never ends the list, since AAC may serve fewer than asked.
 */
export async function aacApiRequestAllItems(
	this: AacNodeContext,
	request: AacRequest,
	paging: AacPaging,
): Promise<IDataObject[]> {
	const wanted = paging.returnAll ? Infinity : Math.max(0, Math.floor(paging.limit ?? 50));
	const items: IDataObject[] = [];
	if (wanted === 0) return items;
	const check = samePageGuard(this, request.path);
	let offset = 0;
	for (let page = 0; page < MAX_PAGES; page++) {
		const limit = Math.min(PAGE_SIZE, wanted - items.length);
		const read = await readListPage(this, request, offset, limit, paging.count !== false);
		check(read, offset, items.length);
		items.push(...read.data);
		if (items.length >= wanted) return items.slice(0, wanted);
		offset += read.data.length;
		if (read.data.length === 0) return items;
		if (read.count !== undefined && offset >= read.count) return items;
	}
	throw new NodeOperationError(
		this.getNode(),
		`Listing ${request.path} did not end after ${MAX_PAGES} pages`,
		{ description: `${items.length} items so far; use a Limit or a filter.` },
	);
}
