import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { jobFailureReason } from '../actions/job/jobOutput';
import { planRunJson } from '../actions/planRun/planRunOutput';
import { aacApiRequestAllItems } from '../transport/aacApi';
import { durationSeconds, idOf } from './runOperations';
import type { TerminalStatus } from './waitForRun';

/*
 * Runs that reached a final state since the last poll: what the polling trigger emits.
 *
 * The cursor, kept in the node's static data (JSON, so it survives restarts):
 * - `floorMs`: runs that finished before it are never emitted (the list is asked for
 *   updatedAt >= floorMs, so a poll costs requests for recent runs only, however long the history);
 * - `seen`: id → finish time of every run emitted (or already finished at activation) whose finish
 *   time is >= floorMs. A run is emitted when it finished at or after the floor and is not in `seen`:
 *   runs that share a timestamp are told apart by id, and a run that shows up late (it finished
 *   while the previous poll was paging, or AAC listed it a little after its finish time) is still
 *   caught while its finish time is within OVERLAP_MS of the newest one seen.
 * - After each poll the floor moves up to (newest finish seen - OVERLAP_MS), and ids below it
 *   are dropped; at most MAX_SEEN ids are kept (the floor moves up further if more finished within
 *   the overlap), so the state stays small.
 *
 * The new cursor is computed from a poll's answers and written only after every request of the
 * poll succeeded: a failed poll leaves the static data as it was, and the next poll asks again.
 * The first poll after activation (no cursor, or one for other settings) records what has already
 * finished and emits nothing. AAC's timestamps are compared with each other only, never with
 * n8n's clock, except for that first floor (n8n's now - OVERLAP_MS, which also absorbs skew).
 */

export type FinishedRunEvent = 'planRunFinished' | 'jobFinished';

/** How late a run may show up in AAC's list after its finish time and still be emitted. */
export const OVERLAP_MS = 10 * 60 * 1000;
/** Bound of the id set kept in static data. */
export const MAX_SEEN = 500;
/** Static data key (the node's own static data). */
const STATE_KEY = 'finishedRuns';

export interface FinishedRunFilters {
	statuses: TerminalStatus[];
	/** Plan runs of this plan only. */
	planId?: string;
	/** Jobs of this flow / recipe only. */
	flowId?: string;
	recipeId?: string;
	runBy: 'all' | 'currentUser';
	/** '' for any. */
	ranfrom: '' | 'schedule' | 'api' | 'ui';
}

export interface FinishedRunsCursor {
	/** Which settings the cursor belongs to: changing them starts afresh. */
	key: string;
	floorMs: number;
	seen: Record<string, number>;
}

interface EventSource {
	path: string;
	/** The list's query for these filters (embeds for names, status, who, how started). */
	query(filters: FinishedRunFilters): IDataObject;
	/** When a run in a final state finished (ms), from AAC's fields. */
	finishedAtMs(run: IDataObject): number | undefined;
	/** Filters AAC's list cannot apply. */
	matches(run: IDataObject, filters: FinishedRunFilters): boolean;
	/** The output item. */
	toJson(context: IPollFunctions, run: IDataObject): Promise<IDataObject>;
}

const time = (value: unknown): number | undefined => {
	const ms =
		typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
	return Number.isFinite(ms) ? ms : undefined;
};
const objectOf = (value: unknown): IDataObject | undefined =>
	value && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;
const nameOf = (value: unknown): string | null => {
	const name = objectOf(value)?.name;
	return typeof name === 'string' ? name : null;
};
const ranByOf = (run: IDataObject): IDataObject | null => {
	const creator = objectOf(run.creator);
	if (!creator) return null;
	return {
		id: idOf(creator.id) ?? null,
		...(typeof creator.email === 'string' ? { email: creator.email } : {}),
		...(typeof creator.name === 'string' ? { name: creator.name } : {}),
	};
};

function commonQuery(filters: FinishedRunFilters): IDataObject {
	const qs: IDataObject = { status: filters.statuses.join(',') };
	if (filters.runBy === 'currentUser') qs.runBy = 'currentUser';
	if (filters.ranfrom) qs.ranfrom = filters.ranfrom;
	return qs;
}

const SOURCES: Record<FinishedRunEvent, EventSource> = {
	planRunFinished: {
		path: '/v4/planSnapshotRuns',
		query: (filters) => ({ ...commonQuery(filters), embed: 'plan' }),
		finishedAtMs: (run) => time(run.finishedAt) ?? time(run.updatedAt),
		matches: (run, filters) => !filters.planId || idOf(objectOf(run.plan)?.id) === filters.planId,
		toJson: async (_context, run) => ({
			event: 'planRunFinished',
			...planRunJson(run),
			planName: nameOf(run.plan),
			ranBy: ranByOf(run),
			ranfrom: run.ranfrom ?? null,
			// AAC's plan run has no failure reason of its own; its jobs do (Job → Get).
			failureReason: null,
		}),
	},
	jobFinished: {
		path: '/v4/jobLibrary',
		query: (filters) => ({ ...commonQuery(filters), embed: 'wrangledDataset' }),
		// A job group has no finishedAt: once it is final, updatedAt is when it got there.
		finishedAtMs: (run) => time(run.updatedAt),
		matches: (run, filters) => {
			const recipe = objectOf(run.wrangledDataset);
			if (filters.recipeId && idOf(recipe?.id) !== filters.recipeId) return false;
			if (filters.flowId && idOf(objectOf(recipe?.flow)?.id) !== filters.flowId) return false;
			return true;
		},
		toJson: async (context, run) => {
			const recipe = objectOf(run.wrangledDataset);
			const jobId = idOf(run.id) ?? null;
			return {
				event: 'jobFinished',
				jobId,
				status: run.status ?? null,
				recipeId: idOf(recipe?.id) ?? null,
				recipeName: nameOf(recipe),
				flowId: idOf(objectOf(recipe?.flow)?.id) ?? null,
				flowRunId: idOf(objectOf(run.flowrun)?.id) ?? null,
				ranBy: ranByOf(run),
				ranfrom: run.ranfrom ?? null,
				createdAt: run.createdAt ?? null,
				// The job library does not say when a job group started running.
				startedAt: run.startedAt ?? null,
				finishedAt: run.updatedAt ?? null,
				durationSeconds: durationSeconds(run.startedAt ?? run.createdAt, run.updatedAt),
				// One request per failed job: its jobs carry AAC's error message.
				failureReason:
					run.status === 'Failed' && jobId
						? ((await jobFailureReason(context, jobId)) ?? null)
						: null,
			};
		},
	},
};

/** The cursor's identity: a cursor made for other settings is not reused. */
export function cursorKey(event: FinishedRunEvent, filters: FinishedRunFilters): string {
	return JSON.stringify([
		event,
		[...filters.statuses].sort(),
		filters.planId ?? '',
		filters.flowId ?? '',
		filters.recipeId ?? '',
		filters.runBy,
		filters.ranfrom,
	]);
}

/** The stored cursor when it is well-formed and belongs to these settings. */
export function readCursor(staticData: IDataObject, key: string): FinishedRunsCursor | undefined {
	const stored = objectOf(staticData[STATE_KEY]);
	if (
		!stored ||
		stored.key !== key ||
		typeof stored.floorMs !== 'number' ||
		!Number.isFinite(stored.floorMs)
	)
		return undefined;
	const seen: Record<string, number> = {};
	for (const [id, at] of Object.entries(objectOf(stored.seen) ?? {}))
		if (typeof at === 'number' && Number.isFinite(at)) seen[id] = at;
	return { key, floorMs: stored.floorMs, seen };
}

/** The next cursor after `finished` (id → finish time) was seen: floor moved up, ids bounded. */
export function advanceCursor(
	cursor: FinishedRunsCursor,
	finished: Record<string, number>,
): FinishedRunsCursor {
	const seen: Record<string, number> = { ...cursor.seen, ...finished };
	const newest = Math.max(cursor.floorMs, ...Object.values(seen));
	let floorMs = Math.max(cursor.floorMs, newest - OVERLAP_MS);
	const times = Object.values(seen)
		.filter((at) => at >= floorMs)
		.sort((a, b) => a - b);
	// Too many finished within the overlap: raise the floor to the oldest time that keeps MAX_SEEN.
	// Runs that share that time are kept together, or, if that would still be too many, dropped
	// together by moving the floor just past them: below the floor nothing is emitted, so an id
	// leaves the set only when the floor excludes it anyway.
	if (times.length > MAX_SEEN) {
		floorMs = times[times.length - MAX_SEEN];
		if (times.filter((at) => at >= floorMs).length > MAX_SEEN) floorMs += 1;
	}
	const kept: Record<string, number> = {};
	for (const [id, at] of Object.entries(seen)) if (at >= floorMs) kept[id] = at;
	return { key: cursor.key, floorMs, seen: kept };
}

async function listFinished(
	context: IPollFunctions,
	event: FinishedRunEvent,
	filters: FinishedRunFilters,
	sinceMs?: number,
	limit?: number,
) {
	const source = SOURCES[event];
	const qs = source.query(filters);
	// updatedAt, not createdAt: a run created long ago that finished now must be found, and AAC
	// stamps updatedAt when a run reaches its final state.
	if (sinceMs !== undefined) qs['dateFilter[updatedAt][gte]'] = Math.floor(sinceMs);
	const runs = await aacApiRequestAllItems.call(
		context,
		{ method: 'GET', path: source.path, qs, retry: 'read' },
		limit === undefined ? { returnAll: true } : { returnAll: false, limit },
	);
	const finished: Array<{ run: IDataObject; id: string; at: number }> = [];
	// Runs that finish while the poll pages push the list down: a run can come on two pages.
	const ids = new Set<string>();
	for (const run of runs) {
		const id = idOf(run.id);
		const at = source.finishedAtMs(run);
		if (id === undefined || at === undefined || ids.has(id)) continue;
		ids.add(id);
		// AAC's status filter is applied again here: a server that ignores it must not start workflows.
		if (!filters.statuses.includes(run.status as TerminalStatus) || !source.matches(run, filters))
			continue;
		finished.push({ run, id, at });
	}
	// Oldest first; runs that finished at the same instant by id.
	finished.sort((a, b) => a.at - b.at || Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));
	return finished;
}

export interface PollOutcome {
	items: IDataObject[];
	/** The cursor to store (undefined: leave the static data as it is). */
	cursor?: FinishedRunsCursor;
}

/**
 * One poll. `manual` ("Fetch Test Event"): the latest matching finished run, cursor untouched.
 * Otherwise: the runs that finished since the cursor, oldest first, and the next cursor.
 */
export async function pollFinishedRuns(
	context: IPollFunctions,
	event: FinishedRunEvent,
	filters: FinishedRunFilters,
	staticData: IDataObject,
	options: { manual: boolean; now: number },
): Promise<PollOutcome> {
	const source = SOURCES[event];
	if (options.manual) {
		// The newest page is enough: AAC lists runs newest first.
		const latest = (await listFinished(context, event, filters, undefined, 25)).at(-1);
		return { items: latest ? [await source.toJson(context, latest.run)] : [] };
	}
	const key = cursorKey(event, filters);
	const cursor = readCursor(staticData, key);
	if (!cursor) {
		const floorMs = options.now - OVERLAP_MS;
		const already = await listFinished(context, event, filters, floorMs);
		return {
			items: [],
			cursor: advanceCursor(
				{ key, floorMs, seen: {} },
				Object.fromEntries(already.map((f) => [f.id, f.at])),
			),
		};
	}
	const fresh = (await listFinished(context, event, filters, cursor.floorMs)).filter(
		(f) => f.at >= cursor.floorMs && cursor.seen[f.id] === undefined,
	);
	const items: IDataObject[] = [];
	for (const f of fresh) items.push(await source.toJson(context, f.run));
	return {
		items,
		cursor: advanceCursor(cursor, Object.fromEntries(fresh.map((f) => [f.id, f.at]))),
	};
}

/** Writes the cursor into the node's static data (in place: n8n saves that object). */
export function storeCursor(staticData: IDataObject, cursor: FinishedRunsCursor): void {
	staticData[STATE_KEY] = {
		key: cursor.key,
		floorMs: cursor.floorMs,
		seen: cursor.seen,
	} as unknown as IDataObject;
}
