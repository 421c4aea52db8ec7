import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { toNodeError } from '../helpers/errors';
import { outputFilterFor } from '../helpers/tool';
import * as accessToken from './accessToken/AccessToken.resource';
import * as connection from './connection/Connection.resource';
import * as flow from './flow/Flow.resource';
import * as job from './job/Job.resource';
import * as plan from './plan/Plan.resource';
import * as planRun from './planRun/PlanRun.resource';
import * as user from './user/User.resource';
import * as workspace from './workspace/Workspace.resource';

/** An API operation: runs once per item and returns that item's output items. */
export interface ItemOperation {
	description: INodeProperties[];
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
	/**
	 * True when an item costs one GET and changes nothing in AAC: its items may then run
	 * CONCURRENT_ITEMS at a time. Not for anything that starts, cancels or waits for a run (a
	 * failure must stop the next item from starting work), nor for Get Many (each item pages on
	 * its own, a burst of CONCURRENT_ITEMS × pages).
	 */
	concurrentItems?: boolean;
}

/**
 * Items of a concurrentItems operation in flight at once. At 50–100 ms per request over the
 * internet, 8 give 80–160 items a second (1,000 Gets in 6–12 s instead of 50–100 s one after
 * another); more would go faster until the ~2 ms of CPU per item binds, but as a larger burst.
 * AAC's quotas are per endpoint per minute (20–60 a user on the run endpoints; quotas of the read
 * endpoints are not documented, ../shared/notes/aac-api.md): concurrency changes how fast reads
 * arrive, not how many a quota allows, and an item that gets a 429 waits what x-retry-after says
 * (transport/aacApi.ts), so at most 8 items wait at once.
 */
export const CONCURRENT_ITEMS = 8;

/**
 * resource value → operation value → operation module. Each resource file lists its operations
 * in `operations` (adding one there registers it here).
 */
const itemResources: Record<string, Record<string, ItemOperation>> = {
	connection: connection.operations,
	flow: flow.operations,
	job: job.operations,
	plan: plan.operations,
	planRun: planRun.operations,
	user: user.operations,
	workspace: workspace.operations,
};

/**
 * Access Token: one token decision per execution, whatever the number of items: 100 items cost
 * at most one refresh, and every item gets the same token.
 */
async function accessTokenOnce(
	context: IExecuteFunctions,
	operation: string,
): Promise<INodeExecutionData[]> {
	const items = context.getInputData();
	const run = accessToken.operations[operation as keyof typeof accessToken.operations];
	if (!run)
		throw new NodeOperationError(
			context.getNode(),
			`The operation "${operation}" is not known for Access Token`,
		);
	let json: IDataObject;
	try {
		json = await run.execute.call(context);
	} catch (error) {
		const nodeError = toNodeError(context.getNode(), error);
		if (!context.continueOnFail()) throw nodeError;
		return items.map((_, index) => ({
			json: { error: nodeError.message },
			pairedItem: { item: index },
		}));
	}
	// No token goes to an AI model: as a tool, or for n8n's Instance AI (see helpers/tool.ts).
	const out = outputFilterFor(context)(json);
	return items.map((_, index) => ({ json: { ...out }, pairedItem: { item: index } }));
}

/** What an item that failed gives with Continue On Fail: the message, and AAC's status and request ID when known. */
function errorItem(
	error: NodeApiError | NodeOperationError,
	itemIndex: number,
): INodeExecutionData {
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	if (error instanceof NodeApiError && error.httpCode) json.httpCode = error.httpCode;
	return { json, pairedItem: { item: itemIndex } };
}

/** One item's outcome: its output items, or the error it failed with. */
type ItemOutcome = { results: INodeExecutionData[] } | { error: NodeApiError | NodeOperationError };

async function runItem(
	context: IExecuteFunctions,
	handler: ItemOperation,
	itemIndex: number,
	forCaller: (json: IDataObject) => IDataObject,
): Promise<ItemOutcome> {
	try {
		const results = await handler.execute.call(context, itemIndex);
		return {
			results: results.map((result) => ({
				...result,
				json: forCaller(result.json),
				pairedItem: { item: itemIndex },
			})),
		};
	} catch (error) {
		const nodeError = toNodeError(context.getNode(), error);
		if (nodeError.context.itemIndex === undefined) nodeError.context.itemIndex = itemIndex;
		return { error: nodeError };
	}
}

/**
 * Runs every item, at most `concurrency` at a time, and gives their outcomes in item order.
 * Items start in index order; once one fails and `stopOnFailure`, no further item starts. Every
 * item below the failing one has started by then and is awaited, so the lowest-index failure is
 * among the outcomes, as when items run one after another. Items above it that are already in
 * flight are awaited too (not aborted: they only read; a 429 wait among them delays the error)
 * and their outcomes are dropped by the caller; so a failure costs at most concurrency − 1 GETs
 * more than one after another would.
 */
async function runItems(
	context: IExecuteFunctions,
	handler: ItemOperation,
	count: number,
	concurrency: number,
	stopOnFailure: boolean,
): Promise<ItemOutcome[]> {
	const outcomes: ItemOutcome[] = new Array(count);
	const forCaller = outputFilterFor(context);
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (next < count && !(failed && stopOnFailure)) {
			const itemIndex = next++;
			const outcome = await runItem(context, handler, itemIndex, forCaller);
			outcomes[itemIndex] = outcome;
			if ('error' in outcome) failed = true;
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	return outcomes.slice(0, next);
}

/** Dispatches on resource and operation; owns the item loop, pairedItem and Continue On Fail. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	if (resource === 'accessToken') return [await accessTokenOnce(this, operation)];

	const handler = itemResources[resource]?.[operation];
	if (!handler)
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operation}" is not known for resource "${resource}"`,
		);

	const continueOnFail = this.continueOnFail();
	const outcomes = await runItems(
		this,
		handler,
		this.getInputData().length,
		handler.concurrentItems ? CONCURRENT_ITEMS : 1,
		!continueOnFail,
	);
	const returnData: INodeExecutionData[] = [];
	for (const [itemIndex, outcome] of outcomes.entries()) {
		if ('results' in outcome) {
			returnData.push(...outcome.results);
		} else {
			if (!continueOnFail) throw outcome.error;
			returnData.push(errorItem(outcome.error, itemIndex));
		}
	}
	return [returnData];
}
