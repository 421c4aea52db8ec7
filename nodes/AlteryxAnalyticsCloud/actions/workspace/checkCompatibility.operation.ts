import {
	NodeApiError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { toNodeError } from '../../helpers/errors';
import { timeOf } from '../../runs/finishedRuns';
import { aacApiRequest } from '../../transport/aacApi';

/*
 * Workspace → Check Compatibility: what AAC's published contract leaves open, asked of the user's
 * own tenant with a handful of cheap GETs (about 15; it never starts, cancels or changes
 * anything). One item per assumption: holds, does not hold, or could not tell, with the evidence
 * (HTTP statuses, counts, ids, never a token). The node is right whichever way each turns out
 * (README → Compatibility says how); the answer tells the maintainers which way AAC went, and a
 * user can paste it into an issue. The assumption ids are the contract's unknowns
 * (standin/contract.json).
 */

export const description: INodeProperties[] = [];

type Result = 'holds' | 'does not hold' | 'could not tell';

interface Finding {
	assumption: string;
	unknown: string;
	result: Result;
	evidence: IDataObject;
	ifNot: string;
}

interface Answer {
	status: number;
	count?: number;
	data: IDataObject[];
}

/** One GET; an error answer is evidence, not a failure (network failures still throw). */
async function ask(context: IExecuteFunctions, path: string, qs: IDataObject): Promise<Answer> {
	try {
		const response = await aacApiRequest.call(context, { method: 'GET', path, qs, retry: 'read' });
		const body = (response.body ?? {}) as { data?: unknown; count?: unknown };
		return {
			status: response.statusCode,
			count: typeof body.count === 'number' ? body.count : undefined,
			data: Array.isArray(body.data) ? (body.data as IDataObject[]) : [],
		};
	} catch (error) {
		if (!(error instanceof NodeApiError) || !error.httpCode || !/^[45]\d\d$/.test(error.httpCode))
			throw toNodeError(context.getNode(), error);
		return { status: Number(error.httpCode), data: [] };
	}
}

const ids = (data: IDataObject[]) => data.map((row) => Number(row.id)).filter(Number.isFinite);

function orderOf(values: number[]): 'descending' | 'ascending' | 'mixed' | 'too few' {
	if (values.length < 2) return 'too few';
	const asc = values.every((v, i) => i === 0 || v >= values[i - 1]);
	const desc = values.every((v, i) => i === 0 || v <= values[i - 1]);
	return desc ? 'descending' : asc ? 'ascending' : 'mixed';
}

async function commaStatusList(context: IExecuteFunctions): Promise<Finding> {
	const path = '/v4/planSnapshotRuns';
	const complete = await ask(context, path, { status: 'Complete', limit: 1, includeCount: true });
	const failed = await ask(context, path, { status: 'Failed', limit: 1, includeCount: true });
	const both = await ask(context, path, {
		status: 'Complete,Failed',
		limit: 5,
		includeCount: true,
	});
	const singles = (complete.count ?? 0) + (failed.count ?? 0);
	const evidence: IDataObject = {
		request: 'GET /v4/planSnapshotRuns?status=Complete,Failed',
		httpStatus: both.status,
		count: both.count ?? null,
		countsOneByOne: { Complete: complete.count ?? null, Failed: failed.count ?? null },
	};
	let result: Result = 'could not tell';
	if (both.status >= 400) result = 'does not hold';
	else if (complete.count === undefined || failed.count === undefined || singles === 0)
		result = 'could not tell';
	else if (both.count === singles) result = 'holds';
	else if (both.count === 0) result = 'does not hold';
	return {
		assumption: '`status` takes several values separated by commas',
		unknown: 'commaStatusList',
		result,
		evidence,
		ifNot: 'Nothing changes: the node never sends such a list; it filters statuses in n8n.',
	};
}

async function planRunDateFilter(context: IExecuteFunctions): Promise<Finding> {
	const path = '/v4/planSnapshotRuns';
	const all = await ask(context, path, { limit: 1, includeCount: true });
	const tomorrow = Date.now() + 24 * 3600_000;
	const future = await ask(context, path, {
		'dateFilter[createdAt][gte]': tomorrow,
		limit: 1,
		includeCount: true,
	});
	let result: Result = 'could not tell';
	if (future.status >= 400) result = 'does not hold';
	else if (!all.count || future.count === undefined) result = 'could not tell';
	else if (future.count === 0) result = 'holds';
	else if (future.count === all.count) result = 'does not hold';
	return {
		assumption: '/v4/planSnapshotRuns honours dateFilter[createdAt][gte]',
		unknown: 'planRunDateFilter',
		result,
		evidence: {
			request: 'GET /v4/planSnapshotRuns?dateFilter[createdAt][gte]=<tomorrow>',
			httpStatus: future.status,
			count: future.count ?? null,
			countWithoutFilter: all.count ?? null,
		},
		ifNot: 'Nothing changes: Plan Run → Get Many applies Created After/Before in n8n.',
	};
}

async function pageSizeAndOrder(context: IExecuteFunctions): Promise<Finding[]> {
	const page = await ask(context, '/v4/jobLibrary', { limit: 100, includeCount: true });
	const served = page.data.length;
	const count = page.count;
	const pageResult: Result =
		count === undefined || page.status >= 400
			? 'could not tell'
			: served >= 100
				? 'holds'
				: served < count
					? 'does not hold'
					: 'could not tell';
	const rowIds = ids(page.data);
	const order = orderOf(rowIds);
	const created = page.data.map((row) => timeOf(row.createdAt) ?? NaN);
	const createdOrder = orderOf(created.filter(Number.isFinite));
	return [
		{
			assumption: 'A page holds 100 items when limit=100 asks for them',
			unknown: 'largestPageSize',
			result: pageResult,
			evidence: {
				request: 'GET /v4/jobLibrary?limit=100',
				httpStatus: page.status,
				served,
				count: count ?? null,
			},
			ifNot:
				'Nothing changes: lists are read on until their count; smaller pages cost more requests.',
		},
		{
			assumption: 'Run lists come newest first when no sort is given',
			unknown: 'defaultSort',
			result:
				order === 'descending'
					? 'holds'
					: order === 'ascending' || order === 'mixed'
						? 'does not hold'
						: 'could not tell',
			evidence: {
				request: 'GET /v4/jobLibrary?limit=100',
				idOrder: order,
				firstIds: rowIds.slice(0, 5),
			},
			ifNot: 'Nothing changes: the triggers and Get Many read an oldest-first list from its end.',
		},
		{
			assumption: 'Run ids grow with creation time',
			unknown: 'runIdOrder',
			result:
				order === 'too few' || createdOrder === 'too few'
					? 'could not tell'
					: order !== 'mixed' && order === createdOrder
						? 'holds'
						: 'does not hold',
			evidence: { idOrder: order, createdAtOrder: createdOrder },
			ifNot:
				'The triggers find new runs by id: runs whose ids do not grow may be emitted late or missed. Please report it.',
		},
	];
}

async function jobRowFlow(context: IExecuteFunctions): Promise<Finding> {
	const plain = await ask(context, '/v4/jobLibrary', { limit: 1 });
	const embedded = await ask(context, '/v4/jobLibrary', { embed: 'wrangledDataset', limit: 1 });
	const row = plain.data[0];
	const recipe = row?.wrangledDataset as IDataObject | undefined;
	const names =
		row === undefined
			? undefined
			: row.flowId !== undefined || (recipe?.flow as IDataObject | undefined)?.id !== undefined;
	return {
		assumption: 'A job-library row names the flow of its job',
		unknown: 'jobRowFlow',
		result: names === undefined ? 'could not tell' : names ? 'holds' : 'does not hold',
		evidence: {
			request: 'GET /v4/jobLibrary?limit=1',
			httpStatus: plain.status,
			rowFields: row ? Object.keys(row).sort() : [],
			wrangledDatasetFields: recipe ? Object.keys(recipe).sort() : [],
			embedWrangledDatasetStatus: embedded.status,
		},
		ifNot:
			"Nothing changes: the node reads each job's recipe once (GET /v4/wrangledDatasets/{id}) and remembers its flow.",
	};
}

async function defaultOwnership(context: IExecuteFunctions): Promise<Finding> {
	const plain = await ask(context, '/v4/plans', { limit: 1, includeCount: true });
	const all = await ask(context, '/v4/plans', {
		ownershipFilter: 'all',
		limit: 1,
		includeCount: true,
	});
	const shared = await ask(context, '/v4/plans', {
		ownershipFilter: 'shared',
		limit: 1,
		includeCount: true,
	});
	let result: Result = 'could not tell';
	if (plain.count !== undefined && all.count !== undefined && shared.count) {
		result = plain.count === all.count ? 'holds' : 'does not hold';
	}
	return {
		assumption: 'Without ownershipFilter, /v4/plans lists plans shared with the user too',
		unknown: 'defaultOwnership',
		result,
		evidence: {
			countWithoutFilter: plain.count ?? null,
			countAll: all.count ?? null,
			countShared: shared.count ?? null,
			sharedPlansVisible: shared.count === undefined ? null : shared.count > 0,
		},
		ifNot:
			'Nothing changes: pickers and Get Many always send ownershipFilter=all (flowsFilter=all).',
	};
}

/** Read-only: about 15 GETs, no POST, PUT, PATCH or DELETE. */
export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const findings: Finding[] = [
		await commaStatusList(this),
		await planRunDateFilter(this),
		...(await pageSizeAndOrder(this)),
		await jobRowFlow(this),
		await defaultOwnership(this),
	];
	const checkedAt = new Date().toISOString();
	return findings.map((finding) => ({
		json: { ...finding, checkedAt } as unknown as IDataObject,
	}));
}
