import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { idParameter, recipeLocator, showFor } from '../../helpers/descriptions';
import {
	answeredWithoutRunId,
	idOf,
	runOptionsProperty,
	startRunFor,
	waitForCompletionProperty,
} from '../../helpers/runOperations';
import { runParametersOf, runParametersProperty } from '../runParameters';
import { jobJson, waitForJob } from './jobOutput';

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

const properties: INodeProperties[] = [
	recipeLocator('The recipe (wrangled dataset) to run'),
	waitForCompletionProperty,
	runParametersProperty,
	runOptionsProperty(executionOptions),
];

export const description = showFor('job', 'run', properties);

/** POST /v4/jobGroups { wrangledDataset: { id } } with x-execution-id, then optionally wait. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const recipeId = idParameter(this, 'recipeId', itemIndex, 'Recipe');
	const wait = this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
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

	const whereToLook = 'Job History, or Job → Get Many (Run By: Current User, Ran From: API)';
	const started = await startRunFor(this, itemIndex, {
		kind: 'recipe',
		endpoint: 'runJobGroup',
		request: { method: 'POST', path: '/v4/jobGroups', body },
		targetLabel: `recipe ${recipeId}`,
		whereToLook,
		runIdOf: (answer) => idOf((answer as IDataObject | undefined)?.id),
	});
	if (!started.runId) throw answeredWithoutRunId(this, itemIndex, started, 'job ID', whereToLook);
	const extra: IDataObject = {
		executionId: started.executionId,
		alreadyStarted: started.alreadyStarted,
	};
	const json = wait
		? await waitForJob(this, itemIndex, started.runId)
		: await jobJson(this, started.runId);
	return [{ json: { ...json, ...extra } }];
}
