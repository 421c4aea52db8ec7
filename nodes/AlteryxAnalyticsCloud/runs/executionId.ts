import { createHash } from 'crypto';
import type { IExecuteFunctions } from 'n8n-workflow';

import { runsAsTool } from '../helpers/tool';

/*
 * The x-execution-id of a run POST: what makes AAC start a run once (a repeat answers 304).
 *
 * x-execution-id. Every run POST carries one (AAC's spec: a repeat with the same id answers 304
 * and starts nothing). Ours is built from what n8n keeps the same when it repeats the same work:
 *   n8n:<instance>:<workflow id>:<execution id>:<node id>:<run index>:<item index>
 * - Retry On Fail re-runs the node inside the same execution: same execution id, node, run index
 *   (n8n-core passes the same runIndex to every try) and item index, so the same header: a retry
 *   after an ambiguous POST (502, reset) cannot start a second run.
 * - The run index separates the node's runs in a loop (Loop Over Items runs it once per batch with
 *   item indexes starting at 0 again): each batch starts its own runs.
 * - As an AI agent's tool (Tools Agent, MCP Server Trigger), n8n-core gives every Retry On Fail
 *   attempt of one tool call a new run index: there the run index is replaced by a hash of the
 *   tool call's input, which every attempt shares. A retry after a lost answer, or after the run
 *   ended Failed, gets 304 and reports that run; the model asking again with the same input in the
 *   same execution gets the same answer.
 * - A re-delivered webhook, or retrying a failed execution from n8n's list, is a NEW execution with
 *   a new id: the derived header does not stop it. For that the operation has the option Run Key:
 *   a value that is the same on redelivery (a delivery id from the webhook's headers or body). It
 *   is hashed with the instance and the workflow (so keys that differ anywhere, in punctuation,
 *   non-ASCII letters or past any length, give different headers, and the same key in another
 *   workflow or instance does not collide); node, run index and item index stay in.
 * - The instance id (its first 16 characters) keeps two n8n instances (dev and prod with the same
 *   imported workflow, same node ids, both at execution 123) from colliding in one AAC workspace,
 *   which would make AAC silently not start the second one's run.
 *
 */

export interface ExecutionIdParts {
	instanceId?: string;
	workflowId?: string;
	executionId?: string;
	nodeId: string;
	runIndex: number;
	itemIndex: number;
	/** The Run Key option: replaces the execution id (hashed with instance and workflow). */
	runKey?: string;
	/** As an AI tool: the tool call's input (JSON), which replaces the run index. */
	toolInput?: string;
}

/** AAC's header length limit is undocumented; keep ids short and printable. */
const MAX_PART = 64;

function part(value: string | undefined, fallback: string): string {
	const text = (value ?? '').replace(/[^A-Za-z0-9._~-]/g, '_');
	return text ? text.slice(0, MAX_PART) : fallback;
}

const digest = (text: string, length: number) =>
	createHash('sha256').update(text).digest('hex').slice(0, length);

export function buildExecutionId(parts: ExecutionIdParts): string {
	const run =
		parts.toolInput === undefined ? String(parts.runIndex) : `tool-${digest(parts.toolInput, 16)}`;
	const where = `${part(parts.nodeId, 'node')}:${run}:${parts.itemIndex}`;
	if (parts.runKey !== undefined && parts.runKey !== '') {
		const key = digest(
			JSON.stringify([parts.instanceId ?? '', parts.workflowId ?? '', parts.runKey]),
			32,
		);
		return `n8n-key:${key}:${where}`;
	}
	return `n8n:${part(parts.instanceId, 'i').slice(0, 16)}:${part(parts.workflowId, 'w')}:${part(parts.executionId, 'e')}:${where}`;
}

/** x-execution-id for this item (what keeps it stable: above). */
export function executionIdFor(
	context: IExecuteFunctions,
	itemIndex: number,
	runKey: string | undefined,
): string {
	const node = context.getNode();
	let runIndex = 0;
	try {
		runIndex = Number(context.getWorkflowDataProxy(itemIndex).$runIndex) || 0;
	} catch {
		runIndex = 0;
	}
	// As a tool, each Retry On Fail attempt has a run index of its own; the call's input is shared.
	const toolInput = runsAsTool(node)
		? JSON.stringify(context.getInputData()[itemIndex]?.json ?? {})
		: undefined;
	return buildExecutionId({
		instanceId: context.getInstanceId?.(),
		workflowId: String(context.getWorkflow().id ?? ''),
		executionId: context.getExecutionId?.(),
		nodeId: node.id ?? node.name,
		runIndex,
		itemIndex,
		runKey,
		toolInput,
	});
}
