import type { IDataObject } from 'n8n-workflow';

import type { AacNodeContext } from '../helpers/credentialWriter';
import { PAGE_SIZE, readListPage, samePageGuard, type ListPage } from './paging';

/*
 * A run list (/v4/planSnapshotRuns, /v4/jobLibrary) read newest first, whatever AAC's order.
 *
 * AAC documents `limit`, `offset` and `includeCount`, but neither the default order of a list nor
 * any value of `sort` (contract unknowns defaultSort, largestPageSize). So nothing here sends
 * `sort`: the order is read off the ids of a page (they grow with creation: unknown runIdOrder),
 * and when a list comes oldest first its newest runs are read from its end, at offset
 * count - pageSize, going back page by page. How many items a page really holds is learned from
 * the answers (a server may serve fewer than asked). What was learned is kept in `memory` (the
 * caller stores it), so that the next read of an oldest-first list goes straight to its end: one
 * request when fewer than a page of runs were added since.
 */

export interface ListShape {
	order?: 'asc' | 'desc';
	/** The most one page held (learned when AAC served fewer than asked). */
	pageSize?: number;
	/** The list's length at the last read (includeCount). */
	count?: number;
}

export interface ListRequest {
	path: string;
	qs?: IDataObject;
}

/** A run's id as a number (NaN when it has none). */
export const numericId = (row: IDataObject): number => Number(row.id);

/** 'desc' or 'asc' when the page's ids say so, else undefined (fewer than two, or mixed). */
function orderOf(data: IDataObject[]): 'asc' | 'desc' | undefined {
	const ids = data.map(numericId).filter(Number.isFinite);
	if (ids.length < 2) return undefined;
	let asc = true;
	let desc = true;
	for (let i = 1; i < ids.length; i++) {
		if (ids[i] < ids[i - 1]) asc = false;
		if (ids[i] > ids[i - 1]) desc = false;
	}
	return desc ? 'desc' : asc ? 'asc' : undefined;
}

const newestFirst = (data: IDataObject[]) => [...data].sort((a, b) => numericId(b) - numericId(a));

/** At most this many requests to find the end of an oldest-first list that keeps growing. */
const MAX_TAIL_CHASES = 3;
/** Bound of a list read whose order cannot be told (read whole, then sorted). */
const MAX_UNORDERED_PAGES = 200;

/**
 * Pages of the list, newest first (each page sorted newest first). The caller stops when it has
 * read far enough; `shape` is updated as the list is learned.
 */
export async function* newestFirstPages(
	context: AacNodeContext,
	request: ListRequest,
	shape: ListShape,
): AsyncGenerator<IDataObject[]> {
	const asked = PAGE_SIZE;
	const learn = (at: number, read: ListPage, limit: number) => {
		if (read.count !== undefined) shape.count = read.count;
		if (read.data.length < limit && read.count !== undefined && at + read.data.length < read.count)
			shape.pageSize = read.data.length;
	};
	const check = samePageGuard(context, request.path);
	let itemsRead = 0;
	const read = async (offset: number, limit: number) => {
		const page = await readListPage(
			context,
			{ method: 'GET', path: request.path, qs: request.qs, retry: 'read' },
			offset,
			limit,
		);
		learn(offset, page, limit);
		check(page, offset, itemsRead);
		itemsRead += page.data.length;
		return page;
	};

	if (shape.order === 'asc' && shape.count !== undefined && shape.count > 0) {
		// An oldest-first list seen before: what was added since is at its end, after the item that
		// was last then. Read from that item on to the current end, then back from it.
		const from = shape.count - 1;
		const added: IDataObject[] = [];
		let offset = from;
		let page = await read(offset, shape.pageSize ?? asked);
		if (orderOf(page.data) !== 'desc' && page.data.length > 0) {
			for (let pages = 1; ; pages++) {
				added.push(...page.data);
				offset += page.data.length;
				if (page.data.length === 0 || page.count === undefined || offset >= page.count) break;
				if (pages >= MAX_UNORDERED_PAGES) break;
				page = await read(offset, shape.pageSize ?? asked);
			}
			const sorted = newestFirst(added);
			for (let i = 0; i < sorted.length; i += asked) yield sorted.slice(i, i + asked);
			yield* backwards(from);
			return;
		}
		// Not the list it was (shorter now, or no longer oldest first): learn it again.
		shape.order = undefined;
	}

	let offset = 0;
	let page = await read(offset, asked);
	const order = orderOf(page.data) ?? (page.data.length ? shape.order : undefined);
	const count = page.count;
	const whole = order === undefined && count !== undefined && page.data.length >= count;
	if (order === 'desc' || whole) {
		// Newest first already (or the whole list in one page).
		if (order) shape.order = order;
		for (;;) {
			if (page.data.length === 0) return;
			yield newestFirst(page.data);
			offset += page.data.length;
			if (page.count !== undefined && offset >= page.count) return;
			page = await read(offset, asked);
		}
	}

	if (order === 'asc' && count !== undefined) {
		// Oldest first: its newest runs are at its end. Find the end (it may grow meanwhile).
		shape.order = 'asc';
		for (
			let chase = 0;
			page.count !== undefined && offset + page.data.length < page.count && chase < MAX_TAIL_CHASES;
			chase++
		) {
			const size = shape.pageSize ?? asked;
			offset = Math.max(0, page.count - size);
			page = await read(offset, size);
		}
		if (page.data.length) yield newestFirst(page.data);
		yield* backwards(offset);
		return;
	}

	// The order cannot be told from the ids: read the whole list (bounded), newest first.
	const all = [...page.data];
	for (let pages = 1; page.data.length > 0 && pages < MAX_UNORDERED_PAGES; pages++) {
		offset += page.data.length;
		if (page.count !== undefined && offset >= page.count) break;
		page = await read(offset, asked);
		all.push(...page.data);
	}
	const sorted = newestFirst(all);
	for (let i = 0; i < sorted.length; i += asked) yield sorted.slice(i, i + asked);

	/** An oldest-first list from `end` back to its start, a page at a time, newest first. */
	async function* backwards(end: number): AsyncGenerator<IDataObject[]> {
		while (end > 0) {
			const start = Math.max(0, end - (shape.pageSize ?? asked));
			const back = await read(start, end - start);
			if (back.data.length) yield newestFirst(back.data);
			end = start;
		}
	}
}
