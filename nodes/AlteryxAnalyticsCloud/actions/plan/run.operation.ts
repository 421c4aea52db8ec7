import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { idParameter, planLocator, showFor } from '../../helpers/descriptions';
import {
	answeredWithoutRunId,
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
						description:
							'Text, or a JSON object such as {"variable": {"value": "2026-01-01"}}; which shapes AAC takes is not documented, and a JSON object is sent as an object',
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
		value: overrideValue(o.value),
	}));
	const whereToLook = `Plans → the plan → Runs, or Plan Run → Get Many (Run By: Current User, Ran From: API)`;
	const started = await startRunFor(this, itemIndex, {
		kind: 'plan',
		endpoint: 'runPlan',
		request: {
			method: 'POST',
			path: `/v4/plans/${planId}/run`,
			body: overrides.length ? { planNodeOverrides: overrides } : {},
		},
		targetLabel: `plan ${planId}`,
		whereToLook,
		runIdOf: (body) => idOf((body as IDataObject | undefined)?.planSnapshotRunId),
	});
	// Spec: the answer always carries planSnapshotRunId, but only a Valid plan is queued; with
	// MissingFlowReferences (flows or outputs the plan refers to were deleted) nothing runs.
	const validationStatus = started.answer.validationStatus;
	if (validationStatus !== undefined && validationStatus !== 'Valid') {
		const missing = Array.isArray(started.answer.missingFlowReferences)
			? ` Missing: ${JSON.stringify(started.answer.missingFlowReferences).slice(0, 300)}.`
			: '';
		throw new NodeOperationError(
			this.getNode(),
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
	if (!started.runId)
		throw answeredWithoutRunId(this, itemIndex, started, 'plan run ID', whereToLook);
	const extra: IDataObject = {
		executionId: started.executionId,
		alreadyStarted: started.alreadyStarted,
	};
	if (validationStatus !== undefined) extra.validationStatus = validationStatus;
	if (!wait) {
		return [{ json: { ...planRunJson(await getPlanRun(this, started.runId)), ...extra } }];
	}
	return [{ json: { ...(await waitForPlanRun(this, itemIndex, started.runId)), ...extra } }];
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
