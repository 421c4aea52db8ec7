import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { showFor } from '../descriptions';
import { idParameter } from '../../methods/locators';
import { aacApiRequest } from '../../transport/aacApi';

const properties: INodeProperties[] = [
	{
		displayName: 'Plan Run ID',
		name: 'planRunId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '={{ $json.planRunId }}',
		description: 'The ID of the plan run (planSnapshotRunId), e.g. from a Run operation',
	},
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
];

/** One GET per item that changes nothing: items run concurrently (actions/router.ts). */
export const concurrentItems = true;

export const description = showFor('planRun', 'get', properties);

/** GET /v4/planSnapshotRuns/{id}: status (Created, InProgress, Complete, Failed, Canceled) and times. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const planRunId = idParameter(this, 'planRunId', itemIndex, 'Plan Run ID');
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const response = await aacApiRequest.call(this, {
		method: 'GET',
		path: `/v4/planSnapshotRuns/${planRunId}`,
		qs: options.includePlan ? { embed: 'plan' } : undefined,
		retry: 'read',
	});
	return [{ json: (response.body ?? {}) as IDataObject }];
}
