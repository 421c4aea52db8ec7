import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { idOf } from '../../helpers/values';
import { getPlanRun, planRunJson, waitForPlanRun } from '../../runs/planRun';
import type { StartRunResult } from '../../runs/startRun';
import { showFor } from '../descriptions';
import { idParameter, planLocator } from '../../methods/locators';
import { executeRun, runProperties } from '../runOperation';

const properties: INodeProperties[] = runProperties(planLocator('The plan to run'), [
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
						description:
							'Text, or a JSON object such as {"variable": {"value": "2026-01-01"}}; which shapes AAC takes is not documented, and a JSON object is sent as an object',
					},
				],
			},
		],
	},
]);

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
	const overrides = (
		(this.getNodeParameter('planNodeOverrides.override', itemIndex, []) as IDataObject[]) ?? []
	).map((o) => ({
		handle: String(o.handle ?? ''),
		overrideKey: String(o.overrideKey ?? ''),
		value: overrideValue(o.value),
	}));
	return await executeRun(this, itemIndex, {
		start: {
			kind: 'plan',
			endpoint: 'runPlan',
			request: {
				method: 'POST',
				path: `/v4/plans/${planId}/run`,
				body: overrides.length ? { planNodeOverrides: overrides } : {},
			},
			targetLabel: `plan ${planId}`,
			whereToLook:
				'Plans → the plan → Runs, or Plan Run → Get Many (Run By: Current User, Ran From: API)',
			runIdOf: (body) => idOf((body as IDataObject | undefined)?.planSnapshotRunId),
		},
		idLabel: 'plan run ID',
		check: (started) => checkStarted(this, itemIndex, planId, started),
		answerFields: (answer) =>
			answer.validationStatus === undefined ? {} : { validationStatus: answer.validationStatus },
		now: async (planRunId) => planRunJson(await getPlanRun(this, planRunId)),
		waitFor: async (planRunId, wait) => await waitForPlanRun(this, planRunId, wait),
	});
}

/**
 * Spec: the answer always carries planSnapshotRunId, but only a Valid plan is queued; with
 * MissingFlowReferences (flows or outputs the plan refers to were deleted) nothing runs.
 */
function checkStarted(
	context: IExecuteFunctions,
	itemIndex: number,
	planId: string,
	started: StartRunResult,
): void {
	const validationStatus = started.answer.validationStatus;
	if (validationStatus === undefined || validationStatus === 'Valid') return;
	const missing = Array.isArray(started.answer.missingFlowReferences)
		? ` Missing: ${JSON.stringify(started.answer.missingFlowReferences).slice(0, 300)}.`
		: '';
	throw new NodeOperationError(
		context.getNode(),
		`AAC did not start plan ${planId}: validationStatus ${String(validationStatus)}`,
		{
			description:
				(validationStatus === 'MissingFlowReferences'
					? "Some flows or outputs that the plan's tasks refer to were deleted or are not shared with the token's user. Open the plan in AAC and fix its tasks, then run it again."
					: 'AAC queues only a Valid plan.') +
				missing +
				(started.runId
					? ` The plan run ID AAC answered with (${started.runId}) will not run.`
					: ''),
			itemIndex,
		},
	);
}

/**
 * An override's value as AAC takes it. What planNodeOverrides[].value may be is undocumented (a
 * oneOf the spec's generator dropped; the spec's other override values are objects: contract
 * unknown planNodeOverrideValue): a JSON object typed in the field goes as that object, any other
 * text as a string.
 */
function overrideValue(value: unknown): unknown {
	if (typeof value !== 'string' || !value.trim().startsWith('{')) return value;
	try {
		const parsed: unknown = JSON.parse(value);
		return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : value;
	} catch {
		return value;
	}
}
