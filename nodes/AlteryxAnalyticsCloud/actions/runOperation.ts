import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import {
	answeredWithoutRunId,
	startRunFor,
	type StartRunResult,
	type StartSpec,
} from '../runs/startRun';
import type { WaitValues } from '../runs/waitForRun';
import { readRunOptions, runOptionsProperty, waitForCompletionProperty } from './runOptions';

/*
 * What the three Run operations (Plan → Run, Job → Run, Flow → Run) share: their head (what to
 * run, Wait for Completion, then their own fields and the Options), and their execution: the
 * item's options read once, the run started once (runs/startRun.ts), a success without the run's
 * id said as such, then the run's output at once or after the wait, with how it was started.
 */

/** A Run operation's properties: the target's picker, Wait for Completion, its own fields, Options. */
export function runProperties(
	target: INodeProperties,
	fields: INodeProperties[],
	options: INodeProperties = runOptionsProperty(),
): INodeProperties[] {
	return [target, waitForCompletionProperty, ...fields, options];
}

export interface RunOperationSpec {
	start: StartSpec;
	/** "plan run ID", for the message when AAC's answer lacks it. */
	idLabel: string;
	/** Throws when the answer says the run did not start (Plan → Run: validationStatus). */
	check?: (started: StartRunResult) => void;
	/** Fields of the answer the output keeps. */
	answerFields?: (answer: IDataObject) => IDataObject;
	/** The run as it is now (Wait for Completion off). */
	now: (runId: string) => Promise<IDataObject>;
	/** The run once it ended. */
	waitFor: (runId: string, wait: WaitValues) => Promise<IDataObject>;
}

export async function executeRun(
	context: IExecuteFunctions,
	itemIndex: number,
	spec: RunOperationSpec,
): Promise<INodeExecutionData[]> {
	const values = readRunOptions(context, itemIndex);
	const wait = context.getNodeParameter('waitForCompletion', itemIndex, true) as boolean;
	const started = await startRunFor(context, itemIndex, spec.start, values);
	spec.check?.(started);
	if (!started.runId)
		throw answeredWithoutRunId(context, itemIndex, started, spec.idLabel, spec.start.whereToLook);
	const how: IDataObject = {
		executionId: started.executionId,
		alreadyStarted: started.alreadyStarted,
		...spec.answerFields?.(started.answer as IDataObject),
	};
	const run = wait ? await spec.waitFor(started.runId, values.wait) : await spec.now(started.runId);
	return [{ json: { ...run, ...how } }];
}
