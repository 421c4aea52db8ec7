import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter, runIdProperty } from '../../methods/locators';
import { readRunOptions, waitOptionsProperty } from '../runOptions';
import { waitForPlanRun } from '../../runs/planRun';

const properties: INodeProperties[] = [
	runIdProperty('Plan Run ID', 'The ID of the plan run to wait for (planRunId from Plan → Run)'),
	waitOptionsProperty(),
];

export const description = showFor('planRun', 'wait', properties);

/** Polls GET /v4/planSnapshotRuns/{id} until Complete, Failed or Canceled. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const planRunId = idParameter(this, 'planRunId', itemIndex, 'Plan Run ID');
	return [{ json: await waitForPlanRun(this, planRunId, readRunOptions(this, itemIndex).wait) }];
}
