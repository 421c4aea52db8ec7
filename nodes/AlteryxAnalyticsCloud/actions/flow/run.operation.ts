import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { flowLocator, idParameter, showFor } from '../../helpers/descriptions';
import {
	aacGet,
	answeredWithoutRunId,
	durationSeconds,
	idOf,
	runOptionsProperty,
	startRunFor,
	waitForCompletionProperty,
	waitForRunOf,
	type WaitOutcome,
} from '../../helpers/runOperations';
import { cancelJob, jobFailureReason } from '../job/jobOutput';
import { isTerminalStatus } from '../../helpers/waitForRun';
import { runParametersOf, runParametersProperty } from '../runParameters';
import { aacApiRequestAllItems } from '../../transport/aacApi';

const properties: INodeProperties[] = [
	flowLocator('The flow to run (all its recipes with outputs)'),
	waitForCompletionProperty,
	runParametersProperty,
	// Flows: AAC's quota is 20 a minute per user, so 17 after the burst of 3.
	runOptionsProperty([], 17),
];

export const description = showFor('flow', 'run', properties);

/** Every job group of a flow run, paged (limit/offset: the spec's common list parameters). */
async function flowRunJobGroups(
	context: IExecuteFunctions,
	flowRunId: string,
): Promise<IDataObject[]> {
	return await aacApiRequestAllItems.call(
		context,
		{ method: 'GET', path: `/v4/flowRuns/${flowRunId}/jobGroups`, retry: 'read' },
		{ returnAll: true, count: false },
	);
}

async function flowRunJson(
	context: IExecuteFunctions,
	flowRunId: string,
	status: unknown,
	outcome?: WaitOutcome,
): Promise<IDataObject> {
	const run = ((await aacGet(context, `/v4/flowRuns/${flowRunId}`)) ?? {}) as IDataObject;
	const groups = await flowRunJobGroups(context, flowRunId);
	const terminal = isTerminalStatus(status);
	const json: IDataObject = {
		flowRunId,
		status: status ?? null,
		flowId: idOf((run.flow as IDataObject | undefined)?.id) ?? null,
		createdAt: run.createdAt ?? null,
		updatedAt: run.updatedAt ?? null,
		durationSeconds: terminal ? durationSeconds(run.createdAt, run.updatedAt) : null,
		jobs: groups.map((group) => ({
			jobId: idOf(group.id) ?? null,
			status: group.status ?? null,
			recipeId: idOf((group.wrangledDataset as IDataObject | undefined)?.id) ?? null,
		})),
	};
	if (outcome) {
		if (outcome.reason) json.reason = outcome.reason;
		json.polls = outcome.polls;
		json.waitedSeconds = outcome.waitedSeconds;
	}
	return json;
}

/** POST /v4/flows/{id}/run with x-execution-id; waits on GET /v4/flowRuns/{id}/status. */
export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
): Promise<INodeExecutionData[]> {
	const flowId = idParameter(this, 'flowId', itemIndex, 'Flow');
	const wait = this.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
	const body: IDataObject = {};
	const runParameters = runParametersOf(this, itemIndex);
	if (runParameters) body.runParameters = runParameters;
	// AAC has no list of flow runs to search.
	const whereToLook =
		'Job History (filter by the flow), or Job → Get Many (Run By: Current User, Ran From: API)';
	const started = await startRunFor(this, itemIndex, {
		kind: 'flow',
		endpoint: 'runFlow',
		// runAsync: AAC queues the flow's jobs and answers at once; without it the POST waits for
		// them (documented default false; how long it can take is not: contract unknown syncFlowRun).
		request: { method: 'POST', path: `/v4/flows/${flowId}/run`, qs: { runAsync: true }, body },
		targetLabel: `flow ${flowId}`,
		whereToLook,
		runIdOf: (answer) => idOf((answer as IDataObject | undefined)?.flowRunId),
	});
	if (!started.runId)
		throw answeredWithoutRunId(this, itemIndex, started, 'flow run ID', whereToLook);
	const flowRunId = started.runId;
	const extra: IDataObject = {
		executionId: started.executionId,
		alreadyStarted: started.alreadyStarted,
	};
	const getStatus = async () => await aacGet(this, `/v4/flowRuns/${flowRunId}/status`);
	if (!wait)
		return [{ json: { ...(await flowRunJson(this, flowRunId, await getStatus())), ...extra } }];

	const outcome = await waitForRunOf(this, itemIndex, {
		runLabel: `flow run ${flowRunId}`,
		getStatus,
		getReason: async () => {
			const failed = (await flowRunJobGroups(this, flowRunId)).filter(
				(group) => group.status === 'Failed',
			);
			if (!failed.length) return undefined;
			const reason = await jobFailureReason(this, String(failed[0].id));
			return `job ${String(failed[0].id)} failed${reason ? `: ${reason}` : ''}`;
		},
		// AAC cannot cancel a flow run: cancel its job groups.
		cancel: async () => {
			for (const group of await flowRunJobGroups(this, flowRunId)) {
				if (!isTerminalStatus(group.status)) await cancelJob(this, String(group.id));
			}
		},
		resumeHint: `Its jobs can be waited for one by one with Job → Wait (IDs in Job → Get Many), or cancelled with Job → Cancel.`,
	});
	return [{ json: { ...(await flowRunJson(this, flowRunId, outcome.status, outcome)), ...extra } }];
}
