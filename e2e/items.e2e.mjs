// Plan → Get on 100 items in real n8n (1.123.81 and 2.41.1), installed as a community package,
// against the AAC stand-in (real oidc-provider OAuth; our hand-written fake of AAC's v4 API). Read-
// only operations run their items CONCURRENT_ITEMS at a time (actions/router.ts), so several
// items reach n8n's preAuthentication with the same expired access token at once: n8n's own
// credential handling must still give one refresh, saved, the family alive, and every item's plan
// in item order.
// Run: node --test --test-concurrency=1 e2e/items.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as wf from './lib/workflows.mjs';
import { forEachN8n } from './lib/versions.mjs';

const ITEMS = 100;

forEachN8n(
	'items of a read-only operation',
	{
		name: 'items',
		standIn: { accessTokenTtlSeconds: 300, api: { seed: { plans: ITEMS } } },
		timeout: 5 * 60_000,
	},
	(fx) => {
		let minted;
		const cred = { id: 'e2eItems', name: 'AAC items' };

		before(async () => {
			const { standIn, n8n } = fx;
			minted = await standIn.mint({ accessTokenExpired: true });
			await n8n.importCredentials([wf.mintedCredential(cred, minted, standIn.apiBaseUrl)]);
			const credential = wf.credentialRef(cred.id, cred.name);
			await n8n.importWorkflow(
				wf.chain('items', 'e2e items of Plan → Get', [
					wf.manualTrigger(),
					wf.makeArray('Ids', 'id', ITEMS),
					wf.splitOut('Each id', 'id'),
					wf.aacOperation(
						'Get plan',
						{ resource: 'plan', operation: 'get', planId: wf.byId('={{ $json.id }}') },
						credential,
					),
				]),
			);
		});

		test(`${ITEMS} items, expired access token: ${ITEMS} plans in item order, ${ITEMS} GETs, one refresh, saved, family alive`, async () => {
			const { standIn, n8n } = fx;
			const run = await n8n.execute('items');
			assert.ok(
				run.succeeded,
				`n8n execute failed (exit ${run.exitCode}): ${wf.runError(run.json)?.message ?? 'no run JSON'} (log: ${run.logFile})`,
			);
			assert.deepEqual(
				wf.outputOf(run.json, 'Get plan').map((plan) => plan.id),
				Array.from({ length: ITEMS }, (_, i) => i + 1),
			);
			const counters = standIn.api.counters();
			assert.equal(counters.requests.getPlanFull, ITEMS, JSON.stringify(counters.requests));

			const stats = standIn.stats();
			assert.equal(stats.tokenRequests, 1, JSON.stringify(stats));
			assert.equal(stats.refreshGrantsOk, 1, JSON.stringify(stats));
			assert.equal(stats.reuseDetections, 0, JSON.stringify(stats));
			assert.equal(stats.maxUsesOfOneRefreshToken, 1, JSON.stringify(stats));
			const stored = (await n8n.exportCredentials()).find((c) => c.id === cred.id).data;
			assert.notEqual(stored.refreshToken, minted.refreshToken);
			assert.equal(await standIn.familyAlive(stored.refreshToken), true);
		});
	},
);
