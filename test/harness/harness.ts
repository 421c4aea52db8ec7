/**
 * Runs n8n workflow JSON in n8n-core's real engine (WorkflowExecute) inside the jest process,
 * with a CredentialsHelper that mirrors the one in the n8n CLI package (not installed here).
 *
 * What is real: WorkflowExecute, node execution contexts, requestWithAuthentication /
 * httpRequestWithAuthentication (including their retry-after-error logic), OutboundHttp,
 * the expression engine, NodeHelpers.getNodeParameters for credential defaults.
 * What is ours: the credential store (an in-memory "database") and CredentialsHelper.
 */
import {
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	PollContext,
	WorkflowExecute,
} from 'n8n-core';
import {
	Expression,
	LoggerProxy,
	NodeHelpers,
	UnexpectedError,
	Workflow,
	createRunExecutionData,
	type ExecutionBaseError,
	type ICredentialType,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
	type IConnections,
	type IRun,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type Logger as WorkflowLogger,
	type WorkflowActivateMode,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

import type { CredentialStore } from './credentialStore';
import { HarnessCredentialsHelper, type SaveSemantics } from './credentialsHelper';
import { logInto, recordingLogger } from './logger';
// Node built-ins, env vars and n8n-core's nested DI container live in nodeEnv.js (see there).
import { createUserFolderIfUnset, registerBackendLogger, removeOwnUserFolder } from './nodeEnv';

// ---------------------------------------------------------------------------------------------
// Process-wide setup (n8n-core uses a global DI container and a global LoggerProxy).

let setUp = false;
// Jest's sandboxed `process` never emits 'exit', so clean up the temp n8n folder in afterAll
// (registered while the test file imports this module; skipped if imported inside a test).
try {
	afterAll(() => {
		removeOwnUserFolder();
	});
} catch {
	// Not at the top level of a jest test file: leave the folder to the OS.
}

/** Process-wide n8n setup (idempotent); createHarness calls it, and so does anything that asks n8n-core's container for a service first. */
export function setUpProcessOnce() {
	if (setUp) return;
	setUp = true;
	// InstanceSettings (constructed by every node execution context) writes an n8n config file
	// with an encryption key into $N8N_USER_FOLDER/.n8n; keep that out of $HOME.
	createUserFolderIfUnset();
	// Legacy = in-process tournament engine; it is n8n-workflow's default, the `vm` engine
	// would need isolated-vm (not built here). Set explicitly so an env var cannot change it.
	Expression.setExpressionEngine('legacy');
	// Register before anything asks for Logger: the real one would LoggerProxy.init itself.
	registerBackendLogger(recordingLogger);
	LoggerProxy.init(recordingLogger as unknown as WorkflowLogger);
	// Everything else (OutboundHttp, SsrfProtectionService, configs, InstanceSettings,
	// ErrorReporter) is an @Service the Container builds on first use; SSRF protection is off
	// by default (N8N_SSRF_PROTECTION_ENABLED), so 127.0.0.1 is reachable.
}

// ---------------------------------------------------------------------------------------------

export interface HarnessOptions {
	nodeTypes: Record<string, INodeType>;
	credentialTypes: Record<string, ICredentialType>;
	store: CredentialStore;
	saveSemantics: SaveSemantics;
}

export interface RunResult {
	/** n8n's own result object. */
	run: IRun;
	/** json of the first output of that node's last run ([] if none). */
	output(nodeName: string): IDataObject[];
	/**
	 * resultData.error. Like every error n8n records, it is a plain-object copy of the thrown
	 * error (`{ ...error, message, stack }`, so name/message/description/httpCode survive), not
	 * an `instanceof Error`.
	 */
	error?: ExecutionBaseError | Error;
	/** The error recorded on that node's last run (same plain-object form). */
	nodeError(nodeName: string): Error | undefined;
}

/** A workflow as tests write it: nodes, connections, optionally a name. */
type WorkflowJson = { nodes: INode[]; connections: IConnections; name?: string };

/** The workflow as n8n's database holds it, which the execution lifecycle hooks are given. */
function workflowRecord(
	workflowJson: WorkflowJson,
	settings?: IWorkflowBase['settings'],
): IWorkflowBase {
	return {
		id: 'harness-workflow',
		name: workflowJson.name ?? 'Harness workflow',
		active: false,
		isArchived: false,
		activeVersionId: null,
		createdAt: new Date(),
		updatedAt: new Date(),
		nodes: workflowJson.nodes,
		connections: workflowJson.connections,
		...(settings ? { settings } : {}),
	};
}

export function createHarness(options: HarnessOptions) {
	setUpProcessOnce();
	const logs: string[] = [];
	const credentialsHelper = new HarnessCredentialsHelper(
		options.credentialTypes,
		options.store,
		options.saveSemantics,
	);
	const nodeTypes: INodeTypes = {
		getByName: (type) => lookup(type),
		getByNameAndVersion: (type, version) => NodeHelpers.getVersionedNodeType(lookup(type), version),
		getKnownTypes: () => ({}),
	};
	function lookup(type: string): INodeType {
		const nodeType = options.nodeTypes[type];
		if (!nodeType) throw new UnexpectedError(`Unknown node type "${type}"`);
		return nodeType;
	}

	function additionalDataFor(
		hooks: ExecutionLifecycleHooks,
		executionId: string,
	): IWorkflowExecuteAdditionalData {
		return {
			credentialsHelper,
			hooks,
			executionId,
			executeWorkflow: async () => {
				throw new Error('executeWorkflow is not supported by the test harness');
			},
			getRunExecutionData: async () => undefined,
			getRuntimeCredential: async () => undefined,
			startRunnerTask: async () => {
				throw new Error('task runners are not supported by the test harness');
			},
			logAiEvent: () => {},
			currentNodeExecutionIndex: 0,
			variables: {},
			restApiUrl: 'http://127.0.0.1:5678/rest',
			instanceBaseUrl: 'http://127.0.0.1:5678',
			formBaseUrl: 'http://127.0.0.1:5678/form',
			formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
			formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
			webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
			webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
			webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
			mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
			mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	let executionCounter = 0;

	/** The Workflow n8n builds from a stored workflow, with this harness's node types. */
	const workflowOf = (record: IWorkflowBase, staticData?: IDataObject) =>
		new Workflow({
			id: record.id,
			name: record.name,
			nodes: record.nodes,
			connections: record.connections,
			active: record.active,
			nodeTypes,
			settings: record.settings,
			...(staticData ? { staticData } : {}),
		});

	async function runWorkflow(
		workflowJson: WorkflowJson,
		startNodeName?: string,
		control: { stop?: AbortSignal } = {},
	): Promise<RunResult> {
		const mode: WorkflowExecuteMode = 'manual';
		const executionId = `harness-${++executionCounter}`;
		const workflowData = workflowRecord(workflowJson, { executionOrder: 'v1' });
		const workflow = workflowOf(workflowData);
		// Workflow.getStartNode() only finds trigger/poll/webhook nodes; test.start is a plain
		// node, so default to the first node without incoming main connections.
		const startNode = startNodeName
			? workflow.getNode(startNodeName)
			: workflowJson.nodes.find((node) => workflow.getParentNodes(node.name, 'main').length === 0);
		if (!startNode) throw new Error(`Start node ${startNodeName ?? '(auto)'} not found`);

		const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
		const additionalData = additionalDataFor(hooks, executionId);

		const run: IRun = await logInto(logs, async () => {
			const running = new WorkflowExecute(additionalData, mode, createRunExecutionData()).run({
				workflow,
				startNode,
			});
			// What n8n's "Stop execution" does: cancel the PCancelable, which aborts the execution's
			// cancel signal (getExecutionCancelSignal); the run then resolves as canceled.
			control.stop?.addEventListener('abort', () => running.cancel(), { once: true });
			if (control.stop?.aborted) running.cancel();
			return await running;
		});

		const runData = () => run.data.resultData.runData;
		return {
			run,
			error: run.data.resultData.error,
			output(nodeName) {
				const last = runData()[nodeName]?.at(-1);
				return (last?.data?.main?.[0] ?? []).map((item) => item.json);
			},
			nodeError(nodeName) {
				return runData()[nodeName]?.at(-1)?.error;
			},
		};
	}

	/**
	 * The context n8n gives a node's list search (resource locator "From List") or load-options
	 * method for `nodeName` of the workflow, as the editor asks it (n8n-core's LoadOptionsContext).
	 */
	function loadOptionsContext(
		workflowJson: WorkflowJson,
		nodeName: string,
		path: string,
	): LoadOptionsContext {
		const workflowData = workflowRecord(workflowJson);
		const workflow = workflowOf(workflowData);
		const node = workflow.getNode(nodeName);
		if (!node) throw new Error(`Node ${nodeName} not found`);
		const executionId = `harness-load-options-${++executionCounter}`;
		const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowData);
		return new LoadOptionsContext(workflow, node, additionalDataFor(hooks, executionId), path);
	}

	/**
	 * One poll of a polling trigger as n8n's poller runs it: n8n-core's real PollContext for
	 * `nodeName` (mode 'trigger'; 'manual' is "Fetch Test Event"), `poll()` called on it, over the
	 * workflow static data given (n8n-workflow's ObservableObject over it, so mutated in place, as
	 * n8n keeps it in memory between polls; a test round-trips it through JSON to act out a
	 * restart). Returns what poll() returned.
	 */
	async function pollOnce(
		workflowJson: WorkflowJson,
		nodeName: string,
		staticData: IDataObject,
		pollOptions: { mode?: WorkflowExecuteMode; activation?: WorkflowActivateMode } = {},
	): Promise<INodeExecutionData[][] | null> {
		const mode = pollOptions.mode ?? 'trigger';
		const workflowData = {
			...workflowRecord(workflowJson, { executionOrder: 'v1' }),
			active: true,
		};
		const workflow = workflowOf(workflowData, staticData);
		const node = workflow.getNode(nodeName);
		if (!node) throw new Error(`Node ${nodeName} not found`);
		const poll = lookup(node.type).poll;
		if (typeof poll !== 'function') throw new Error(`${node.type} has no poll()`);
		const executionId = `harness-poll-${++executionCounter}`;
		const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
		const context = new PollContext(
			workflow,
			node,
			additionalDataFor(hooks, executionId),
			mode,
			pollOptions.activation ?? 'activate',
		);
		return await logInto(logs, async () => await poll.call(context));
	}

	/**
	 * A polling trigger as n8n activates it: one PollContext for `nodeName` (mode 'trigger', the
	 * activation mode given, 'init' by default: n8n starting), whose poll() every call of `poll`
	 * runs again, as n8n's cron runs the same context every time (the activation's first poll
	 * included). pollOnce makes a new context per call instead.
	 */
	function poller(
		workflowJson: WorkflowJson,
		nodeName: string,
		staticData: IDataObject,
		pollOptions: { activation?: WorkflowActivateMode } = {},
	) {
		const workflowData = {
			...workflowRecord(workflowJson, { executionOrder: 'v1' }),
			active: true,
		};
		const workflow = workflowOf(workflowData, staticData);
		const node = workflow.getNode(nodeName);
		if (!node) throw new Error(`Node ${nodeName} not found`);
		const poll = lookup(node.type).poll;
		if (typeof poll !== 'function') throw new Error(`${node.type} has no poll()`);
		const executionId = `harness-poller-${++executionCounter}`;
		const hooks = new ExecutionLifecycleHooks('trigger', executionId, workflowData);
		const context = new PollContext(
			workflow,
			node,
			additionalDataFor(hooks, executionId),
			'trigger',
			pollOptions.activation ?? 'init',
		);
		return {
			context,
			poll: async (): Promise<INodeExecutionData[][] | null> =>
				await logInto(logs, async () => await poll.call(context)),
		};
	}

	/**
	 * The additionalData n8n hands a trigger's HookContext and WebhookContext (n8n-core's real
	 * contexts) for `workflow`, with fields laid over it (webhookBaseUrl, httpRequest, httpResponse).
	 */
	function triggerAdditionalData(
		workflow: Workflow,
		overrides: Partial<IWorkflowExecuteAdditionalData> = {},
	): IWorkflowExecuteAdditionalData {
		const executionId = `harness-trigger-${++executionCounter}`;
		const workflowData = {
			...workflowRecord({
				name: workflow.name,
				nodes: Object.values(workflow.nodes),
				connections: workflow.connectionsBySourceNode,
			}),
			id: workflow.id,
			active: true,
		};
		const hooks = new ExecutionLifecycleHooks('trigger', executionId, workflowData);
		return {
			...additionalDataFor(hooks, executionId),
			...overrides,
		} as IWorkflowExecuteAdditionalData;
	}

	return {
		runWorkflow,
		loadOptionsContext,
		pollOnce,
		poller,
		triggerAdditionalData,
		nodeTypes,
		logs,
	};
}
