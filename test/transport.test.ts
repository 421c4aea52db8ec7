// transport/aacApi.ts on its own, in n8n-core's real engine against the AAC stand-in (real
// oidc-provider OAuth, our hand-written fake of AAC's v4 API): a POST that starts work is never
// repeated once it may have been processed, is repeated when it surely was not, unreachable hosts
// are retried a bounded number of times, and two executions that see the same token rejected
// share one refresh.
import {
	NodeConnectionTypes,
	type IConnections,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { sharedCoordinator } from '../nodes/AlteryxAnalyticsCloud/core';
import { isTransientPollError } from '../nodes/AlteryxAnalyticsCloud/runs/waitErrors';
import { aacApiRequest } from '../nodes/AlteryxAnalyticsCloud/transport/aacApi';
import { networkCode } from '../nodes/AlteryxAnalyticsCloud/transport/retryPolicy';
import type { AacRequest } from '../nodes/AlteryxAnalyticsCloud/transport/types';
import { CredentialStore, createHarness, type RunResult } from './harness/n8n';
import { StartNode } from './harness/testNodes';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';

/** A test-only node (not part of the package): sends the one request given as JSON through the transport. */
class TransportProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transport Probe',
		name: 'test.aacTransport',
		group: ['transform'],
		version: 1,
		description: 'Sends one AAC request through transport/aacApi.ts (tests only)',
		defaults: { name: 'Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		usableAsTool: true,
		credentials: [{ name: CRED, required: true }],
		properties: [{ displayName: 'Request', name: 'request', type: 'json', default: '{}' }],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const request = JSON.parse(this.getNodeParameter('request', 0) as string) as AacRequest;
		const response = await aacApiRequest.call(this, request);
		const items = [{ json: { statusCode: response.statusCode, body: response.body as string } }];
		// A second request in the same execution, after `betweenRequests` (a test's change to the world).
		if (betweenRequests) {
			await betweenRequests();
			const second = await aacApiRequest.call(this, request);
			items.push({ json: { statusCode: second.statusCode, body: second.body as string } });
		}
		return [items];
	}
}

let betweenRequests: (() => Promise<void>) | undefined;

const nodeTypes: Record<string, INodeType> = {
	'test.start': new StartNode(),
	'test.aacTransport': new TransportProbe(),
};

let standIn: StandIn;
let api: StandInApi;
beforeAll(async () => {
	standIn = await startStandIn({ api: { freezeClock: true } });
	api = standInApi(standIn);
});
afterAll(async () => {
	await standIn?.stop();
});
beforeEach(async () => {
	betweenRequests = undefined;
	await api.reset({});
	await standIn.resetStats();
	sharedCoordinator.clear();
});

let counter = 0;

async function credential(extra: Record<string, unknown> = {}) {
	const pair = await standIn.mint();
	const id = `transport-cred-${++counter}`;
	const store = new CredentialStore([
		{ id, name: 'AAC', type: CRED, data: { allowCustomIssuer: true, ...pair, ...extra } },
	]);
	return { id, store, pair };
}

function probe(store: CredentialStore, id: string, request: AacRequest): Promise<RunResult> {
	const harness = createHarness({
		nodeTypes,
		credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
		store,
		saveSemantics: 'n8n2',
	});
	const nodes: INode[] = [
		{
			id: 'start',
			name: 'Start',
			type: 'test.start',
			typeVersion: 1,
			position: [0, 0],
			parameters: { items: 1 },
		},
		{
			id: 'probe',
			name: 'Probe',
			type: 'test.aacTransport',
			typeVersion: 1,
			position: [200, 0],
			parameters: { request: JSON.stringify(request) },
			credentials: { [CRED]: { id, name: 'AAC' } },
		},
	];
	const connections: IConnections = {
		Start: { main: [[{ node: 'Probe', type: 'main', index: 0 }]] },
	};
	return harness.runWorkflow({ nodes, connections }, 'Start');
}

type NodeErrorShape = { message: string; description: string; httpCode?: string };

const runPlan = (executionId: string): AacRequest => ({
	method: 'POST',
	path: '/v4/plans/1/run',
	body: {},
	headers: { 'x-execution-id': executionId },
	retry: 'startsWork',
});

describe('a POST that starts work', () => {
	test.each([
		{ answer: '502 after AAC started the run', fault: { status: 502 }, says: 'was answered 502' },
		{
			answer: 'a connection reset after AAC started the run',
			fault: { reset: true },
			says: 'lost its connection (reset)',
		},
	])(
		'$answer: sent once, and the error says the run may have started and names the x-execution-id',
		async ({ fault, says }) => {
			const { id, store } = await credential();
			await api.addFault({ endpoint: 'runPlan', phase: 'after', times: 1, ...fault });
			const result = await probe(store, id, runPlan('exec-ambiguous-1'));
			const error = result.nodeError('Probe') as unknown as NodeErrorShape;
			expect(error.message).toBe(
				`The run may have started: POST /v4/plans/1/run ${says}, and AAC's answer was lost`,
			);
			expect(error.description).toContain('x-execution-id exec-ambiguous-1');
			const counters = await api.counters();
			expect(counters.requests.runPlan).toBe(1);
			expect(counters.runsStarted.plan).toEqual({ 1: 1 });
			expect(counters.postsPerExecutionId).toEqual({ 'exec-ambiguous-1': 1 });
		},
	);

	test('429 (surely not processed): sent again after x-retry-after; one run', async () => {
		const { id, store } = await credential();
		await api.addFault({
			endpoint: 'runPlan',
			status: 429,
			phase: 'before',
			times: 1,
			retryAfterSeconds: 1,
		});
		const started = Date.now();
		const result = await probe(store, id, runPlan('exec-429-1'));
		expect(result.error).toBeUndefined();
		expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
		expect(result.output('Probe')[0]).toMatchObject({
			statusCode: 201,
			body: { validationStatus: 'Valid', planSnapshotRunId: expect.any(Number) },
		});
		const counters = await api.counters();
		expect(counters.postsPerExecutionId).toEqual({ 'exec-429-1': 2 });
		expect(counters.runsStarted.plan).toEqual({ 1: 1 });
	});

	test('304 for a repeated x-execution-id resolves (nothing new started)', async () => {
		const { id, store } = await credential();
		expect((await probe(store, id, runPlan('exec-same'))).output('Probe')[0].statusCode).toBe(201);
		const again = await probe(store, id, runPlan('exec-same'));
		expect(again.error).toBeUndefined();
		expect(again.output('Probe')[0].statusCode).toBe(304);
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 1 });
	});
});

test('an API host that refuses connections: a read is tried 4 times with backoff, then says where it could not connect', async () => {
	// A port nothing listens on: the stand-in's port + 1 is not guaranteed free, so use port 9 (discard, never served here).
	const { id, store } = await credential({ apiBaseUrl: 'http://127.0.0.1:9' });
	const started = Date.now();
	const result = await probe(store, id, {
		method: 'GET',
		path: '/v4/people/current',
		retry: 'read',
	});
	const elapsed = Date.now() - started;
	const error = result.nodeError('Probe') as unknown as NodeErrorShape;
	expect(error.message).toBe(
		'GET http://127.0.0.1:9/v4/people/current was refused (nothing accepted the connection), 4 attempts',
	);
	expect(error.description).toContain('ECONNREFUSED');
	expect(elapsed).toBeGreaterThanOrEqual(0.8 * (250 + 500 + 1000));
	expect(elapsed).toBeLessThan(5000);
});

test('the error after the last attempt tells a wait to go on polling (the network code is kept in its context)', async () => {
	const { id, store } = await credential({ apiBaseUrl: 'http://127.0.0.1:9' });
	const result = await probe(store, id, {
		method: 'GET',
		path: '/v4/planSnapshotRuns/1',
		retry: 'read',
	});
	const error = result.nodeError('Probe') as unknown as { context: Record<string, unknown> };
	expect(error.context.networkCode).toBe('ECONNREFUSED');
	expect(isTransientPollError(error)).toBe(true);
});

test('a token rotated elsewhere between two requests of one execution, then rejected: read afresh, the 401 still refreshes once', async () => {
	// The transport reuses the settings it read for the execution's next requests; n8n sends the
	// stored token. Here the stored pair changes between the two requests (another execution
	// rotated it) and AAC rejects the new access token twice: the second 401 must be met with a
	// refresh, not mistaken for "someone refreshed meanwhile" by comparing with the older token.
	const { id, store } = await credential();
	const rotatedElsewhere = await standIn.mint();
	betweenRequests = async () => {
		store.write(id, { ...store.read(id), ...rotatedElsewhere });
		await api.addFault({ endpoint: 'getCurrentPerson', status: 401, times: 2 });
	};
	const result = await probe(store, id, {
		method: 'GET',
		path: '/v4/people/current',
		retry: 'read',
	});
	expect(result.error).toBeUndefined();
	expect(result.output('Probe').map((item) => item.statusCode)).toEqual([200, 200]);
	const stats = await standIn.stats();
	expect(stats).toMatchObject({ tokenRequests: 1, refreshGrantsOk: 1, reuseDetections: 0 });
	expect(store.read(id).refreshToken).not.toBe(rotatedElsewhere.refreshToken);
	expect((await api.counters()).requests.getCurrentPerson).toBe(4); // 200, 401, 401, 200
});

test('network codes are found where n8n 1.x and 2.x put them', () => {
	// 2.x: the axios error is the cause; 1.x (1.123.81): NodeApiError keeps only its code, as httpCode.
	expect(
		networkCode({
			name: 'NodeApiError',
			cause: { name: 'AxiosError', code: 'ECONNRESET', cause: { code: 'ECONNRESET' } },
		}),
	).toBe('ECONNRESET');
	expect(networkCode({ name: 'NodeApiError', httpCode: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
	expect(networkCode({ name: 'NodeApiError', httpCode: '502' })).toBeUndefined();
	expect(networkCode(new Error('plain'))).toBeUndefined();
});

test('two executions that see the same access token rejected share one refresh; both retry and succeed', async () => {
	const { id, store, pair } = await credential();
	await api.addFault({ endpoint: 'getCurrentPerson', status: 401, times: 2 });
	const request: AacRequest = { method: 'GET', path: '/v4/people/current', retry: 'read' };
	const [first, second] = await Promise.all([probe(store, id, request), probe(store, id, request)]);
	expect(first.error).toBeUndefined();
	expect(second.error).toBeUndefined();
	expect(first.output('Probe')[0]).toMatchObject({ statusCode: 200, body: { id: 1 } });
	expect(second.output('Probe')[0]).toMatchObject({ statusCode: 200, body: { id: 1 } });
	const stats = await standIn.stats();
	expect(stats).toMatchObject({
		tokenRequests: 1,
		refreshGrantsOk: 1,
		reuseDetections: 0,
		maxUsesOfOneRefreshToken: 1,
	});
	const stored = store.read(id);
	expect(stored.refreshToken).not.toBe(pair.refreshToken);
	expect(await standIn.familyAlive(stored.refreshToken as string)).toBe(true);
	expect((await api.counters()).requests.getCurrentPerson).toBe(4); // two 401s, two retries
});

describe('hostile or odd answers', () => {
	test('x-trifacta-request-id holding something else (a gateway reflecting the Authorization header): not shown; a real request id is', async () => {
		const { id, store, pair } = await credential({ apiBaseUrl: standIn.apiBaseUrl });
		const who: AacRequest = { method: 'GET', path: '/v4/people/current', retry: 'read' };
		await api.addFault({
			endpoint: 'getCurrentPerson',
			status: 403,
			headers: { 'x-trifacta-request-id': `Bearer ${pair.accessToken}` },
		});
		const hostile = (await probe(store, id, who)).nodeError('Probe') as unknown as NodeErrorShape;
		const text = JSON.stringify(hostile) + hostile.message + hostile.description;
		expect(text).not.toContain(pair.accessToken.slice(0, 12));
		expect(text).not.toContain(pair.accessToken.slice(-12));
		expect(hostile.description).toContain('(not shown: not shaped like a request ID)');
		await api.addFault({ endpoint: 'getCurrentPerson', status: 403 });
		const normal = (await probe(store, id, who)).nodeError('Probe') as unknown as NodeErrorShape;
		expect(normal.description).toMatch(
			/AAC request ID \(x-trifacta-request-id\): [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\./,
		);
	});

	test('a 200 that is not JSON whose content type holds something else (a gateway reflecting the Authorization header): not shown', async () => {
		const { id, store, pair } = await credential({ apiBaseUrl: standIn.apiBaseUrl });
		await api.addFault({
			endpoint: 'getCurrentPerson',
			status: 200,
			rawBody: '<html><body>Sign in</body></html>',
			contentType: `Bearer ${pair.accessToken}`,
		});
		const result = await probe(store, id, {
			method: 'GET',
			path: '/v4/people/current',
			retry: 'read',
		});
		const error = result.nodeError('Probe') as unknown as NodeErrorShape;
		const text = JSON.stringify(error) + error.message + error.description;
		expect(text).not.toContain(pair.accessToken.slice(0, 12));
		expect(text).not.toContain(pair.accessToken.slice(-12));
		expect(error.message).toBe(
			`${standIn.apiBaseUrl}/v4/people/current answered 200 with a content type not shown (not shaped like one), not JSON`,
		);
	});

	test('a 200 that is not JSON (a login page behind a wrong API Base URL): an error naming the URL and the content type, no item', async () => {
		const { id, store } = await credential({ apiBaseUrl: standIn.apiBaseUrl });
		await api.addFault({
			endpoint: 'getCurrentPerson',
			status: 200,
			rawBody: '<html><body>Sign in</body></html>',
			contentType: 'text/html; charset=utf-8',
		});
		const result = await probe(store, id, {
			method: 'GET',
			path: '/v4/people/current',
			retry: 'read',
		});
		const error = result.nodeError('Probe') as unknown as NodeErrorShape;
		expect(error.message).toBe(
			`${standIn.apiBaseUrl}/v4/people/current answered 200 with text/html, not JSON`,
		);
		expect(error.description).toMatch(/API Base URL/);
		expect(result.output('Probe')).toEqual([]);
	});
});
