import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import { runFilters } from '../AlteryxAnalyticsCloud/runs/runFilters';
import { flowLocator, planLocator, recipeLocator } from '../AlteryxAnalyticsCloud/methods/locators';
import { TERMINAL_STATUSES, isTerminalStatus } from '../AlteryxAnalyticsCloud/runs/status';
import {
	searchFlows,
	searchPlans,
	searchRecipes,
} from '../AlteryxAnalyticsCloud/methods/listSearch';
import { CREDENTIAL_TYPE } from '../AlteryxAnalyticsCloud/helpers/n8nAdapter';
import {
	latestFinishedRun,
	lookForFinishedRuns,
	readCursor,
} from '../AlteryxAnalyticsCloud/runs/finishedRuns';
import type { RecipeMemory } from '../AlteryxAnalyticsCloud/runs/recipes';
import { jobEvent, planRunEvent, type FinishedRunEvent, type FinishedRunFilters } from './events';

/** Static data keys (the node's own static data). */
const CURSOR_KEY = 'finishedRuns';
const RECIPES_KEY = 'recipes';

/** Run By and Ran From as the run lists (Get Many) offer them. */
const runFilter = (name: 'runBy' | 'ranfrom'): INodeProperties =>
	runFilters.find((candidate) => candidate.name === name) as INodeProperties;

const forEvent = (event: FinishedRunEvent, extra: IDataObject = {}) => ({
	show: { event: [event], ...extra },
});

/** An optional picker: the shared locator, empty meaning "any". */
const optional = <T extends { required?: boolean; description?: string }>(
	property: T,
	description: string,
): T => ({
	...property,
	required: false,
	description,
});

export class AlteryxAnalyticsCloudTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alteryx Analytics Cloud Trigger',
		name: 'alteryxAnalyticsCloudTrigger',
		icon: { light: 'file:alteryx.svg', dark: 'file:alteryx.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"] === "jobFinished" ? "Job finished" : "Plan run finished"}}',
		description:
			'Starts the workflow when an Alteryx Analytics Cloud plan run or job finishes (polls AAC; works behind NAT)',
		documentationUrl:
			'https://www.npmjs.com/package/n8n-nodes-alteryx-analytics-cloud#alteryx-analytics-cloud-trigger',
		defaults: { name: 'Alteryx Analytics Cloud Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Plan Run Finished',
						value: 'planRunFinished',
						description: 'A plan run reached Complete, Failed or Canceled',
					},
					{
						name: 'Job Finished',
						value: 'jobFinished',
						description: 'A job (one run of a recipe) reached Complete, Failed or Canceled',
					},
				],
				default: 'planRunFinished',
			},
			{
				displayName: 'Final Status',
				name: 'statuses',
				type: 'multiOptions',
				options: [
					{ name: 'Canceled', value: 'Canceled' },
					{ name: 'Complete', value: 'Complete' },
					{ name: 'Failed', value: 'Failed' },
				],
				default: ['Canceled', 'Complete', 'Failed'],
				description: 'Only runs that ended in one of these (empty: any)',
			},
			{
				...optional(planLocator(''), 'Only runs of this plan (empty: any plan)'),
				displayOptions: forEvent('planRunFinished'),
			},
			{
				displayName: 'Jobs Of',
				name: 'jobsOf',
				type: 'options',
				options: [
					{ name: 'Any Recipe', value: 'any' },
					{ name: 'A Flow', value: 'flow' },
					{ name: 'A Recipe', value: 'recipe' },
				],
				default: 'any',
				displayOptions: forEvent('jobFinished'),
			},
			{
				...optional(flowLocator(''), 'Only jobs of recipes in this flow'),
				displayOptions: forEvent('jobFinished', { jobsOf: ['flow'] }),
			},
			{
				...optional(recipeLocator(''), 'Only jobs of this recipe'),
				displayOptions: forEvent('jobFinished', { jobsOf: ['recipe'] }),
			},
			runFilter('runBy'),
			{
				...runFilter('ranfrom'),
				displayName: 'Started From',
				default: '',
				options: [{ name: 'Anywhere', value: '' }, ...(runFilter('ranfrom').options ?? [])],
			},
		],
	};

	methods = {
		listSearch: { searchFlows, searchPlans, searchRecipes },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event') as FinishedRunEvent;
		const chosen = (this.getNodeParameter('statuses', []) as string[]).filter(isTerminalStatus);
		const locator = (name: string) =>
			String(this.getNodeParameter(name, '', { extractValue: true }) ?? '').trim() || undefined;
		const jobsOf =
			event === 'jobFinished' ? (this.getNodeParameter('jobsOf', 'any') as string) : 'any';
		const filters: FinishedRunFilters = {
			statuses: chosen.length ? chosen : [...TERMINAL_STATUSES],
			planId: event === 'planRunFinished' ? locator('planId') : undefined,
			flowId: jobsOf === 'flow' ? locator('flowId') : undefined,
			recipeId: jobsOf === 'recipe' ? locator('recipeId') : undefined,
			runBy: this.getNodeParameter('runBy', 'all') === 'currentUser' ? 'currentUser' : 'all',
			ranfrom: this.getNodeParameter('ranfrom', '') as FinishedRunFilters['ranfrom'],
		};
		const staticData = this.getWorkflowStaticData('node');
		// A working copy: what a failed poll learned is not kept.
		const recipes = { ...((staticData[RECIPES_KEY] as RecipeMemory | undefined) ?? {}) };
		const source =
			event === 'jobFinished' ? jobEvent(this, filters, recipes) : planRunEvent(this, filters);

		if (this.getMode() === 'manual') {
			// Fetch Test Event: the newest matching finished run (a few pages at most); nothing stored.
			const latest = await latestFinishedRun(this, source.list, source.matches);
			return latest ? [this.helpers.returnJsonArray([await source.toJson(latest)])] : null;
		}

		const look = await lookForFinishedRuns(
			this,
			source.list,
			readCursor(staticData[CURSOR_KEY], source.list),
			Date.now(),
		);
		const matching: IDataObject[] = [];
		for (const run of look.finished) if (await source.matches(run)) matching.push(run);
		// Oldest first, by the finish time the item shows; runs that finished together by id.
		matching.sort(
			(a, b) => source.finishedAtMs(a) - source.finishedAtMs(b) || Number(a.id) - Number(b.id),
		);
		const items: IDataObject[] = [];
		for (const run of matching) items.push(await source.toJson(run));
		// Only after every request of the poll succeeded: a failed poll leaves the state as it was.
		staticData[CURSOR_KEY] = look.cursor as unknown as IDataObject;
		staticData[RECIPES_KEY] = recipes as unknown as IDataObject;
		return items.length ? [this.helpers.returnJsonArray(items)] : null;
	}
}
