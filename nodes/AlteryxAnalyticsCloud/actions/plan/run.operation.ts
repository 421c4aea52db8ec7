import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { idParameter, planLocator, showFor } from '../../helpers/descriptions';
import {
	aacGet,
	idOf,
	runOptionsProperty,
	startRunFor,
	waitForCompletionProperty,
} from '../../helpers/runOperations';
import { getPlanRun, planRunJson, waitForPlanRun } from '../planRun/planRunOutput';

const properties: INodeProperties[] = [
	planLocator('The plan to run'),
	waitForCompletionProperty,
	{
		displayName: 'Plan Node Overrides',
		name: 'planNodeOverrides',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Override',
		default: {},
		description:
			"Values that replace a plan task's parameters for this run (AAC's planNodeOverrides)",
		options: [
			{
				displayName: 'Override',
				name: 'override',
				values: [
					{
						displayName: 'Handle',
						name: 'handle',
						type: 'string',
						default: '',
						description: 'The plan node (task) the override is for, as AAC names it in the plan',
					},
					{
						displayName: 'Override Key',
						name: 'overrideKey',
						type: 'string',
						default: '',
						description: 'The parameter to override',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
					},
				],
			},
		],
	},
	runOptionsProperty(),
];

export const description = showFor('plan', 'run', properties);

/**
 * POST /v4/plans/{id}/run with x-execution-id (never repeated but after 429), then, with Wait for
 * Completion, poll the plan run until it ends.
 */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const planId = idParameter(this, 'planId', itemIndex, 'Plan');
	const wait = this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
	const overrides = (
		(this.getNodeParameter('planNodeOverrides.override', itemIndex, []) as IDataObject[]) ?? []
	).map((o) => ({
		handle: String(o.handle ?? ''),
		overrideKey: String(o.overrideKey ?? ''),
		value: o.value,
	}));
	const started = await startRunFor(this, itemIndex, {
		kind: 'plan',
		endpoint: 'runPlan',
		request: {
			method: 'POST',
			path: `/v4/plans/${planId}/run`,
			body: overrides.length ? { planNodeOverrides: overrides } : {},
		},
		targetLabel: `plan ${planId}`,
		whereToLook: `Plans → the plan → Runs, or Plan Run → Get Many (Run By: Current User, Ran From: API)`,
		runIdOf: (body) => idOf((body as IDataObject | undefined)?.planSnapshotRunId),
		// After a 304: this user's API runs of this plan since the first attempt.
		findCandidates: async (sinceMs) => {
			const body = (await aacGet(this, '/v4/planSnapshotRuns', {
				runBy: 'currentUser',
				ranfrom: 'api',
				'dateFilter[createdAt][gte]': Math.floor(sinceMs),
				limit: 100,
			})) as { data?: IDataObject[] } | undefined;
			return (body?.data ?? [])
				.filter((run) => idOf((run.plan as IDataObject | undefined)?.id) === planId)
				.map((run) => idOf(run.id) ?? '')
				.filter(Boolean);
		},
	});
	if (!started.runId) {
		const validationStatus = started.answer.validationStatus;
		throw new NodeOperationError(
			this.getNode(),
			`AAC did not start plan ${planId}${validationStatus ? ` (validationStatus ${String(validationStatus)})` : ''}`,
			{
				description:
					validationStatus === 'MissingFlowReferences'
						? "The plan refers to flows that are missing or not shared with the token's user. Open the plan in AAC and fix its tasks."
						: 'AAC answered without a plan run ID.',
				itemIndex,
			},
		);
	}
	const extra: IDataObject = {
		executionId: started.executionId,
		alreadyStarted: started.alreadyStarted,
	};
	if (started.foundBy) extra.foundBy = started.foundBy;
	if (started.answer.validationStatus !== undefined)
		extra.validationStatus = started.answer.validationStatus;
	if (!wait) {
		return [{ json: { ...planRunJson(await getPlanRun(this, started.runId)), ...extra } }];
	}
	return [{ json: { ...(await waitForPlanRun(this, itemIndex, started.runId)), ...extra } }];
}
