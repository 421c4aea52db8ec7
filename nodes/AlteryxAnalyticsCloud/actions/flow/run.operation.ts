import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { idOf } from '../../helpers/values';
import { flowRunJson, waitForFlowRun } from '../../runs/flowRun';
import { showFor } from '../descriptions';
import { flowLocator, idParameter } from '../../methods/locators';
import { defaultRunsPerMinute } from '../../runs/runPace';
import { executeRun, runProperties } from '../runOperation';
import { runOptionsProperty } from '../runOptions';
import { runParametersOf, runParametersProperty } from '../runParameters';

const properties: INodeProperties[] = runProperties(
	flowLocator('The flow to run (all its recipes with outputs)'),
	[runParametersProperty],
	// Flows: AAC's quota is 20 a minute per user, so 17 after the burst of 3.
	runOptionsProperty([], defaultRunsPerMinute('runFlow')),
);

export const description = showFor('flow', 'run', properties);

/** POST /v4/flows/{id}/run with x-execution-id; waits on GET /v4/flowRuns/{id}/status. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const flowId = idParameter(this, 'flowId', itemIndex, 'Flow');
	const body: IDataObject = {};
	const runParameters = runParametersOf(this, itemIndex);
	if (runParameters) body.runParameters = runParameters;
	return await executeRun(this, itemIndex, {
		start: {
			kind: 'flow',
			endpoint: 'runFlow',
			// runAsync: AAC queues the flow's jobs and answers at once; without it the POST waits for
			// them (documented default false; how long it can take is not: contract unknown syncFlowRun).
			request: { method: 'POST', path: `/v4/flows/${flowId}/run`, qs: { runAsync: true }, body },
			targetLabel: `flow ${flowId}`,
			// AAC has no list of flow runs to search.
			whereToLook:
				'Job History (filter by the flow), or Job → Get Many (Run By: Current User, Ran From: API)',
			runIdOf: (answer) => idOf((answer as IDataObject | undefined)?.flowRunId),
		},
		idLabel: 'flow run ID',
		now: async (flowRunId) => await flowRunJson(this, flowRunId),
		waitFor: async (flowRunId, wait) => await waitForFlowRun(this, flowRunId, wait),
	});
}
