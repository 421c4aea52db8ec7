// The node's read operations in real n8n (1.123.81 and 2.41.1), installed as a community package,
// against the AAC stand-in (strict world; real oidc-provider OAuth; our hand-written fake of AAC's v4 API): one
// execution lists 1,234 plans (Return All), asks who the token belongs to, and gets a plan that
// does not exist with "On Error: Continue". The stored access token has expired, so the first API
// request refreshes through n8n's preAuthentication: exactly once, saved, family alive.
// Run: node --test --test-concurrency=1 e2e/operations.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { NODE_TYPE } from './lib/n8n.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';

const PLANS = 1234;
/** transport/paging.ts's PAGE_SIZE. */
const PAGE_SIZE = 100;

function readWorkflow(id, credential) {
	const aac = (name, parameters, extra = {}) => ({
		id: `${id}-${name.replace(/\W/g, '')}`,
		name,
		type: NODE_TYPE,
		typeVersion: 1,
		position: [220, 0],
		parameters,
		credentials: credential,
		...extra,
	});
	const nodes = [
		{
			id: `${id}-t`,
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		aac('Me', { resource: 'user', operation: 'getCurrent' }),
		aac('Plans', { resource: 'plan', operation: 'getMany', returnAll: true, filters: {} }),
		aac(
			'Missing plan',
			{ resource: 'plan', operation: 'get', planId: { __rl: true, mode: 'id', value: '99999' } },
			{ onError: 'continueRegularOutput' },
		),
	];
	// Me first (its request refreshes), then the other two; n8n runs them one after the other.
	const connections = {
		Start: { main: [[{ node: 'Me', type: 'main', index: 0 }]] },
		Me: {
			main: [
				[
					{ node: 'Plans', type: 'main', index: 0 },
					{ node: 'Missing plan', type: 'main', index: 0 },
				],
			],
		},
	};
	return {
		id,
		name: 'e2e read operations',
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

forEachN8n(
	'read operations',
	{
		name: 'operations',
		standIn: { accessTokenTtlSeconds: 300, api: { seed: { plans: PLANS } } },
		timeout: 5 * 60_000,
	},
	(fx) => {
		let minted;
		const cred = { id: 'e2eOpsRead', name: 'AAC read operations' };

		before(async () => {
			const { standIn, n8n } = fx;
			minted = await standIn.mint({ accessTokenExpired: true });
			await n8n.importCredentials([wf.mintedCredential(cred, minted, standIn.apiBaseUrl)]);
			await n8n.importWorkflow(readWorkflow('opsRead', wf.credentialRef(cred.id, cred.name)));
		});

		test('user getCurrent, Return All over 1,234 plans in the fewest pages, a 404 as an error item; one refresh, saved', async () => {
			const { standIn, n8n } = fx;
			const run = await n8n.execute('opsRead');
			assert.ok(
				run.succeeded,
				`n8n execute failed (exit ${run.exitCode}): ${wf.runError(run.json)?.message ?? 'no run JSON'} (log: ${run.logFile})`,
			);

			assert.deepEqual(
				wf.outputOf(run.json, 'Me').map((me) => me.id),
				[1],
			);
			const plans = wf.outputOf(run.json, 'Plans');
			assert.deepEqual(
				plans.map((plan) => plan.id),
				Array.from({ length: PLANS }, (_, i) => i + 1),
			);
			// The strict stand-in serves 25 a page whatever is asked (AAC's largest page is unknown).
			const served = Math.min(PAGE_SIZE, standIn.api.settings().pageCap ?? PAGE_SIZE);
			const counters = standIn.api.counters();
			assert.equal(
				counters.requests.listPlans,
				Math.ceil(PLANS / served),
				JSON.stringify(counters.requests),
			);

			const [missing] = wf.outputOf(run.json, 'Missing plan');
			assert.match(
				String(missing?.error),
				/^AAC answered 404 to GET \/v4\/plans\/99999\/full \(DataNotFoundException/,
			);

			const stats = standIn.stats();
			assert.equal(stats.refreshGrantsOk, 1, JSON.stringify(stats));
			assert.equal(stats.reuseDetections, 0, JSON.stringify(stats));
			assert.equal(stats.maxUsesOfOneRefreshToken, 1, JSON.stringify(stats));
			const stored = (await n8n.exportCredentials()).find((c) => c.id === cred.id).data;
			assert.notEqual(stored.refreshToken, minted.refreshToken);
			assert.equal(await standIn.familyAlive(stored.refreshToken), true);
		});
	},
);
