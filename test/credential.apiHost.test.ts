// Where the access token goes: the API Base URL rule (an AAC issuer sends the access token only to
// AAC API hosts) and the credential test, which sends it through n8n's own request helper
// (n8n-core's real CredentialTestContext) so that proxies, SSRF protection and the credential's
// allowed domains apply.
import { CredentialTestContext } from 'n8n-core';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IDataObject,
	INode,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { AlteryxAnalyticsCloudOAuth2Api } from '../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloud } from '../nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node';
import { AacTokenError, readCredential } from '../nodes/AlteryxAnalyticsCloud/core';
import { alteryxAnalyticsCloudTokenTest } from '../nodes/AlteryxAnalyticsCloud/methods/credentialTest';
import { CredentialStore, createHarness } from './harness/n8n';
import { StartNode } from './harness/testNodes';
import { startConnectionCounter, type ConnectionCounter } from './helpers/connectionCounter';
import { fakeJwt } from './fakes/faultyTokenEndpoint';
import { startRecordingServer } from './helpers/recordingServer';
import { enableSsrfProtection, resetSsrfProtection, withEnv } from './helpers/n8nEnv';
import { startStandIn, type StandIn } from './helpers/standin';

// n8n's SSRF protection, on for this file (n8n reads it when its HTTP client is first built):
// 127.0.0.0/8 is blocked by default; 127.0.0.1 is let through so the stand-in stays reachable,
// so 127.0.0.2 is what n8n must refuse before connecting.
enableSsrfProtection('127.0.0.1/32');

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const AAC_NODE = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloud';
const AAC_ISSUER = 'https://pingauth.alteryxcloud.com/as';
const inFiveMinutes = () => Math.floor(Date.now() / 1000) + 300;
/** An access token from AAC's US issuer, valid for five minutes (unsigned: nothing here verifies signatures). */
const aacAccessToken = () =>
	fakeJwt({ iss: AAC_ISSUER, client_id: 'aac-client', exp: inFiveMinutes() });
/** The refresh half of the pair; nothing here may ever send it. */
const OTHER_HALF = 'made-up-refresh-half-that-must-stay-home-0123';

let standIn: StandIn;
let counter: ConnectionCounter;
// Also builds n8n-core's process-wide services (logger, instance settings) the helpers need.
const harnessStore = new CredentialStore([]);
createHarness({ nodeTypes: {}, credentialTypes: {}, store: harnessStore, saveSemantics: 'n8n2' });

beforeAll(async () => {
	[standIn, counter] = await Promise.all([startStandIn(), startConnectionCounter()]);
});

afterAll(async () => {
	resetSsrfProtection();
	await Promise.all([standIn?.stop(), counter?.close()]);
});

beforeEach(async () => {
	await standIn.resetStats();
});

/** Values that must never receive the access token of an AAC credential. `{port}` is the counting server. */
const hostileApiBaseUrls = [
	'https://evil.example',
	'http://127.0.0.1:22',
	'http://127.0.0.1:{port}',
	'https://127.0.0.1:{port}',
	'http://localhost:{port}',
	'https://us1.alteryxcloud.com@127.0.0.1:{port}',
	'https://user:pass@us1.alteryxcloud.com',
	'https://us1.alteryxcloud.com.evil.example',
	'https://us1.alteryxcloud.com.127.0.0.1.nip.io:{port}',
	'https://evil.example/us1.alteryxcloud.com',
	'https://evilalteryxcloud.com',
	'https://us1-alteryxcloud.com',
	'https://alteryxcloud.com',
	'https://us1.alteryxcloud.com.',
	'https://a.b.alteryxcloud.com',
	'https://api.api.us1.alteryxcloud.com',
	'https://xn--us1-9ka.alteryxcloud.com',
	'https://us1.alteryxcloud.com:443',
	'https://us1.alteryxcloud.com:8443',
	'http://us1.alteryxcloud.com',
	'ftp://us1.alteryxcloud.com',
	'//us1.alteryxcloud.com',
	'us1.alteryxcloud.com',
	'https://us1.alteryxcloud.com/v4',
	'https://us1.alteryxcloud.com/?x=1',
	'https://us1.alteryxcloud.com?',
	'https://us1.alteryxcloud.com#frag',
	'https://127.0.0.1',
	'https://[::1]',
	'https://2130706433',
	'https://0x7f.0.0.1',
	'https://us1.alteryxcloud.com\\@127.0.0.1',
	'https:\\\\us1.alteryxcloud.com',
	'https://us1.alteryxcloud.com\\.evil.example',
	'https://us1.alteryxcloud.com\t.evil.example',
	'https://us1.alteryxcloud.com /x',
	'https://us1.alteryxcloud.com\n@evil.example',
	'https://us1\u3002alteryxcloud.com',
	'https://us1.alteryxcloud.com\u200b',
	'https://ｕｓ1.alteryxcloud.com',
	'https://us1.alteryxcloud.çom',
	'javascript:alert(1)',
];
const API_HOST_REMEDY =
	'The access token is only sent to AAC API hosts: https://<region>.alteryxcloud.com or https://api.<region>.alteryxcloud.com (for example https://us1.alteryxcloud.com), without port, path or query. Leave the field empty to derive it from the issuer; for your own API server on purpose, turn on "Allow Custom Issuer".';
const withPort = (raw: string) => raw.replace('{port}', String(counter.port));

/** Credential data from AAC's issuer (Allow Custom Issuer off) with this API Base URL. */
const aacCredential = (apiBaseUrl: string): IDataObject => ({
	accessToken: aacAccessToken(),
	refreshToken: OTHER_HALF,
	apiBaseUrl,
});

/** n8n-core's own credential-test context, its request helper counted (and otherwise untouched). */
function realTestContext(): { context: ICredentialTestFunctions; calls: string[] } {
	const context = new CredentialTestContext({} as never) as unknown as ICredentialTestFunctions;
	const calls: string[] = [];
	const real = context.helpers.request;
	context.helpers.request = async (uriOrObject: string | object, options?: object) => {
		calls.push(
			typeof uriOrObject === 'string'
				? uriOrObject
				: String((uriOrObject as { uri?: unknown }).uri),
		);
		return await real(uriOrObject, options);
	};
	return { context, calls };
}

const runTest = async (
	context: ICredentialTestFunctions,
	data: IDataObject,
): Promise<INodeCredentialTestResult> =>
	await alteryxAnalyticsCloudTokenTest.call(context, {
		id: 'x',
		name: 'AAC',
		type: CRED,
		data: data as ICredentialDataDecryptedObject,
	});

describe('API Base URL with an AAC issuer: only AAC API hosts', () => {
	test.each([
		['https://us1.alteryxcloud.com', 'https://us1.alteryxcloud.com'],
		['https://eu1.alteryxcloud.com/', 'https://eu1.alteryxcloud.com'],
		['https://api.us1.alteryxcloud.com', 'https://api.us1.alteryxcloud.com'],
		['https://api.au1.alteryxcloud.com/', 'https://api.au1.alteryxcloud.com'],
		['https://US1.AlteryxCloud.com', 'https://us1.alteryxcloud.com'],
		['  https://eu1.alteryxcloud.com  ', 'https://eu1.alteryxcloud.com'],
	])('%j is accepted as %s', (raw, expected) => {
		expect(readCredential(aacCredential(raw)).apiBaseUrl).toBe(expected);
	});

	test('an empty field still derives the host from the issuer region', () => {
		expect(readCredential(aacCredential('')).apiBaseUrl).toBe('https://us1.alteryxcloud.com');
		const eu = {
			accessToken: fakeJwt({
				iss: 'https://pingauth-eu1.alteryxcloud.com/as',
				client_id: 'c',
				exp: inFiveMinutes(),
			}),
			refreshToken: OTHER_HALF,
		};
		expect(readCredential(eu).apiBaseUrl).toBe('https://eu1.alteryxcloud.com');
	});

	test.each(hostileApiBaseUrls)(
		'%j is a field error naming "API Base URL", with the fix',
		(raw) => {
			let error: unknown;
			try {
				readCredential(aacCredential(withPort(raw)));
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(AacTokenError);
			const problem = error as AacTokenError;
			expect(problem.code).toBe('INVALID_FIELD');
			expect(problem.message).toBe(
				'Credential field "API Base URL" is not an Alteryx Analytics Cloud API host',
			);
			// Fixed text, the value not echoed: a token pasted into the wrong field must not come back.
			expect(problem.description).toBe(API_HOST_REMEDY);
		},
	);

	test('every hostile value: the credential test sends nothing (real n8n helper counted, loopback connections counted)', async () => {
		const { context, calls } = realTestContext();
		const before = counter.connections();
		for (const raw of hostileApiBaseUrls) {
			const result = await runTest(context, aacCredential(withPort(raw)));
			expect({ raw, ...result }).toMatchObject({
				raw,
				status: 'Error',
				message: expect.stringMatching(
					/^Credential field "API Base URL" is not an Alteryx Analytics Cloud API host\. /,
				),
			});
		}
		expect(calls).toEqual([]);
		expect(counter.connections()).toBe(before);
	});

	test('every hostile value: the node fails and hands no apiBaseUrl downstream, with no connection made', async () => {
		const before = counter.connections();
		for (const raw of hostileApiBaseUrls) {
			const store = new CredentialStore([
				{ id: 'c1', name: 'AAC', type: CRED, data: aacCredential(withPort(raw)) },
			]);
			const harness = createHarness({
				nodeTypes: { 'test.start': new StartNode(), [AAC_NODE]: new AlteryxAnalyticsCloud() },
				credentialTypes: { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() },
				store,
				saveSemantics: 'n8n2',
			});
			const nodes: INode[] = [
				{
					id: 's',
					name: 'Start',
					type: 'test.start',
					typeVersion: 1,
					position: [0, 0],
					parameters: { items: 1 },
				},
				{
					id: 'a',
					name: 'AAC',
					type: AAC_NODE,
					typeVersion: 1,
					position: [200, 0],
					parameters: { resource: 'accessToken', operation: 'get' },
					credentials: { [CRED]: { id: 'c1', name: 'AAC' } },
				},
			];
			const result = await harness.runWorkflow({
				nodes,
				connections: { Start: { main: [[{ node: 'AAC', type: 'main', index: 0 }]] } },
			});
			expect({ raw, message: result.nodeError('AAC')?.message }).toEqual({
				raw,
				message: 'Credential field "API Base URL" is not an Alteryx Analytics Cloud API host',
			});
			expect(result.output('AAC')).toEqual([]);
			expect(store.saves).toEqual([]);
		}
		expect(counter.connections()).toBe(before);
	});

	test("an AAC API host: the credential test sends the token there through n8n's helper, GET, no redirects", async () => {
		// A hand-written fake of n8n's helper (AAC's real hosts are not reachable from here): it
		// records what it is asked to send and answers 200.
		const asked: IDataObject[] = [];
		const fake = {
			helpers: {
				request: async (options: IDataObject) => (
					asked.push(options),
					{ statusCode: 200, body: '{}' }
				),
			},
		} as unknown as ICredentialTestFunctions;
		const data = aacCredential('https://api.eu1.alteryxcloud.com/');
		const result = await runTest(fake, data);
		expect(result).toEqual({
			status: 'OK',
			message:
				'Connection successful: AAC at https://api.eu1.alteryxcloud.com accepted the access token.',
		});
		expect(asked).toEqual([
			expect.objectContaining({
				uri: 'https://api.eu1.alteryxcloud.com/v4/people/current',
				method: 'GET',
				headers: {
					Authorization: `Bearer ${data.accessToken as string}`,
					Accept: 'application/json',
				},
				simple: false,
				resolveWithFullResponse: true,
				followRedirect: false,
				followAllRedirects: false,
				timeout: 30_000,
			}),
		]);
	});
});

describe('API Base URL with Allow Custom Issuer: as before', () => {
	const custom = (apiBaseUrl: string): IDataObject => ({
		...aacCredential(apiBaseUrl),
		allowCustomIssuer: true,
	});

	test.each([
		['https://api.own.example/base/', 'https://api.own.example/base'],
		['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
		['http://localhost:3000/x', 'http://localhost:3000/x'],
		['https://evil.example', 'https://evil.example'],
	])('%j is accepted as %s', (raw, expected) => {
		expect(readCredential(custom(raw)).apiBaseUrl).toBe(expected);
	});

	test.each([
		'http://api.own.example',
		'https://user:pass@api.own.example',
		'https://api.own.example/?q',
		'https://api.own.example#f',
		'https://own.example\\@127.0.0.1',
		'not a url',
	])('%j is a field error naming "API Base URL"', (raw) => {
		expect(() => readCredential(custom(raw))).toThrow(
			'Credential field "API Base URL" is not a valid API base URL',
		);
	});
});

describe("credential test through n8n-core's real CredentialTestContext", () => {
	const standInCredential = async (extra: IDataObject = {}): Promise<IDataObject> => ({
		...(await standIn.mint()),
		allowCustomIssuer: true,
		...extra,
	});

	test('the context offers helpers.request only (no httpRequest): the test uses it, not fetch', async () => {
		const { context, calls } = realTestContext();
		expect(Object.keys(context.helpers)).toContain('request');
		expect(Object.keys(context.helpers)).not.toContain('httpRequest');
		const result = await runTest(context, await standInCredential());
		expect(result).toMatchObject({
			status: 'OK',
			message: expect.stringMatching(/^Connection successful/),
		});
		expect(calls).toEqual([`${standIn.apiBaseUrl}/v4/people/current`]);
		expect(await standIn.stats()).toMatchObject({ apiRequests: 1, apiOk: 1, tokenRequests: 0 });
	});

	test("n8n's SSRF protection applies: a blocked loopback address is refused before any connection", async () => {
		const { context, calls } = realTestContext();
		const result = await runTest(
			context,
			await standInCredential({ apiBaseUrl: `http://127.0.0.2:${counter.port}` }),
		);
		expect(result).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(
				/^Could not reach http:\/\/127\.0\.0\.2:\d+ \(SsrfBlockedIpError: /,
			),
		});
		expect(calls).toHaveLength(1);
		expect(await standIn.stats()).toMatchObject({ apiRequests: 0, tokenRequests: 0 });
		expect(counter.connections()).toBe(0);
	});

	test("n8n's proxy settings apply: with HTTP_PROXY set, the call goes to the proxy, not straight to the host", async () => {
		const { context } = realTestContext();
		const proxied: Array<{ url?: string; authorized: boolean }> = [];
		// The recording server plays the proxy: it answers 200 itself and records the absolute URL asked for.
		const proxy = await startRecordingServer((request) => {
			proxied.push({
				url: request.url,
				authorized: typeof request.headers.authorization === 'string',
			});
		});
		try {
			const data = await standInCredential();
			const result = await withEnv(
				{
					HTTP_PROXY: proxy.baseUrl,
					http_proxy: proxy.baseUrl,
					NO_PROXY: undefined,
					no_proxy: undefined,
				},
				async () => await runTest(context, data),
			);
			expect(result).toMatchObject({ status: 'OK' });
		} finally {
			await proxy.close();
		}
		expect(proxied).toEqual([{ url: `${standIn.apiBaseUrl}/v4/people/current`, authorized: true }]);
		expect(await standIn.stats()).toMatchObject({ apiRequests: 0, tokenRequests: 0 });
	});

	test('Allowed HTTP Request Domains: a list with the host works, a list without it sends nothing', async () => {
		const { context, calls } = realTestContext();
		const allowed = await runTest(
			context,
			await standInCredential({
				allowedHttpRequestDomains: 'domains',
				allowedDomains: 'example.com, 127.0.0.1',
			}),
		);
		expect(allowed).toMatchObject({ status: 'OK' });
		expect(await standIn.stats()).toMatchObject({ apiOk: 1 });

		await standIn.resetStats();
		const refused = await runTest(
			context,
			await standInCredential({
				allowedHttpRequestDomains: 'domains',
				allowedDomains: 'us1.alteryxcloud.com, *.127.0.0.1',
			}),
		);
		expect(refused).toEqual({
			status: 'Error',
			message:
				"The API host 127.0.0.1 is not in this credential's Allowed Domains (us1.alteryxcloud.com, *.127.0.0.1). Nothing was sent. Add it there, or check the API Base URL field.",
		});
		const empty = await runTest(
			context,
			await standInCredential({ allowedHttpRequestDomains: 'domains', allowedDomains: ' ' }),
		);
		expect(empty).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(/Allowed Domains is empty\. Nothing was sent/),
		});
		// "None" blocks the credential in the HTTP Request node; for the credential's own call n8n ignores it, and so does the test.
		const none = await runTest(
			context,
			await standInCredential({ allowedHttpRequestDomains: 'none' }),
		);
		expect(none).toMatchObject({ status: 'OK' });
		expect(calls).toHaveLength(2);
		expect(await standIn.stats()).toMatchObject({ apiRequests: 1, apiOk: 1, tokenRequests: 0 });
	});

	test('an expired access token: no request at all, the refresh token never spent', async () => {
		const { context, calls } = realTestContext();
		const result = await runTest(context, {
			...(await standIn.mint({ accessTokenExpired: true })),
			allowCustomIssuer: true,
		});
		expect(result).toMatchObject({
			status: 'OK',
			message: expect.stringMatching(
				/no API call was made \(a test never spends the refresh token\)/,
			),
		});
		expect(calls).toEqual([]);
		expect(await standIn.stats()).toMatchObject({
			apiRequests: 0,
			tokenRequests: 0,
			refreshTokensPresented: 0,
		});
	});

	test('the messages stay: 401 says generate a new pair, an unreachable host names the error', async () => {
		const { context } = realTestContext();
		const pair = await standIn.mint();
		const rejected = await runTest(context, {
			...pair,
			allowCustomIssuer: true,
			accessToken: `${pair.accessToken.slice(0, -4)}AAAA`,
		});
		expect(rejected).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(
				/answered HTTP 401\. AAC rejected the access token: generate a new token pair in AAC\.$/,
			),
		});
		const closedPort = await startConnectionCounter();
		await closedPort.close();
		const unreachable = await runTest(
			context,
			await standInCredential({ apiBaseUrl: `http://127.0.0.1:${closedPort.port}` }),
		);
		expect(unreachable).toMatchObject({
			status: 'Error',
			message: expect.stringMatching(
				/^Could not reach http:\/\/127\.0\.0\.1:\d+ \(\w+\)\. Check the API Base URL field and n8n's network access\.$/,
			),
		});
		expect(JSON.stringify([rejected, unreachable])).not.toContain(pair.accessToken.slice(20, 40));
	});

	test("without n8n's helper (no request in the context) the fetch fallback still works", async () => {
		const result = await runTest(
			{ helpers: {} } as unknown as ICredentialTestFunctions,
			await standInCredential(),
		);
		expect(result).toMatchObject({ status: 'OK' });
		expect(await standIn.stats()).toMatchObject({ apiOk: 1, tokenRequests: 0 });
	});

	test('the node still offers the test under its testedBy name', () => {
		const node = new AlteryxAnalyticsCloud();
		expect(node.description.credentials?.[0]?.testedBy).toBe('alteryxAnalyticsCloudTokenTest');
		expect(node.methods.credentialTest.alteryxAnalyticsCloudTokenTest).toBe(
			alteryxAnalyticsCloudTokenTest,
		);
	});
});
