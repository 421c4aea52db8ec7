import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter, runIdProperty } from '../../methods/locators';
import { cancelPlanRun, planRunJson } from '../../runs/planRun';

const properties: INodeProperties[] = [
	runIdProperty('Plan Run ID', 'The ID of the plan run to cancel'),
];

export const description = showFor('planRun', 'cancel', properties);

/** POST /v4/planSnapshotRuns/{id}/cancel: a run already finished is answered unchanged. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const planRunId = idParameter(this, 'planRunId', itemIndex, 'Plan Run ID');
	return [{ json: planRunJson(await cancelPlanRun(this, planRunId)) }];
}
