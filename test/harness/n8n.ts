/**
 * Runs n8n workflow JSON in n8n-core's real engine (WorkflowExecute) inside the jest process,
 * with a CredentialsHelper that mirrors the one in the n8n CLI package (not installed here).
 *
 * What is real: WorkflowExecute, node execution contexts, requestWithAuthentication /
 * httpRequestWithAuthentication (including their retry-after-error logic), OutboundHttp,
 * the expression engine, NodeHelpers.getNodeParameters for credential defaults.
 * What is ours: the credential store (an in-memory "database") and CredentialsHelper.
 */
import { ExecutionLifecycleHooks, LoadOptionsContext, WorkflowExecute, getAdditionalKeys } from 'n8n-core';
import {
  Expression,
  ICredentials,
  ICredentialsHelper,
  LoggerProxy,
  NodeHelpers,
  UnexpectedError,
  Workflow,
  createRunExecutionData,
  deepCopy,
  isExpression,
  type ExecutionBaseError,
  type ICredentialDataDecryptedObject,
  type ICredentialsEncrypted,
  type ICredentialsExpressionResolveValues,
  type ICredentialType,
  type IDataObject,
  type IExecuteData,
  type IHttpRequestHelper,
  type IHttpRequestOptions,
  type INode,
  type INodeCredentialsDetails,
  type INodeParameters,
  type INodeProperties,
  type INodeType,
  type INodeTypes,
  type IConnections,
  type IRequestOptionsSimplified,
  type IRun,
  type IWorkflowBase,
  type IWorkflowExecuteAdditionalData,
  type Logger as WorkflowLogger,
  type WorkflowExecuteMode,
} from 'n8n-workflow';

// Node built-ins, env vars and n8n-core's nested DI container live in nodeEnv.js (see there).
import {
  createUserFolderIfUnset,
  registerBackendLogger,
  removeOwnUserFolder,
  withErrorMessageSuffix,
} from './nodeEnv';

export type SaveSemantics = 'n8n1' | 'n8n2';

type StoredCredential = { id: string; name: string; type: string; data: Record<string, unknown> };

const clone = <T>(value: T): T => structuredClone(value);

/** The credentials table: what n8n keeps (encrypted) in its database. */
export class CredentialStore {
  private readonly rows = new Map<string, StoredCredential>();
  readonly saves: Array<{ id: string; data: Record<string, unknown>; at: number }> = [];

  constructor(entries: StoredCredential[]) {
    for (const entry of entries) this.rows.set(entry.id, clone(entry));
  }

  /** Deep copy of what is stored now. */
  read(id: string): Record<string, unknown> {
    return clone(this.row(id).data);
  }

  /** A person editing the credential in the UI (not recorded as a save). */
  write(id: string, data: Record<string, unknown>): void {
    this.row(id).data = clone(data);
  }

  row(id: string): StoredCredential {
    const row = this.rows.get(id);
    // n8n throws CredentialNotFoundError here; the message is close enough for tests.
    if (!row) throw new Error(`Credential with ID "${id}" does not exist`);
    return row;
  }

  /** What CredentialsHelper.updateCredentials does: replace the stored data wholesale. */
  save(id: string, data: Record<string, unknown>): void {
    this.row(id).data = clone(data);
    this.saves.push({ id, data: clone(data), at: Date.now() });
  }
}

/** n8n-core's Credentials class encrypts with the instance key; we keep plain data instead. */
class StoreCredentials extends ICredentials {
  constructor(
    details: INodeCredentialsDetails,
    type: string,
    private readonly store: CredentialStore,
  ) {
    super(details, type);
  }
  async getData(): Promise<ICredentialDataDecryptedObject> {
    return this.store.read(this.id!) as ICredentialDataDecryptedObject;
  }
  getDataToSave(): ICredentialsEncrypted {
    return { id: this.id, name: this.name, type: this.type, data: JSON.stringify(this.store.read(this.id!)) };
  }
  async setData(data: ICredentialDataDecryptedObject): Promise<void> {
    this.store.save(this.id!, data);
  }
  async updateData(toUpdate: ICredentialDataDecryptedObject, toDelete: string[] = []): Promise<void> {
    const data = { ...this.store.read(this.id!), ...toUpdate };
    for (const key of toDelete) delete data[key];
    this.store.save(this.id!, data);
  }
}

// CredentialsHelper.applyDefaultsAndOverwrites resolves expressions without run data on a
// one-node mock workflow; same here.
const mockNode: INode = { id: 'mock', name: '', typeVersion: 1, type: 'mock', position: [0, 0], parameters: {} };
const mockNodeTypes: INodeTypes = {
  getByName: () => ({ description: { properties: [] } }) as unknown as INodeType,
  getByNameAndVersion: () => ({ description: { properties: [] } }) as unknown as INodeType,
  getKnownTypes: () => ({}),
};

/**
 * Mirror of n8n's CredentialsHelper (packages/cli/src/credentials-helper.ts). `saveSemantics`
 * picks how preAuthentication persists its output: 1.x (1.123) or 2.x (2.34+).
 */
export class HarnessCredentialsHelper extends ICredentialsHelper {
  constructor(
    private readonly credentialTypes: Record<string, ICredentialType>,
    private readonly store: CredentialStore,
    private readonly saveSemantics: SaveSemantics,
  ) {
    super();
  }

  private getType(name: string): ICredentialType {
    const type = this.credentialTypes[name];
    if (!type) throw new UnexpectedError(`Unknown credential type "${name}"`);
    return type;
  }

  getParentTypes(name: string): string[] {
    const parents = this.credentialTypes[name]?.extends ?? [];
    return parents.flatMap((parent) => [parent, ...this.getParentTypes(parent)]);
  }

  isCredentialUsableByNode(): boolean {
    return true;
  }

  async authenticate(
    credentials: ICredentialDataDecryptedObject,
    typeName: string,
    requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
    workflow?: Workflow,
    node?: INode,
  ): Promise<IHttpRequestOptions> {
    const { authenticate } = this.getType(typeName);
    if (typeof authenticate === 'function') {
      return await authenticate(credentials, requestOptions as IHttpRequestOptions);
    }
    if (typeof authenticate === 'object' && authenticate.type === 'generic') {
      requestOptions.headers ??= {};
      const resolve = (value: string) => {
        if (typeof value !== 'string' || value.charAt(0) !== '=') return value;
        const resolved = workflow!.expression.getSimpleParameterValue(
          node!,
          value,
          'internal',
          { $credentials: credentials },
          undefined,
          '',
        );
        return resolved ? resolved.toString() : '';
      };
      for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
        const target = ((requestOptions as unknown as Record<string, IDataObject>)[outerKey] ??= {});
        for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
          target[resolve(key)] = resolve(value);
        }
      }
    }
    return requestOptions as IHttpRequestOptions;
  }

  async preAuthentication(
    helpers: IHttpRequestHelper,
    credentials: ICredentialDataDecryptedObject,
    typeName: string,
    node: INode,
    credentialsExpired: boolean,
  ): Promise<ICredentialDataDecryptedObject | undefined> {
    const credentialType = this.getType(typeName);
    const expirableProperty = credentialType.properties.find(
      (p) => p.type === 'hidden' && p?.typeOptions?.expirable === true,
    );
    if (expirableProperty?.name === undefined) return undefined;

    // n8n's credential test runs on a mock NoOp node with `temp: ''`.
    const isTestingCredentials = node?.parameters?.temp === '' && node?.type === 'n8n-nodes-base.noOp';

    if (typeof credentialType.preAuthentication !== 'function') return undefined;
    if (!(credentials[expirableProperty.name] === '' || credentialsExpired || isTestingCredentials)) {
      return undefined;
    }

    const output = await credentialType.preAuthentication.call(helpers, credentials);
    // Without the expirable key in the output nothing is saved (and nothing merged by n8n-core).
    if (output[expirableProperty.name] === undefined) return undefined;
    if (!node.credentials) return undefined;

    const nodeCredentials = node.credentials[credentialType.name];
    if (this.saveSemantics === 'n8n1') {
      // 1.x writes back the whole in-memory resolved object (defaults applied, expressions
      // resolved, undeclared keys dropped, plus anything a node added to it).
      await this.updateCredentials(nodeCredentials, credentialType.name, Object.assign(credentials, output));
      return Object.assign(credentials, output);
    }

    // 2.x merges the output into the raw stored data and keeps stored expressions,
    // except for the expirable property itself.
    const storedData = await (await this.getCredentials(nodeCredentials, credentialType.name)).getData();
    const dataToPersist: ICredentialDataDecryptedObject = { ...storedData };
    for (const [key, value] of Object.entries(output)) {
      if (key === expirableProperty.name || !isExpression(storedData[key])) {
        dataToPersist[key] = value as ICredentialDataDecryptedObject[string];
      }
    }
    await this.updateCredentials(nodeCredentials, credentialType.name, dataToPersist);
    return Object.assign(credentials, output);
  }

  async runPreAuthentication(
    helpers: IHttpRequestHelper,
    credentials: ICredentialDataDecryptedObject,
    typeName: string,
  ): Promise<ICredentialDataDecryptedObject | undefined> {
    const credentialType = this.getType(typeName);
    const expirableProperty = credentialType.properties.find(
      (p) => p.type === 'hidden' && p?.typeOptions?.expirable === true,
    );
    if (expirableProperty?.name === undefined || typeof credentialType.preAuthentication !== 'function') {
      return undefined;
    }
    const output = await credentialType.preAuthentication.call(helpers, credentials);
    if (output[expirableProperty.name] === undefined) return undefined;
    return Object.assign(credentials, output);
  }

  async getCredentials(nodeCredentials: INodeCredentialsDetails, type: string): Promise<ICredentials> {
    if (!nodeCredentials.id) throw new UnexpectedError('Found credential with no ID.');
    const row = this.store.row(nodeCredentials.id);
    if (row.type !== type) throw new Error(`Credential with ID "${nodeCredentials.id}" does not exist for type "${type}".`);
    return new StoreCredentials({ id: row.id, name: row.name }, row.type, this.store);
  }

  getCredentialsProperties(type: string): INodeProperties[] {
    const credentialType = this.getType(type);
    if (credentialType.extends === undefined) return credentialType.properties;
    // Same merge order as n8n: parents first, then the type's own properties win.
    const combined: INodeProperties[] = [];
    for (const parent of credentialType.extends) {
      NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
    }
    NodeHelpers.mergeNodeProperties(combined, credentialType.properties);
    return combined;
  }

  /** Reads the store on every call (n8n reads its database every time; no cache). */
  async getDecrypted(
    additionalData: IWorkflowExecuteAdditionalData,
    nodeCredentials: INodeCredentialsDetails,
    type: string,
    mode: WorkflowExecuteMode,
    executeData?: IExecuteData,
    raw?: boolean,
    expressionResolveValues?: ICredentialsExpressionResolveValues,
  ): Promise<ICredentialDataDecryptedObject> {
    const decryptedDataOriginal = await (await this.getCredentials(nodeCredentials, type)).getData();
    if (raw === true) return decryptedDataOriginal;

    // As in n8n's applyDefaultsAndOverwrites (no credential overwrites configured here):
    // getNodeParameters(..., returnDefaults=true) fills defaults AND drops keys that are not
    // declared properties (or whose displayOptions hide them), except oauthTokenData.
    let decryptedData = NodeHelpers.getNodeParameters(
      this.getCredentialsProperties(type),
      decryptedDataOriginal as INodeParameters,
      true,
      false,
      null,
      null,
    ) as ICredentialDataDecryptedObject;
    if (decryptedDataOriginal.oauthTokenData !== undefined) {
      decryptedData.oauthTokenData = decryptedDataOriginal.oauthTokenData;
    }

    // External secrets are not available ($secrets undefined), as for a credential whose
    // owner may not use them.
    const additionalKeys = getAdditionalKeys(additionalData, mode, null);
    if (expressionResolveValues) {
      // Like n8n: a resolution error is rethrown as is, with this suffix on its message.
      const unresolved = decryptedData;
      decryptedData = withErrorMessageSuffix(
        ' [Error resolving credentials]',
        () =>
          expressionResolveValues.workflow.expression.getParameterValue(
            unresolved as INodeParameters,
            expressionResolveValues.runExecutionData,
            expressionResolveValues.runIndex,
            expressionResolveValues.itemIndex,
            expressionResolveValues.node.name,
            expressionResolveValues.connectionInputData,
            mode,
            additionalKeys,
            executeData,
            false,
            unresolved,
          ) as ICredentialDataDecryptedObject,
      );
    } else {
      const workflow = new Workflow({ nodes: [mockNode], connections: {}, active: false, nodeTypes: mockNodeTypes });
      decryptedData = workflow.expression.getComplexParameterValue(
        mockNode,
        decryptedData as INodeParameters,
        mode,
        additionalKeys,
        undefined,
        undefined,
        decryptedData,
      ) as ICredentialDataDecryptedObject;
    }
    // The expression engine may hand back shared structures; callers get their own copy.
    return deepCopy(decryptedData);
  }

  async updateCredentials(
    nodeCredentials: INodeCredentialsDetails,
    type: string,
    data: ICredentialDataDecryptedObject,
  ): Promise<void> {
    const credentials = await this.getCredentials(nodeCredentials, type);
    await credentials.setData(data);
  }

  async updateCredentialsOauthTokenData(
    nodeCredentials: INodeCredentialsDetails,
    type: string,
    data: ICredentialDataDecryptedObject,
  ): Promise<void> {
    await this.updateCredentials(nodeCredentials, type, data);
  }
}

// ---------------------------------------------------------------------------------------------
// Process-wide setup (n8n-core uses a global DI container and a global LoggerProxy).

/**
 * Where log lines go; runWorkflow points it at the running harness's `logs`. One sink per
 * process, so overlapping runs of two different harnesses would log into the later one.
 */
let logSink: string[] | undefined;

const recordingLogger = {
  error: (message: string, meta?: object) => record('error', message, meta),
  warn: (message: string, meta?: object) => record('warn', message, meta),
  info: (message: string, meta?: object) => record('info', message, meta),
  debug: (message: string, meta?: object) => record('debug', message, meta),
  scoped: () => recordingLogger,
};

function record(level: string, message: string, meta?: object) {
  let metaJson = '';
  try {
    metaJson = meta === undefined ? '' : ` ${JSON.stringify(meta)}`;
  } catch {
    metaJson = ' [unserializable meta]';
  }
  logSink?.push(`${level}: ${message}${metaJson}`);
}

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

function setUpProcessOnce() {
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

  function additionalDataFor(hooks: ExecutionLifecycleHooks, executionId: string): IWorkflowExecuteAdditionalData {
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

  async function runWorkflow(
    workflowJson: { nodes: INode[]; connections: IConnections; name?: string },
    startNodeName?: string,
    control: { stop?: AbortSignal } = {},
  ): Promise<RunResult> {
    const mode: WorkflowExecuteMode = 'manual';
    const executionId = `harness-${++executionCounter}`;
    const workflowData: IWorkflowBase = {
      id: 'harness-workflow',
      name: workflowJson.name ?? 'Harness workflow',
      active: false,
      isArchived: false,
      activeVersionId: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      nodes: workflowJson.nodes,
      connections: workflowJson.connections,
      settings: { executionOrder: 'v1' },
    };
    const workflow = new Workflow({
      id: workflowData.id,
      name: workflowData.name,
      nodes: workflowJson.nodes,
      connections: workflowJson.connections,
      active: false,
      nodeTypes,
      settings: workflowData.settings,
    });
    // Workflow.getStartNode() only finds trigger/poll/webhook nodes; test.start is a plain
    // node, so default to the first node without incoming main connections.
    const startNode = startNodeName
      ? workflow.getNode(startNodeName)
      : workflowJson.nodes.find((node) => workflow.getParentNodes(node.name, 'main').length === 0);
    if (!startNode) throw new Error(`Start node ${startNodeName ?? '(auto)'} not found`);

    const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
    const additionalData = additionalDataFor(hooks, executionId);

    const previousSink = logSink;
    logSink = logs;
    let run: IRun;
    try {
      const running = new WorkflowExecute(additionalData, mode, createRunExecutionData()).run({
        workflow,
        startNode,
      });
      // What n8n's "Stop execution" does: cancel the PCancelable, which aborts the execution's
      // cancel signal (getExecutionCancelSignal); the run then resolves as canceled.
      control.stop?.addEventListener('abort', () => running.cancel(), { once: true });
      if (control.stop?.aborted) running.cancel();
      run = await running;
    } finally {
      logSink = previousSink;
    }

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
    workflowJson: { nodes: INode[]; connections: IConnections; name?: string },
    nodeName: string,
    path: string,
  ): LoadOptionsContext {
    const workflow = new Workflow({
      id: 'harness-workflow',
      name: workflowJson.name ?? 'Harness workflow',
      nodes: workflowJson.nodes,
      connections: workflowJson.connections,
      active: false,
      nodeTypes,
    });
    const node = workflow.getNode(nodeName);
    if (!node) throw new Error(`Node ${nodeName} not found`);
    const executionId = `harness-load-options-${++executionCounter}`;
    const hooks = new ExecutionLifecycleHooks('manual', executionId, {
      id: workflow.id,
      name: workflow.name,
      active: false,
      isArchived: false,
      activeVersionId: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      nodes: workflowJson.nodes,
      connections: workflowJson.connections,
    } as IWorkflowBase);
    return new LoadOptionsContext(workflow, node, additionalDataFor(hooks, executionId), path);
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
    const hooks = new ExecutionLifecycleHooks('trigger', executionId, {
      id: workflow.id,
      name: workflow.name,
      active: true,
      isArchived: false,
      activeVersionId: null,
      createdAt: new Date(),
      updatedAt: new Date(),
      nodes: Object.values(workflow.nodes),
      connections: workflow.connectionsBySourceNode,
    } as IWorkflowBase);
    return { ...additionalDataFor(hooks, executionId), ...overrides } as IWorkflowExecuteAdditionalData;
  }

  return { runWorkflow, loadOptionsContext, triggerAdditionalData, nodeTypes, logs };
}
