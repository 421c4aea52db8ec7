// 50 items through HTTP Request with an expired access token: one refresh serves them all.
import assert from 'node:assert/strict';

import { CHAIN_TTL_SECONDS, ITEMS_TTL_SECONDS } from './settings.mjs';
import * as wf from '../lib/workflows.mjs';

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function items50Scenario(suite) {
	suite.check(
		'HTTP Request node, predefined credential, 50 items, expired access token: one refresh, 50 × 200',
		{ timeout: 3 * 60_000 },
		async () => {
			const { standIn } = suite;
			await suite.counting('items', async () => {
				// The refreshed token must outlive the 50 calls: with the chain's 5-s tokens a loaded
				// machine (50 calls took 11 s once) makes a second, legitimate refresh.
				standIn.setAccessTokenTtl(ITEMS_TTL_SECONDS);
				const run = await suite
					.execute('items50')
					.finally(() => standIn.setAccessTokenTtl(CHAIN_TTL_SECONDS));
				const responses = wf.outputOf(run.json, 'Call API');
				suite.figures.items = { ok: responses.filter((item) => item.statusCode === 200).length };
				assert.ok(run.succeeded, suite.describeRun(run));
				assert.equal(responses.length, 50);
				assert.equal(suite.figures.items.ok, 50, 'every item answered 200');
				const stats = standIn.stats();
				assert.equal(stats.refreshGrantsOk, 1, 'exactly one refresh');
				assert.equal(stats.tokenRequests, 1, 'exactly one token request');
				assert.equal(stats.apiOk, 50);
				assert.equal(stats.apiUnauthorized, 0);
				assert.equal(stats.reuseDetections, 0);
				const now = await suite.stored('items');
				assert.notEqual(
					now.refreshToken,
					suite.minted.items.refreshToken,
					'the rotated pair was stored',
				);
				assert.ok(
					await standIn.familyAlive(now.refreshToken),
					'the stored refresh token is the live one',
				);
			});
		},
	);
}
