/**
 * What n8n's server does around a webhook trigger, for one active workflow holding one trigger
 * node, with n8n-core's real HookContext and WebhookContext (the node code runs exactly as in n8n;
 * the server around it is copied by hand, not run):
 *
 * - activation: `checkExists`, then `create` when it says false (n8n does this on activation and
 *   on every start); deactivation: `delete`;
 * - a request to the node's production URL: the workflow built anew from the static data "in the
 *   database", `webhook()` called in a WebhookContext over the request (a loopback endpoint,
 *   test/helpers/webhookEndpoint.js: raw body kept, JSON parsed, as n8n's server does), the items
 *   it returns recorded as one started execution, and the static data saved once it answered and
 *   only when it changed (n8n's WorkflowStaticDataService).
 *
 * Used by the shared scenarios (test/scenarios/), in jest and in Deno.
 */
import { HookContext, WebhookContext } from 'n8n-core';
import {
	Workflow,
	type IDataObject,
	type INode,
	type INodeType,
	type IWebhookData,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import {
	nextTurn,
	startWebhookEndpoint,
	type EndpointRequest,
	type EndpointResponse,
} from '../helpers/webhookEndpoint';
import type { createHarness } from './harness';

type Harness = ReturnType<typeof createHarness>;
type WebhookMethod = 'checkExists' | 'create' | 'delete';

export interface WebhookServerOptions {
	harness: Harness;
	/** The trigger node as stored in the workflow (with its webhookId and credentials). */
	node: INode;
	workflow: { id: string; name: string };
}

export interface WebhookAnswer {
	status: number;
	body: string;
	/** The node answered the request itself (n8n then sends nothing more). */
	noWebhookResponse: boolean;
}

export interface WebhookServer {
	/** The node's production webhook URL, as n8n registers it. */
	webhookUrl: string;
	activate(): Promise<void>;
	deactivate(): Promise<boolean>;
	/** The workflow's stored static data. */
	staticData(): IDataObject;
	/** The items of each execution webhook() started, in order. */
	started: IDataObject[][];
	answers: WebhookAnswer[];
	/** Resolves once the static-data saves of answered requests are done. */
	settled(): Promise<void>;
	close(): Promise<void>;
}

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
	const { harness, node, workflow: record } = options;
	const nodeType = harness.nodeTypes.getByNameAndVersion(node.type, node.typeVersion) as INodeType;
	const description = nodeType.description.webhooks?.[0];
	if (!description || !nodeType.webhook || !nodeType.webhookMethods?.default)
		throw new Error(`${node.type} is no webhook trigger`);
	const path = `${node.webhookId}/${String(description.path)}`;
	const httpMethod = String(description.httpMethod);
	let storedStaticData: IDataObject = {};
	const started: IDataObject[][] = [];
	const answers: WebhookAnswer[] = [];
	const saves = new Set<Promise<void>>();

	const loadWorkflow = () =>
		new Workflow({
			id: record.id,
			name: record.name,
			nodes: [node],
			connections: {},
			active: true,
			nodeTypes: harness.nodeTypes,
			staticData: structuredClone(storedStaticData),
		});

	function saveStaticData(workflow: Workflow): void {
		if (workflow.staticData.__dataChanged !== true) return;
		const copy = JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject;
		delete copy.__dataChanged;
		storedStaticData = copy;
	}

	const webhookDataFor = (additionalData: IWorkflowExecuteAdditionalData): IWebhookData => ({
		httpMethod: httpMethod as IWebhookData['httpMethod'],
		node: node.name,
		path,
		webhookDescription: description,
		workflowId: record.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId: node.webhookId,
		isTest: false,
	});

	async function handle(req: EndpointRequest, res: EndpointResponse, pathname: string) {
		if (pathname !== `/webhook/${path}` || req.method !== httpMethod) {
			res.writeHead(404).end();
			return;
		}
		await nextTurn(); // n8n reads the workflow from its database
		const workflow = loadWorkflow();
		const additionalData = harness.triggerAdditionalData(workflow, {
			webhookBaseUrl: `${endpoint.url}/webhook`,
			httpRequest: req as never,
			httpResponse: res as never,
		});
		const context = new WebhookContext(
			workflow,
			node,
			additionalData,
			'webhook',
			webhookDataFor(additionalData),
			[],
			null,
		);
		const result = await nodeType.webhook!.call(context);
		if (!res.writableEnded) {
			// n8n's own answer (responseMode onReceived) when the node sent none.
			res.writeHead(200, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ message: 'Workflow was started' }));
		}
		answers.push({
			status: res.statusCode,
			body: res.sentBody ?? '',
			noWebhookResponse: result.noWebhookResponse === true,
		});
		const items = result.workflowData?.[0];
		if (items?.length) started.push(items.map((item) => item.json));
		const save = nextTurn().then(() => saveStaticData(workflow)); // a database write, after the answer
		saves.add(save);
		await save;
		saves.delete(save);
	}

	const endpoint = await startWebhookEndpoint(handle);

	async function hook(method: WebhookMethod): Promise<boolean> {
		const workflow = loadWorkflow();
		const additionalData = harness.triggerAdditionalData(workflow, {
			webhookBaseUrl: `${endpoint.url}/webhook`,
		});
		const context = new HookContext(workflow, node, additionalData, 'trigger', 'activate');
		const result = await nodeType.webhookMethods!.default![method]!.call(context);
		saveStaticData(workflow);
		return result;
	}

	return {
		webhookUrl: `${endpoint.url}/webhook/${path}`,
		async activate() {
			if (!(await hook('checkExists'))) await hook('create');
		},
		deactivate: async () => await hook('delete'),
		staticData: () => structuredClone(storedStaticData),
		started,
		answers,
		settled: async () => {
			await Promise.all([...saves]);
		},
		close: async () => await endpoint.close(),
	};
}
