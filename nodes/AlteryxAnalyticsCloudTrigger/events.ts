import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { jobFailureReason } from '../AlteryxAnalyticsCloud/runs/job';
import { isNotVisible, toNodeError } from '../AlteryxAnalyticsCloud/helpers/errors';
import { planRunJson } from '../AlteryxAnalyticsCloud/runs/planRun';
import { idOf, objectOf } from '../AlteryxAnalyticsCloud/helpers/values';
import { durationSeconds, type TerminalStatus } from '../AlteryxAnalyticsCloud/runs/status';
import { aacGetIfExists } from '../AlteryxAnalyticsCloud/transport/aacApi';
import { timeOf, type RunList } from '../AlteryxAnalyticsCloud/runs/finishedRuns';
import { recipeOfJob, type RecipeMemory } from '../AlteryxAnalyticsCloud/runs/recipes';

/*
 * The polling trigger's two events: which AAC list each reads (with the documented single-value
 * filters only: runBy, ranfrom, and embed=plan where the spec's model has the association), how a
 * finished run is matched against the node's filters (in n8n: AAC is never trusted to have applied
 * an undocumented one), when it finished, and the item it becomes.
 */

export type FinishedRunEvent = 'planRunFinished' | 'jobFinished';

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

export interface EventSource {
	list: RunList;
	/** The run passes the node's filters (reading its recipe when a flow filter needs it). */
	matches(run: IDataObject): Promise<boolean>;
	/** When it finished, for the oldest-first order of one poll's items. */
	finishedAtMs(run: IDataObject): number;
	toJson(run: IDataObject): Promise<IDataObject>;
}

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
/** An ISO time as AAC sent it, zone-less ones as UTC. */
const isoOf = (value: unknown): string | null => {
	const ms = timeOf(value);
	return ms === undefined ? null : new Date(ms).toISOString();
};

/** The documented list filters for who ran it and how. */
function serverFilters(filters: FinishedRunFilters): IDataObject {
	const qs: IDataObject = {};
	if (filters.runBy === 'currentUser') qs.runBy = 'currentUser';
	if (filters.ranfrom) qs.ranfrom = filters.ranfrom;
	return qs;
}

/**
 * Filters AAC may not carry the field for: checked in n8n when the run says (a plan run in the
 * spec says neither who nor how: contract unknown planRunWho), else left to the list's filter.
 */
function whoAndHowMatch(run: IDataObject, filters: FinishedRunFilters, currentUserId?: string) {
	if (filters.ranfrom && typeof run.ranfrom === 'string' && run.ranfrom !== filters.ranfrom)
		return false;
	const creator = idOf(objectOf(run.creator)?.id);
	if (filters.runBy === 'currentUser' && currentUserId && creator && creator !== currentUserId)
		return false;
	return true;
}

const statusMatches = (run: IDataObject, filters: FinishedRunFilters) =>
	filters.statuses.includes(run.status as TerminalStatus);

export function planRunEvent(context: IPollFunctions, filters: FinishedRunFilters): EventSource {
	return {
		list: {
			path: '/v4/planSnapshotRuns',
			qs: { ...serverFilters(filters), embed: 'plan' },
			getOne: async (ctx, id) =>
				await aacGetIfExists(ctx, `/v4/planSnapshotRuns/${id}`, { embed: 'plan' }),
		},
		matches: async (run) =>
			statusMatches(run, filters) &&
			(!filters.planId || idOf(objectOf(run.plan)?.id) === filters.planId) &&
			whoAndHowMatch(run, filters),
		finishedAtMs: (run) => timeOf(run.finishedAt) ?? timeOf(run.updatedAt) ?? 0,
		toJson: async (run) => ({
			event: 'planRunFinished',
			...planRunJson({
				...run,
				createdAt: isoOf(run.createdAt),
				startedAt: isoOf(run.startedAt),
				finishedAt: isoOf(run.finishedAt ?? run.updatedAt),
			}),
			planName: nameOf(run.plan),
			ranBy: ranByOf(run),
			ranfrom: run.ranfrom ?? null,
			// AAC's plan run has no failure reason of its own; its jobs do (Job → Get).
			failureReason: null,
		}),
	};
}

export function jobEvent(
	context: IPollFunctions,
	filters: FinishedRunFilters,
	recipes: RecipeMemory,
): EventSource {
	const recipeOf = async (run: IDataObject) => await recipeOfJob(context, run, recipes);
	return {
		list: {
			path: '/v4/jobLibrary',
			qs: serverFilters(filters),
			getOne: async (ctx, id) => await aacGetIfExists(ctx, `/v4/jobGroups/${id}`),
		},
		matches: async (run) => {
			if (!statusMatches(run, filters) || !whoAndHowMatch(run, filters)) return false;
			if (filters.recipeId && idOf(objectOf(run.wrangledDataset)?.id) !== filters.recipeId)
				return false;
			if (filters.flowId && (await recipeOf(run)).flowId !== filters.flowId) return false;
			return true;
		},
		// A job group has no finishedAt: the first time it is seen final, updatedAt is when it got there.
		finishedAtMs: (run) => timeOf(run.updatedAt) ?? 0,
		toJson: async (run) => {
			const recipe = await recipeOf(run);
			const jobId = idOf(run.id) ?? null;
			return {
				event: 'jobFinished',
				jobId,
				status: run.status ?? null,
				recipeId: recipe.recipeId,
				recipeName: recipe.recipeName,
				flowId: recipe.flowId,
				flowRunId: idOf(objectOf(run.flowrun)?.id) ?? null,
				ranBy: ranByOf(run),
				ranfrom: run.ranfrom ?? null,
				createdAt: isoOf(run.createdAt),
				// The job library does not say when a job group started running.
				startedAt: isoOf(run.startedAt),
				finishedAt: isoOf(run.updatedAt),
				durationSeconds: durationSeconds(
					isoOf(run.startedAt ?? run.createdAt),
					isoOf(run.updatedAt),
				),
				// One request per failed job; a reason AAC will not show (another user's job: 403; deleted:
				// 404) is null, and the poll goes on.
				failureReason:
					run.status === 'Failed' && jobId
						? ((await readableReason(context, jobId)) ?? null)
						: null,
			};
		},
	};
}

async function readableReason(context: IPollFunctions, jobId: string): Promise<string | undefined> {
	try {
		return await jobFailureReason(context, jobId);
	} catch (error) {
		if (isNotVisible(error)) return undefined;
		throw toNodeError(context.getNode(), error);
	}
}
