// A credential in an in-memory store and a harness that runs a chain of nodes on it in n8n-core's
// real engine: Start(items) → node → node ..., every node given the credential. For tests that
// drive one credential through several paths (the HTTP Request node, the AAC node, a header
// request) and count what the stand-in saw.
import type { IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { CredentialStore, createHarness, type RunResult, type SaveSemantics } from '../harness/n8n';
import { HeaderRequestNode } from '../harness/headerRequestNode';
import { StartNode, makeApiCallerNode } from '../harness/testNodes';

export const CRED = 'alteryxAnalyticsCloudOAuth2Api';
export const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';

export const chainNodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	'test.apiCaller': makeApiCallerNode(CRED),
	'test.headerRequest': HeaderRequestNode,
	[AAC_NODE]: new AlteryxAnalyticsCloud(),
};

export interface ChainNode {
	name: string;
	type: string;
	parameters?: IDataObject;
	continueOnFail?: boolean;
}

let counter = 0;

/** Every error, log line and output a run produced, for a file's check that none carries a secret. */
export interface Seen {
	errors: unknown[];
	outputs: unknown[];
	logs: string[];
}

export interface ChainOptions<S extends CredentialStore = CredentialStore> {
	/** How the credential's id starts (`<idPrefix>-<n>`); default chain-cred. */
	idPrefix?: string;
	/** The credentials table; default a plain CredentialStore. */
	store?: (rows: ConstructorParameters<typeof CredentialStore>[0]) => S;
	/** Where each run's errors, log lines and outputs go. */
	seen?: Seen;
}

/**
 * The linear-workflow builder: a credential holding `data` and `run(items, ...nodes)`, which runs
 * Start(items) → node → node ... in n8n-core's engine, every node given the credential, saving as
 * n8n 1.x or 2.x does.
 */
export function credentialChain<S extends CredentialStore = CredentialStore>(
	semantics: SaveSemantics,
	data: IDataObject,
	options: ChainOptions<S> = {},
) {
	const id = `${options.idPrefix ?? 'chain-cred'}-${++counter}`;
	const rows = [{ id, name: 'AAC', type: CRED, data }];
	const store = (options.store ? options.store(rows) : new CredentialStore(rows)) as S;
	const harness = createHarness({
		nodeTypes: chainNodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: semantics,
	});
	async function run(items: number, ...chain: ChainNode[]): Promise<RunResult> {
		const nodes: INode[] = [
			{
				id: 'start',
				name: 'Start',
				type: 'test.start',
				typeVersion: 1,
				position: [0, 0],
				parameters: { items },
			},
			...chain.map((node, index) => ({
				id: `n${index}`,
				name: node.name,
				type: node.type,
				typeVersion: 1,
				position: [200 * (index + 1), 0] as [number, number],
				parameters: (node.parameters ?? {}) as INode['parameters'],
				continueOnFail: node.continueOnFail,
				credentials: { [CRED]: { id, name: 'AAC' } },
			})),
		];
		const connections: IConnections = {};
		nodes.slice(0, -1).forEach((node, index) => {
			connections[node.name] = {
				main: [[{ node: nodes[index + 1].name, type: 'main', index: 0 }]],
			};
		});
		const logStart = harness.logs.length;
		const result = await harness.runWorkflow({ nodes, connections }, 'Start');
		const seen = options.seen;
		if (seen) {
			seen.logs.push(...harness.logs.slice(logStart));
			for (const node of nodes) {
				seen.outputs.push(result.output(node.name));
				if (result.nodeError(node.name)) seen.errors.push(result.nodeError(node.name));
			}
			if (result.error) seen.errors.push(result.error);
		}
		return result;
	}
	return { id, store, harness, run, stored: () => store.read(id) };
}

/** The AAC node with these parameters. */
export const aacNode = (parameters: IDataObject, name = 'AAC'): ChainNode => ({
	name,
	type: AAC_NODE,
	parameters,
});

/** What the HTTP Request node does with "Predefined Credential Type": GET `url` per item. */
export const httpRequestNode = (
	url: string,
	helper: 'legacy' | 'http' = 'legacy',
	continueOnFail = false,
): ChainNode => ({
	name: 'HTTP Request',
	type: 'test.apiCaller',
	parameters: { url, helper },
	continueOnFail,
});

/** An HTTP Request with `Authorization: {{ $json.authorization }}` after Access Token → Get. */
export const headerRequestNode = (path = '/v4/people/current'): ChainNode => ({
	name: 'Header Request',
	type: 'test.headerRequest',
	parameters: {
		url: `={{ $json.apiBaseUrl }}${path}`,
		authorization: '={{ $json.authorization }}',
	},
});
