// n8n's credential setting "Allowed HTTP Request Domains" (fields allowedHttpRequestDomains and
// allowedDomains, which n8n adds to every credential type with `authenticate`), in real n8n
// against the AAC stand-in. Run: node --test --test-concurrency=1 e2e/allowed-domains.e2e.mjs
//
// The stand-in answers both roles on one port, so two names tell them apart: the refresh goes to
// the issuer on 127.0.0.1 (from the access token's iss), the API calls to the API Base URL on
// localhost. Each case lists either both hosts, only the API host, or only the identity host, and
// runs the two ways a user calls AAC: the HTTP Request node with the predefined credential, and
// our node's Get followed by that HTTP Request node. Every access token starts expired, so every
// run must refresh first. E2E_N8N=2 limits the versions (e2e/lib/versions.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CREDENTIAL_TYPE } from './lib/n8n.mjs';
import { setUpOwner, startServer } from './lib/server.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';

/**
 * What each version does with the list, read in its source and measured here. Both versions add
 * the two fields. 2.41.1 checks the HTTP Request node's request against the list before sending,
 * and restricts the credential's own preAuthentication requests (the refresh made through the
 * HTTP Request node) to it (`restrictToCredentialDomains` in the CLI's credentials-helper).
 * 1.123.81 hands the list to the legacy request helper, which checks it only on redirects, so it
 * stops neither the API call nor the refresh. No version applies it to a node's
 * `helpers.httpRequest`, which our node's Get uses for its refresh.
 */
const ENFORCED = {
	'2.41.1': { apiCall: true, refreshThroughHttpRequest: true },
	'1.123.81': { apiCall: false, refreshThroughHttpRequest: false },
};

forEachN8n(
	'Allowed HTTP Request Domains',
	{ name: 'allowed-domains', standIn: { accessTokenTtlSeconds: 300 }, timeout: 15 * 60_000 },
	(fx) => {
		const { version } = fx;
		let standIn;
		let n8n;
		let identityHost;
		let apiHost;
		const cases = {};
		const lists = () => ({
			both: `${identityHost}, ${apiHost}`,
			apiOnly: apiHost,
			identityOnly: identityHost,
		});

		before(async () => {
			({ standIn, n8n } = fx);
			identityHost = new URL(standIn.issuer).hostname; // 127.0.0.1
			const apiBaseUrl = standIn.apiBaseUrl.replace('127.0.0.1', 'localhost');
			apiHost = new URL(apiBaseUrl).hostname; // localhost
			assert.notEqual(identityHost, apiHost);
			const credentials = [];
			const workflows = [];
			for (const [listName, allowedDomains] of Object.entries(lists())) {
				for (const path of ['http', 'node']) {
					const key = `${path}-${listName}`;
					const id = `ad${path}${listName}`.slice(0, 16);
					const pair = await standIn.mint({ accessTokenExpired: true });
					cases[key] = { id, pair, allowedDomains };
					credentials.push({
						id,
						name: `AAC allowed domains ${key}`,
						type: CREDENTIAL_TYPE,
						data: {
							accessToken: pair.accessToken,
							refreshToken: pair.refreshToken,
							allowCustomIssuer: true,
							apiBaseUrl,
							allowedHttpRequestDomains: 'domains',
							allowedDomains,
						},
					});
					const ref = wf.credentialRef(id, `AAC allowed domains ${key}`);
					const call = wf.httpWithCredential('Call API', `${apiBaseUrl}/v4/people/current`, ref);
					workflows.push(
						wf.chain(
							id,
							`allowed domains ${key}`,
							path === 'http'
								? [wf.manualTrigger(), call]
								: [wf.manualTrigger(), wf.aacNode('Get token', 'get', ref), call],
						),
					);
				}
			}
			await n8n.importCredentials(credentials);
			await n8n.importWorkflow(workflows);
		});

		after(() => {
			const summary = Object.fromEntries(Object.entries(cases).map(([key, c]) => [key, c.figures]));
			console.log(`allowed-domains n8n ${version}: ${JSON.stringify(summary)}`);
		});

		/** Runs one case with fresh stand-in counters; returns the run, the counters and the stored refresh token. */
		async function runCase(key) {
			standIn.resetStats();
			const run = await n8n.execute(cases[key].id);
			const stats = standIn.stats();
			const stored = (await n8n.exportCredentials()).find(
				(entry) => entry.id === cases[key].id,
			)?.data;
			const callItems = wf.outputOf(run.json, 'Call API');
			const error = wf.runError(run.json);
			const figures = {
				status: run.status,
				apiStatus: callItems[0]?.statusCode,
				error: error ? String(error.message).slice(0, 160) : undefined,
				errorDescription: error?.description ? String(error.description).slice(0, 300) : undefined,
				tokenRequests: stats.tokenRequests,
				refreshGrantsOk: stats.refreshGrantsOk,
				reuseDetections: stats.reuseDetections,
				maxUsesOfOneRefreshToken: stats.maxUsesOfOneRefreshToken,
				apiRequests: stats.apiRequests,
				apiOk: stats.apiOk,
				rotatedPairSaved: stored?.refreshToken !== cases[key].pair.refreshToken,
			};
			cases[key].figures = figures;
			// No token in what we print or assert on.
			assert.ok(!JSON.stringify(figures).includes(cases[key].pair.refreshToken.slice(0, 12)));
			return { run, figures, stored };
		}

		test('both hosts listed, HTTP Request node with the credential: refresh and API call work', async () => {
			const { figures, stored } = await runCase('http-both');
			assert.deepEqual(
				{
					status: figures.status,
					apiStatus: figures.apiStatus,
					tokenRequests: figures.tokenRequests,
					reuseDetections: figures.reuseDetections,
					apiOk: figures.apiOk,
				},
				{ status: 'success', apiStatus: 200, tokenRequests: 1, reuseDetections: 0, apiOk: 1 },
			);
			assert.ok(figures.rotatedPairSaved, 'the rotated pair is saved');
			assert.equal(await standIn.familyAlive(stored.refreshToken), true);
		});

		test('both hosts listed, our node Get then HTTP Request with the credential: refresh and API call work', async () => {
			const { run, figures, stored } = await runCase('node-both');
			assert.deepEqual(
				{
					status: figures.status,
					apiStatus: figures.apiStatus,
					tokenRequests: figures.tokenRequests,
					reuseDetections: figures.reuseDetections,
					apiOk: figures.apiOk,
				},
				{ status: 'success', apiStatus: 200, tokenRequests: 1, reuseDetections: 0, apiOk: 1 },
			);
			assert.equal(wf.outputOf(run.json, 'Get token')[0]?.refreshed, true);
			assert.ok(figures.rotatedPairSaved);
			assert.equal(await standIn.familyAlive(stored.refreshToken), true);
		});

		/** A refresh happened once, was saved, and the family lives. */
		async function refreshedOnce(key, { figures, stored }) {
			assert.deepEqual(
				{
					tokenRequests: figures.tokenRequests,
					refreshGrantsOk: figures.refreshGrantsOk,
					reuseDetections: figures.reuseDetections,
					maxUses: figures.maxUsesOfOneRefreshToken,
				},
				{ tokenRequests: 1, refreshGrantsOk: 1, reuseDetections: 0, maxUses: 1 },
				key,
			);
			assert.ok(figures.rotatedPairSaved, `${key}: the rotated pair is saved`);
			assert.equal(await standIn.familyAlive(stored.refreshToken), true, key);
		}

		/** The API call either refused by n8n before sending (2.41.1) or made (1.123.81). */
		function apiCallAsEnforced(key, { figures }) {
			if (ENFORCED[version].apiCall) {
				assert.equal(figures.status, 'error', `${key}: the run fails`);
				assert.match(
					figures.error ?? '',
					/^Domain not allowed: This credential is restricted from accessing localhost:\d+\./,
					`${key}: n8n's own refusal`,
				);
				assert.equal(figures.apiRequests, 0, `${key}: the API host received nothing`);
			} else {
				assert.deepEqual(
					{ status: figures.status, apiStatus: figures.apiStatus, apiOk: figures.apiOk },
					{ status: 'success', apiStatus: 200, apiOk: 1 },
					`${key}: n8n does not apply the list`,
				);
			}
		}

		test('only the identity host listed: the refresh works; the API call is refused where n8n enforces the list', async () => {
			for (const key of ['http-identityOnly', 'node-identityOnly']) {
				const result = await runCase(key);
				await refreshedOnce(key, result);
				apiCallAsEnforced(key, result);
			}
		});

		test('only the API host listed: the refresh through the HTTP Request node is refused where n8n enforces the list; our node refreshes', async () => {
			const http = await runCase('http-apiOnly');
			if (ENFORCED[version].refreshThroughHttpRequest) {
				// preAuthentication's request to the unlisted identity host is refused by n8n before
				// anything is sent; the core reports a token request that could not be sent.
				assert.equal(http.figures.status, 'error');
				assert.match(
					http.figures.error ?? '',
					/^The token endpoint http:\/\/127\.0\.0\.1:\d+\/as\/token could not be called\. Nothing was saved\./,
				);
				assert.match(http.figures.errorDescription ?? '', /the credential's allowed domains/);
				assert.deepEqual(
					{
						tokenRequests: http.figures.tokenRequests,
						apiRequests: http.figures.apiRequests,
						reuseDetections: http.figures.reuseDetections,
						saved: http.figures.rotatedPairSaved,
					},
					{ tokenRequests: 0, apiRequests: 0, reuseDetections: 0, saved: false },
				);
			} else {
				await refreshedOnce('http-apiOnly', http);
				apiCallAsEnforced('http-apiOnly', http);
			}
			// Our node refreshes through the node's helpers.httpRequest; the API host is listed.
			const node = await runCase('node-apiOnly');
			await refreshedOnce('node-apiOnly', node);
			assert.deepEqual(
				{
					status: node.figures.status,
					apiStatus: node.figures.apiStatus,
					apiOk: node.figures.apiOk,
				},
				{ status: 'success', apiStatus: 200, apiOk: 1 },
			);
		});
	},
);

forEachN8n(
	"the credential test through n8n's REST API, as the form's Test button",
	{ name: 'credential-test', standIn: { accessTokenTtlSeconds: 300 }, timeout: 10 * 60_000 },
	(fx) => {
		const { version } = fx;
		let standIn;
		let server;
		let cookie;
		let apiBaseUrl;

		before(async () => {
			({ standIn } = fx);
			apiBaseUrl = standIn.apiBaseUrl.replace('127.0.0.1', 'localhost');
			server = await startServer(fx.n8n);
			cookie = await setUpOwner(server);
		});

		after(async () => {
			await server?.stop();
		});

		const rest = async (path, body) =>
			await fetch(`${server.url}/rest/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', cookie },
				body: JSON.stringify(body),
			});

		/**
		 * POST /rest/credentials/test, like the form's Test button. 2.x tests a credential that is not
		 * saved (id ''); 1.x tests only saved ones, so there it is created first (with the same data).
		 */
		async function testCredential(data) {
			let id = '';
			if (version.startsWith('1.')) {
				const created = await rest('credentials', {
					name: `AAC form ${Date.now()}`,
					type: CREDENTIAL_TYPE,
					data,
				});
				const body = await created.json();
				assert.equal(created.status, 200, JSON.stringify(body).slice(0, 300));
				id = (body.data ?? body).id;
			}
			standIn.resetStats();
			const response = await rest('credentials/test', {
				credentials: { id, name: 'AAC form', type: CREDENTIAL_TYPE, data },
			});
			const body = await response.json();
			assert.equal(response.status, 200, JSON.stringify(body).slice(0, 300));
			return { result: body.data ?? body, stats: standIn.stats() };
		}

		test('the API host in Allowed Domains: OK, one API call, no token request', async () => {
			const pair = await standIn.mint();
			const { result, stats } = await testCredential({
				...pair,
				allowCustomIssuer: true,
				apiBaseUrl,
				allowedHttpRequestDomains: 'domains',
				allowedDomains: '127.0.0.1, localhost',
			});
			assert.deepEqual(result, {
				status: 'OK',
				message: `Connection successful: AAC at ${apiBaseUrl} accepted the access token.`,
			});
			assert.deepEqual(
				{ apiOk: stats.apiOk, tokenRequests: stats.tokenRequests },
				{ apiOk: 1, tokenRequests: 0 },
			);
		});

		test('the API host left out of Allowed Domains: an error, nothing sent', async () => {
			const pair = await standIn.mint();
			const { result, stats } = await testCredential({
				...pair,
				allowCustomIssuer: true,
				apiBaseUrl,
				allowedHttpRequestDomains: 'domains',
				allowedDomains: '127.0.0.1',
			});
			assert.equal(result.status, 'Error');
			assert.equal(
				result.message,
				"The API host localhost is not in this credential's Allowed Domains (127.0.0.1). Nothing was sent. Add it there, or check the API Base URL field.",
			);
			assert.deepEqual(
				{ apiRequests: stats.apiRequests, tokenRequests: stats.tokenRequests },
				{ apiRequests: 0, tokenRequests: 0 },
			);
		});

		test('an expired access token: OK without any request; the refresh token is not spent', async () => {
			const pair = await standIn.mint({ accessTokenExpired: true });
			const { result, stats } = await testCredential({
				...pair,
				allowCustomIssuer: true,
				apiBaseUrl,
			});
			assert.equal(result.status, 'OK');
			assert.match(
				result.message,
				/no API call was made \(a test never spends the refresh token\)/,
			);
			assert.deepEqual(
				{ apiRequests: stats.apiRequests, tokenRequests: stats.tokenRequests },
				{ apiRequests: 0, tokenRequests: 0 },
			);
			assert.equal(await standIn.familyAlive(pair.refreshToken), true);
		});

		test('an AAC issuer with a non-AAC API Base URL: the field error, nothing sent', async () => {
			// A well-formed, unexpired token whose iss is AAC's (unsigned: the test never verifies signatures).
			const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
			const accessToken = `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: 'https://pingauth.alteryxcloud.com/as', client_id: 'c', exp: Math.floor(Date.now() / 1000) + 300 })}.c2ln`;
			const { result, stats } = await testCredential({
				accessToken,
				refreshToken: 'made-up-refresh-half-not-sent-anywhere',
				apiBaseUrl: standIn.apiBaseUrl,
			});
			assert.equal(result.status, 'Error');
			assert.match(
				result.message,
				/^Credential field "API Base URL" is not an Alteryx Analytics Cloud API host\. The access token is only sent to AAC API hosts/,
			);
			assert.equal(stats.apiRequests, 0);
		});
	},
);
