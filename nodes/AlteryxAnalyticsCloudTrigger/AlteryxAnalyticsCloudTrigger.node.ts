import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import {
	flowLocator,
	planLocator,
	recipeLocator,
	runFilters,
} from '../AlteryxAnalyticsCloud/helpers/descriptions';
import {
	pollFinishedRuns,
	storeCursor,
	type FinishedRunEvent,
	type FinishedRunFilters,
} from '../AlteryxAnalyticsCloud/helpers/finishedRuns';
import { TERMINAL_STATUSES, isTerminalStatus } from '../AlteryxAnalyticsCloud/helpers/waitForRun';
import {
	searchFlows,
	searchPlans,
	searchRecipes,
} from '../AlteryxAnalyticsCloud/methods/listSearch';
import { CREDENTIAL_TYPE } from '../AlteryxAnalyticsCloud/n8nAdapter';

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
		const outcome = await pollFinishedRuns(this, event, filters, staticData, {
			manual: this.getMode() === 'manual',
			now: Date.now(),
		});
		// Only after every request of the poll succeeded: a failed poll leaves the cursor as it was.
		if (outcome.cursor) storeCursor(staticData, outcome.cursor);
		return outcome.items.length ? [this.helpers.returnJsonArray(outcome.items)] : null;
	}
}
