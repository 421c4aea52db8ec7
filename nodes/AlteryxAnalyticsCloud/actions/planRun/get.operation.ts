import type { IDataObject } from 'n8n-workflow';

import { idParameter, runIdProperty } from '../../methods/locators';
import { readOperation } from '../read';

/** GET /v4/planSnapshotRuns/{id}: status (Created, InProgress, Complete, Failed, Canceled) and times. */
export const { concurrentItems, description, execute } = readOperation({
	resource: 'planRun',
	operation: 'get',
	properties: [
		runIdProperty(
			'Plan Run ID',
			'The ID of the plan run (planSnapshotRunId), e.g. from a Run operation',
		),
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [
				{
					displayName: 'Include Plan',
					name: 'includePlan',
					type: 'boolean',
					default: false,
					description: 'Whether to embed the plan (name and details) in the run',
				},
			],
		},
	],
	request: (context, itemIndex) => {
		const planRunId = idParameter(context, 'planRunId', itemIndex, 'Plan Run ID');
		const options = context.getNodeParameter('options', itemIndex, {}) as IDataObject;
		return {
			path: `/v4/planSnapshotRuns/${planRunId}`,
			qs: options.includePlan ? { embed: 'plan' } : undefined,
		};
	},
});
