import type { IDataObject } from 'n8n-workflow';

import { listQuery, pagingOf } from './descriptions';
import type { ListReader } from './getMany';
import { timeOf } from '../runs/finishedRuns';
import { newestFirstPages } from '../transport/newestFirst';

/*
 * Get Many of a run list (Plan Run → Get Many on /v4/planSnapshotRuns, Job → Get Many on
 * /v4/jobLibrary), newest first. Only documented filters go to AAC: one status (never several
 * separated by commas: contract unknown commaStatusList), runBy, ranfrom, and on the job library
 * its documented dateFilter[createdAt]. Everything is applied again in n8n, so a filter AAC
 * ignores (dateFilter on plan runs: unknown planRunDateFilter) changes nothing; with Created After
 * the reading stops at the first page older than it (runs come newest first).
 */

export interface RunListSpec {
	path: '/v4/planSnapshotRuns' | '/v4/jobLibrary';
	/** The list documents dateFilter[createdAt][gte|lt] (the job library). */
	createdFilter: boolean;
}

export const runListReader =
	(spec: RunListSpec): ListReader =>
	async (context, itemIndex, filters) => {
		const query = listQuery(context, itemIndex, filters);
		const statuses = Array.isArray(filters.status) ? (filters.status as string[]) : [];
		const after = query['dateFilter[createdAt][gte]'] as number | undefined;
		const before = query['dateFilter[createdAt][lt]'] as number | undefined;
		const qs: IDataObject = {};
		if (statuses.length === 1) qs.status = statuses[0];
		if (query.runBy) qs.runBy = query.runBy;
		if (query.ranfrom) qs.ranfrom = query.ranfrom;
		if (spec.createdFilter) {
			if (after !== undefined) qs['dateFilter[createdAt][gte]'] = after;
			if (before !== undefined) qs['dateFilter[createdAt][lt]'] = before;
		}
		const { returnAll, limit } = pagingOf(context, itemIndex);
		const wanted = returnAll ? Infinity : Math.max(0, limit);
		const runs: IDataObject[] = [];
		if (wanted === 0) return runs;
		const seen = new Set<string>();
		for await (const page of newestFirstPages(context, { path: spec.path, qs }, {})) {
			let older = 0;
			for (const run of page) {
				const key = String(run.id);
				if (seen.has(key)) continue;
				seen.add(key);
				const created = timeOf(run.createdAt);
				if (after !== undefined && created !== undefined && created < after) {
					older += 1;
					continue;
				}
				if (before !== undefined && created !== undefined && created >= before) continue;
				if (statuses.length && !statuses.includes(String(run.status))) continue;
				runs.push(run);
				if (runs.length >= wanted) return runs;
			}
			if (page.length && older === page.length) break;
		}
		return runs;
	};
