import type { IDataObject } from 'n8n-workflow';

import type { AacNodeContext } from '../helpers/credentialWriter';
import { isTerminalStatus } from './status';
import { PAGE_SIZE } from '../transport/paging';
import { newestFirstPages, numericId, type ListShape } from '../transport/newestFirst';

/*
 * Runs that reached a final state since the last look: what both triggers emit (the polling
 * trigger on every poll, the Flow Trigger on every delivery, AAC's "a job finished" being a hint).
 *
 * It rests only on what AAC documents: a run list (limit, offset, includeCount and the documented
 * single-value filters), read newest first (transport/newestFirst.ts), and one run by id. No
 * status list, date filter or sort is sent, so it works whether AAC honours those or not, and no
 * timestamp of AAC's is trusted: runs are told apart by id.
 *
 * The cursor (kept by the trigger in its static data, JSON):
 * - `topId`: the highest run id seen; `floorId`..`topId`: the window of the newest page, with the
 *   ids seen in it (`known`). A run is new when its id is above `topId`, or inside the window and
 *   not known (it showed up late on the newest page). Below the window, only runs in flight count.
 * - `open`: runs seen in flight (id → [first seen, last checked], n8n's clock). A run created long
 *   ago can finish now: it is emitted when a later look sees it final, on the list or, once it has
 *   left the pages read, by reading it alone (at most OPEN_CHECKS per look, the longest unchecked
 *   first), or by reading the list down to it when that takes fewer requests. One in flight for
 *   longer than OPEN_MAX_AGE_MS is given up.
 * - the list's shape (order, page size, count) as learned, so the next look costs one request.
 * A look reads pages until one reaches the highest id it knew: its cost grows with the runs
 * created since (one request while that is less than a page), never with the history or the time
 * since a run matched a filter (filters are the triggers' own, applied to what this returns). The first look (no cursor) only notes what exists:
 * runs in flight on its first ACTIVATION_PAGES pages are followed; nothing is returned.
 */

/** Pages the first look reads for runs already in flight. */
export const ACTIVATION_PAGES = 3;
/** Runs in flight read alone per look (those that left the pages read). */
export const OPEN_CHECKS = 10;
/** A run in flight this long is no longer followed. */
export const OPEN_MAX_AGE_MS = 7 * 24 * 3600_000;
/** Runs in flight followed at most (the newest kept). */
export const MAX_OPEN = 500;

export interface RunList {
	/** '/v4/planSnapshotRuns' or '/v4/jobLibrary'. */
	path: string;
	/** Documented server-side filters only (runBy, ranfrom, embed where documented). */
	qs: IDataObject;
	/** One run by id (for runs in flight off the pages read); undefined when AAC no longer has it. */
	getOne: (context: AacNodeContext, id: number) => Promise<IDataObject | undefined>;
}

export interface RunCursor extends ListShape {
	/** The list the cursor belongs to (path and query): another list starts afresh. */
	key: string;
	topId: number;
	floorId: number;
	known: number[];
	open: Record<string, [number, number]>;
}

export const cursorKeyOf = (list: RunList): string =>
	JSON.stringify([list.path, Object.entries(list.qs).sort(([a], [b]) => a.localeCompare(b))]);

/** The stored cursor when it is well-formed and belongs to this list. */
export function readCursor(value: unknown, list: RunList): RunCursor | undefined {
	const stored = value as Partial<RunCursor> | undefined;
	if (
		!stored ||
		typeof stored !== 'object' ||
		stored.key !== cursorKeyOf(list) ||
		!Number.isFinite(stored.topId) ||
		!Number.isFinite(stored.floorId) ||
		!Array.isArray(stored.known)
	)
		return undefined;
	const open: RunCursor['open'] = {};
	for (const [id, times] of Object.entries(stored.open ?? {}))
		if (Array.isArray(times) && times.length === 2 && times.every(Number.isFinite))
			open[id] = [times[0], times[1]];
	return {
		key: stored.key,
		topId: stored.topId as number,
		floorId: stored.floorId as number,
		known: stored.known.filter((id): id is number => Number.isFinite(id)),
		open,
		order: stored.order === 'asc' || stored.order === 'desc' ? stored.order : undefined,
		pageSize: Number.isFinite(stored.pageSize) ? stored.pageSize : undefined,
		count: Number.isFinite(stored.count) ? stored.count : undefined,
	};
}

export interface Look {
	/** Runs newly seen final, each once, in the order found. */
	finished: IDataObject[];
	/** The cursor to store once the caller has used `finished` (a failed look stores nothing). */
	cursor: RunCursor;
}

/** One look at the list since `previous` (undefined: the first look, which returns nothing). */
export async function lookForFinishedRuns(
	context: AacNodeContext,
	list: RunList,
	previous: RunCursor | undefined,
	now: number,
): Promise<Look> {
	const shape: ListShape = {
		order: previous?.order,
		pageSize: previous?.pageSize,
		count: previous?.count,
	};
	const known = new Set(previous?.known ?? []);
	const open: RunCursor['open'] = { ...(previous?.open ?? {}) };
	const finished: IDataObject[] = [];
	const read = new Set<number>();
	let firstPageFloor: number | undefined;
	let pages = 0;
	// Runs in flight below the newest page: read the list down to the oldest of them when that
	// costs fewer requests than reading them one by one (ids may be sparse: an upper bound).
	const oldOpen = previous
		? Object.keys(open)
				.map(Number)
				.filter((id) => id < previous.floorId)
		: [];
	const lowestOpen = oldOpen.length ? Math.min(...oldOpen) : undefined;
	const pagesDown =
		previous && lowestOpen !== undefined
			? Math.ceil((previous.topId - lowestOpen + 1) / (shape.pageSize ?? PAGE_SIZE))
			: Infinity;
	const readDownTo = pagesDown < Math.min(OPEN_CHECKS, oldOpen.length) + 1 ? lowestOpen : undefined;
	for await (const page of newestFirstPages(context, { path: list.path, qs: list.qs }, shape)) {
		pages += 1;
		let lowest = Infinity;
		for (const row of page) {
			const id = numericId(row);
			if (!Number.isFinite(id)) continue;
			lowest = Math.min(lowest, id);
			if (read.has(id)) continue; // a run pushed onto the next page while paging
			read.add(id);
			const final = isTerminalStatus(row.status);
			if (open[id]) {
				if (final) {
					finished.push(row);
					delete open[id];
				}
				continue;
			}
			const isNew =
				previous !== undefined &&
				(id > previous.topId || (id >= previous.floorId && !known.has(id)));
			if (previous === undefined || isNew) {
				if (!final) open[id] = [now, now];
				else if (isNew) finished.push(row);
			}
		}
		firstPageFloor ??= Number.isFinite(lowest) ? lowest : undefined;
		// Far enough: the page reached what the last look saw (or, the first time, its pages), and
		// the runs in flight it chose to read down to.
		if (
			previous
				? lowest <= previous.topId && (readDownTo === undefined || lowest <= readDownTo)
				: pages >= ACTIVATION_PAGES
		)
			break;
	}
	await checkOpenRuns(context, list, open, read, finished, now);

	const ids = [...known, ...read];
	const topId = Math.max(previous?.topId ?? 0, ...ids, 0);
	const floorId = Math.max(previous?.floorId ?? 0, firstPageFloor ?? 0);
	return {
		finished,
		cursor: {
			key: cursorKeyOf(list),
			topId,
			floorId,
			known: [...new Set(ids.filter((id) => id >= floorId))].sort((a, b) => b - a),
			open: boundOpen(open, now),
			...shape,
		},
	};
}

/** Runs in flight that the pages read did not show: read alone, the longest unchecked first. */
async function checkOpenRuns(
	context: AacNodeContext,
	list: RunList,
	open: RunCursor['open'],
	read: Set<number>,
	finished: IDataObject[],
	now: number,
): Promise<void> {
	const due = Object.entries(open)
		.filter(([id]) => !read.has(Number(id)))
		.sort(([, a], [, b]) => a[1] - b[1])
		.slice(0, OPEN_CHECKS);
	for (const [id, times] of due) {
		const row = await list.getOne(context, Number(id));
		if (row === undefined) delete open[id];
		else if (isTerminalStatus(row.status)) {
			finished.push(row);
			delete open[id];
		} else open[id] = [times[0], now];
	}
}

function boundOpen(open: RunCursor['open'], now: number): RunCursor['open'] {
	const kept = Object.entries(open)
		.filter(([, [since]]) => now - since < OPEN_MAX_AGE_MS)
		.sort(([a], [b]) => Number(b) - Number(a))
		.slice(0, MAX_OPEN);
	return Object.fromEntries(kept);
}

/** The newest final run that `matches`, within `maxPages` pages (Fetch Test Event). */
export async function latestFinishedRun(
	context: AacNodeContext,
	list: RunList,
	matches: (row: IDataObject) => Promise<boolean>,
	maxPages = 10,
): Promise<IDataObject | undefined> {
	let pages = 0;
	for await (const page of newestFirstPages(context, { path: list.path, qs: list.qs }, {})) {
		for (const row of page) if (isTerminalStatus(row.status) && (await matches(row))) return row;
		if (++pages >= maxPages) return undefined;
	}
	return undefined;
}

/**
 * A time AAC sent, in ms: ISO with a zone as given, one without a zone read as UTC (not in n8n's
 * time zone), epoch numbers as they are.
 */
export function timeOf(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value !== 'string' || !value.trim()) return undefined;
	const text = value.trim();
	const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !/\d{2}:\d{2}/.test(text);
	const ms = Date.parse(zoned ? text : `${text}Z`);
	return Number.isFinite(ms) ? ms : undefined;
}
