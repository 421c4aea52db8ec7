// Chain: 10 executions, each a fresh n8n process finding the access token expired; n8n must store
// every rotated pair, and every refresh token is used once.
import assert from 'node:assert/strict';

import { CHAIN_STEPS, seconds } from './settings.mjs';
import * as wf from '../lib/workflows.mjs';

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function chainScenario(suite) {
	suite.check(
		'chain of 10 executions across access-token expiries: n8n stores every rotated pair',
		{ timeout: 8 * 60_000 },
		async () => {
			const { standIn, minted } = suite;
			await suite.counting('chain', async () => {
				const started = Date.now();
				const issuedAtStart = standIn.issuedRefreshTokens().length;
				let previous = {
					accessToken: minted.chain.accessToken,
					refreshToken: minted.chain.refreshToken,
				};
				let refreshes = 0;
				let newestAfter = 0;
				const problems = [];
				for (let step = 1; step <= CHAIN_STEPS; step++) {
					// Alternate the two ways the credential is used: HTTP Request's preAuthentication, and our node.
					const workflowId = step % 2 === 1 ? 'chainHttp' : 'chainGet';
					const run = await suite.execute(workflowId, { label: `chain-${step}-${workflowId}` });
					if (!run.succeeded)
						problems.push(`step ${step} (${workflowId}): ${suite.describeRun(run)}`);
					const response = wf.outputOf(run.json, 'Call API')[0];
					if (response?.statusCode !== 200)
						problems.push(`step ${step} (${workflowId}): API answered ${response?.statusCode}`);

					const now = await suite.stored('chain');
					const issued = standIn.issuedRefreshTokens();
					const newest = issued.length > issuedAtStart ? issued.at(-1) : minted.chain.refreshToken;
					if (now.refreshToken === newest) newestAfter += 1;
					else problems.push(`step ${step}: stored refresh token is not the newest issued one`);
					if (!(await standIn.familyAlive(now.refreshToken)))
						problems.push(`step ${step}: stored refresh token is not alive`);
					if (now.refreshToken !== previous.refreshToken) {
						refreshes += 1;
						if (now.accessToken === previous.accessToken)
							problems.push(`step ${step}: refresh token rotated but access token did not`);
					}
					if (workflowId === 'chainGet') {
						const got = wf.outputOf(run.json, 'Get token')[0];
						if (got && got.accessToken !== now.accessToken)
							problems.push(`step ${step}: Get output a token that is not the stored one`);
					}
					previous = { accessToken: now.accessToken, refreshToken: now.refreshToken };
				}
				const stats = standIn.stats();
				const familyAlive = await standIn.familyAlive(previous.refreshToken);
				suite.figures.chain = {
					refreshes: stats.refreshGrantsOk,
					maxUses: stats.maxUsesOfOneRefreshToken,
					reuseDetections: stats.reuseDetections,
					newestAfter,
					familyAlive,
					wallSeconds: seconds(Date.now() - started),
				};
				assert.deepEqual(
					problems,
					[],
					`${problems.length} problem(s) in the chain, the first: ${problems[0]}`,
				);
				assert.ok(
					refreshes >= 3,
					`the chain spans at least 3 access-token expiries (it refreshed ${refreshes} times)`,
				);
				assert.equal(
					stats.refreshGrantsOk,
					refreshes,
					'every refresh the stand-in saw ended up stored in n8n',
				);
				assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token used exactly once');
				assert.equal(stats.reuseDetections, 0);
				assert.equal(stats.invalidGrants, 0);
				assert.ok(familyAlive, 'token family alive at the end');
			});
		},
	);
}
