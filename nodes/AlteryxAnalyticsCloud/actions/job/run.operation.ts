import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { idOf } from '../../helpers/values';
import { jobJson, waitForJob } from '../../runs/job';
import { showFor } from '../descriptions';
import { idParameter, recipeLocator } from '../../methods/locators';
import { executeRun, runProperties } from '../runOperation';
import { runOptionsProperty } from '../runOptions';
import { runParametersOf, runParametersProperty } from '../runParameters';

const executionOptions: INodeProperties[] = [
	{
		displayName: 'Ignore Recipe Errors',
		name: 'ignoreRecipeErrors',
		type: 'boolean',
		default: false,
		description: "Whether to run even if the recipe has errors (AAC's ignoreRecipeErrors)",
	},
	{
		displayName: 'Profile Results',
		name: 'profiler',
		type: 'boolean',
		default: false,
		description: 'Whether AAC profiles the results (overrides.profiler)',
	},
	{
		displayName: 'Running Environment',
		name: 'execution',
		type: 'string',
		default: '',
		placeholder: 'photon',
		description:
			"Where the job runs (overrides.execution), e.g. photon; empty: the recipe's default",
	},
];

const properties: INodeProperties[] = runProperties(
	recipeLocator('The recipe (wrangled dataset) to run'),
	[runParametersProperty],
	runOptionsProperty(executionOptions),
);

export const description = showFor('job', 'run', properties);

/** POST /v4/jobGroups { wrangledDataset: { id } } with x-execution-id, then optionally wait. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const recipeId = idParameter(this, 'recipeId', itemIndex, 'Recipe');
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const body: IDataObject = { wrangledDataset: { id: Number(recipeId) } };
	const overrides: IDataObject = {};
	if (typeof options.execution === 'string' && options.execution.trim())
		overrides.execution = options.execution.trim();
	if (options.profiler !== undefined) overrides.profiler = options.profiler === true;
	if (Object.keys(overrides).length) body.overrides = overrides;
	const runParameters = runParametersOf(this, itemIndex);
	if (runParameters) body.runParameters = runParameters;
	if (options.ignoreRecipeErrors === true) body.ignoreRecipeErrors = true;
	return await executeRun(this, itemIndex, {
		start: {
			kind: 'recipe',
			endpoint: 'runJobGroup',
			request: { method: 'POST', path: '/v4/jobGroups', body },
			targetLabel: `recipe ${recipeId}`,
			whereToLook: 'Job History, or Job → Get Many (Run By: Current User, Ran From: API)',
			runIdOf: (answer) => idOf((answer as IDataObject | undefined)?.id),
		},
		idLabel: 'job ID',
		now: async (jobId) => await jobJson(this, jobId),
		waitFor: async (jobId, wait) => await waitForJob(this, jobId, wait),
	});
}
