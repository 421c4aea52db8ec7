// Proves the harness: a throwaway refreshing credential type driven through n8n-core's real
// WorkflowExecute + request helpers against a local HTTP server.
import type { ICredentialType, IConnections, IDataObject, INode } from 'n8n-workflow';

import { CredentialStore, createHarness, type SaveSemantics } from './harness/n8n';
import { StartNode, makeApiCallerNode } from './harness/testNodes';
import { startRecordingServer, type RecordingServer } from './helpers/recordingServer';

const CRED = 'throwawayRefreshApi';
const CRED_ID = 'cred-1';

// --- local API that records what it was sent -------------------------------------------------
let server: RecordingServer;
let baseUrl: string;
const authHeaders: string[] = [];

beforeAll(async () => {
	server = await startRecordingServer((req) => {
		authHeaders.push(String(req.headers.authorization));
		// A token named "stale" is what an expired access token looks like to this API.
		return req.headers.authorization === 'Bearer stale' ? 401 : 200;
	});
	baseUrl = server.baseUrl;
});
afterAll(async () => {
	await server.close();
});
beforeEach(() => {
	authHeaders.length = 0;
});

// --- throwaway credential type -----------------------------------------------------------------
/** `refresh` decides what preAuthentication returns; `calls` counts its invocations. */
function makeCredentialType(refresh: (token: string, n: number) => IDataObject) {
	const calls = { n: 0 };
	const type: ICredentialType = {
		name: CRED,
		displayName: 'Throwaway Refresh API',
		properties: [
			// The expirable hidden property is what makes n8n call preAuthentication at all.
			{
				displayName: 'Marker',
				name: 'marker',
				type: 'hidden',
				typeOptions: { expirable: true },
				default: '',
			},
			{ displayName: 'Token', name: 'token', type: 'string', default: '' },
		],
		async preAuthentication(credentials) {
			calls.n += 1;
			return refresh(credentials.token as string, calls.n);
		},
		async authenticate(credentials, requestOptions) {
			requestOptions.headers = {
				...requestOptions.headers,
				Authorization: `Bearer ${credentials.token}`,
			};
			return requestOptions;
		},
	};
	return { type, calls };
}

const refreshOld = (token: string, n: number): IDataObject =>
	token.startsWith('old') ? { marker: '', token: `new-${n}` } : {};

function workflow(items: number, helper: 'legacy' | 'http', continueOnFail = false) {
	const nodes: INode[] = [
		{
			id: '1',
			name: 'Start',
			type: 'test.start',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items },
		},
		{
			id: '2',
			name: 'Call API',
			type: 'test.apiCaller',
			typeVersion: 1,
			position: [200, 0],
			parameters: { url: `${baseUrl}/things`, helper },
			credentials: { [CRED]: { id: CRED_ID, name: 'Throwaway' } },
			continueOnFail,
		},
	];
	const connections: IConnections = {
		Start: { main: [[{ node: 'Call API', type: 'main', index: 0 }]] },
	};
	return { nodes, connections };
}

function setUp(
	saveSemantics: SaveSemantics,
	credentialType: ICredentialType,
	data: Record<string, unknown>,
) {
	const store = new CredentialStore([{ id: CRED_ID, name: 'Throwaway', type: CRED, data }]);
	const harness = createHarness({
		nodeTypes: { 'test.start': new StartNode(), 'test.apiCaller': makeApiCallerNode(CRED) },
		credentialTypes: { [CRED]: credentialType },
		store,
		saveSemantics,
	});
	return { store, harness };
}

describe.each<SaveSemantics>(['n8n1', 'n8n2'])('%s save semantics', (semantics) => {
	test.each(['legacy', 'http'] as const)(
		'3 items via %s helper refresh and persist',
		async (helper) => {
			const { type, calls } = makeCredentialType(refreshOld);
			const { store, harness } = setUp(semantics, type, { token: 'old-1', marker: '' });

			const result = await harness.runWorkflow(workflow(3, helper));

			expect(result.error).toBeUndefined();
			expect(result.output('Call API')).toHaveLength(3);
			expect(result.output('Call API').every((item) => item.ok === true)).toBe(true);
			// All three items start at once (Promise.allSettled) and each reads the still-old
			// credential before any save lands, so each refreshes on its own: 3 refreshes, 3 saves,
			// 3 different tokens. This is the race a real refresh-token credential must avoid.
			expect(calls.n).toBe(3);
			expect(authHeaders.sort()).toEqual(['Bearer new-1', 'Bearer new-2', 'Bearer new-3']);
			expect(store.saves).toHaveLength(3);
			// Last writer wins.
			expect(store.read(CRED_ID)).toEqual({ marker: '', token: 'new-3' });

			// A second run reads the store fresh: new token, preAuthentication returns {} → no save.
			authHeaders.length = 0;
			await harness.runWorkflow(workflow(1, helper));
			expect(authHeaders).toEqual(['Bearer new-3']);
			expect(store.saves).toHaveLength(3);
		},
	);

	test('output without the expirable key saves nothing', async () => {
		const { type, calls } = makeCredentialType((token, n) => ({ token: `new-${n}` }));
		const { store, harness } = setUp(semantics, type, { token: 'old-1', marker: '' });

		const result = await harness.runWorkflow(workflow(1, 'legacy'));

		expect(result.error).toBeUndefined();
		expect(calls.n).toBe(1);
		// n8n-core merges preAuthentication's return only when the helper returns data, and the
		// helper returns undefined without the expirable key: the old token is sent and not saved.
		expect(authHeaders).toEqual(['Bearer old-1']);
		expect(store.saves).toHaveLength(0);
		expect(store.read(CRED_ID)).toEqual({ token: 'old-1', marker: '' });
	});

	test('an error thrown by preAuthentication becomes the node error', async () => {
		const { type, calls } = makeCredentialType(() => {
			throw new Error('refresh failed: invalid_grant');
		});
		const { store, harness } = setUp(semantics, type, { token: 'old-1', marker: '' });

		const legacy = await harness.runWorkflow(workflow(1, 'legacy'));
		expect(legacy.error).toBeDefined();
		expect(legacy.nodeError('Call API')?.message).toContain('refresh failed: invalid_grant');
		// requestWithAuthentication treats ANY error (including one from preAuthentication) as a
		// reason to call preAuthentication again with credentialsExpired=true: 2 calls per item.
		expect(calls.n).toBe(2);

		calls.n = 0;
		const viaHttp = await harness.runWorkflow(workflow(1, 'http'));
		expect(viaHttp.nodeError('Call API')?.message).toContain('refresh failed: invalid_grant');
		// httpRequestWithAuthentication retries only on a 401 response: 1 call.
		expect(calls.n).toBe(1);

		expect(authHeaders).toEqual([]);
		expect(store.saves).toHaveLength(0);

		// continueOnFail turns it into an item instead.
		const soft = await harness.runWorkflow(workflow(1, 'legacy', true));
		expect(soft.error).toBeUndefined();
		expect(soft.output('Call API')).toEqual([
			{ ok: false, error: expect.stringContaining('invalid_grant') },
		]);
	});
});

test('n8n1 writes back the resolved object, n8n2 keeps stored expressions and extra keys', async () => {
	const withExtra = () =>
		makeCredentialType((token, n) =>
			token.startsWith('old') ? { marker: '', token: `new-${n}`, extra: 'from-refresh' } : {},
		).type;
	// `token` is stored as an expression; `note` is not a declared property.
	const stored = { token: "={{ 'old-' + 'expr' }}", marker: '', note: 'kept?' };

	const one = setUp('n8n1', withExtra(), stored);
	await one.harness.runWorkflow(workflow(1, 'legacy'));
	expect(authHeaders).toEqual(['Bearer new-1']);
	// 1.x: expression replaced by its refreshed value, undeclared `note` dropped (getDecrypted
	// only returns declared properties), everything the refresh returned written.
	expect(one.store.read(CRED_ID)).toEqual({ marker: '', token: 'new-1', extra: 'from-refresh' });

	authHeaders.length = 0;
	const two = setUp('n8n2', withExtra(), stored);
	await two.harness.runWorkflow(workflow(1, 'legacy'));
	// The request still used the refreshed token (n8n-core merges the output in memory) ...
	expect(authHeaders).toEqual(['Bearer new-1']);
	// ... but 2.x keeps the stored expression and the undeclared key.
	expect(two.store.read(CRED_ID)).toEqual({ ...stored, extra: 'from-refresh' });
});

test.each(['legacy', 'http'] as const)(
	'a 401 makes the %s helper refresh with credentialsExpired and retry',
	async (helper) => {
		// marker is non-empty, so n8n skips preAuthentication until the API rejects the token.
		const { type, calls } = makeCredentialType((token, n) => ({
			marker: 'set',
			token: `fresh-${n}`,
		}));
		const { store, harness } = setUp('n8n2', type, { token: 'stale', marker: 'set' });

		const result = await harness.runWorkflow(workflow(1, helper));

		expect(result.error).toBeUndefined();
		expect(authHeaders).toEqual(['Bearer stale', 'Bearer fresh-1']);
		expect(calls.n).toBe(1);
		expect(store.read(CRED_ID)).toEqual({ marker: 'set', token: 'fresh-1' });
	},
);

test('logs captures n8n-core lines', async () => {
	const { type } = makeCredentialType(refreshOld);
	const { harness } = setUp('n8n2', type, { token: 'new-0', marker: '' });
	await harness.runWorkflow(workflow(1, 'legacy'));
	expect(harness.logs.some((line) => line.includes('Workflow execution started'))).toBe(true);
	expect(
		harness.logs.some((line) => line.includes('Running node "Call API" finished successfully')),
	).toBe(true);
});
