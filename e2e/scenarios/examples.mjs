// The shipped examples (examples/*.json), imported as users import them, run in real n8n.
import assert from 'node:assert/strict';

import { CREDENTIAL_TYPE } from '../lib/n8n.mjs';
import { CRED } from './settings.mjs';
import * as wf from '../lib/workflows.mjs';

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function downstreamScenario(suite) {
	suite.check(
		'Get → HTTP Request with Authorization: {{ $json.authorization }} (examples/token-to-downstream-node.json): 200',
		{ timeout: 2 * 60_000 },
		async () => {
			const { standIn } = suite;
			await suite.counting('downstream', async () => {
				const run = await suite.execute('exDownstream');
				assert.ok(run.succeeded, suite.describeRun(run));
				const token = wf.outputOf(run.json, 'Get access token')[0];
				assert.equal(
					token?.apiBaseUrl,
					standIn.apiBaseUrl,
					"the node output's apiBaseUrl comes from the credential",
				);
				assert.match(token?.authorization ?? '', /^Bearer ey/);
				const response = wf.outputOf(run.json, 'Who am I')[0];
				assert.equal(
					response?.email,
					'standin@example.com',
					'AAC answered 200 with the current user',
				);
				// The pasted pair's expiry is only its exp claim (AAC's clock), so Get first asks AAC
				// whether it accepts the token (GET /v4/people/current), then the downstream call.
				assert.equal(standIn.stats().apiOk, 2);
			});
		},
	);
}

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function examplesScenario(suite) {
	suite.check(
		'examples: imported as users import them (credential mapped by name), and they run',
		{ timeout: 3 * 60_000 },
		async () => {
			const { standIn, n8n } = suite;
			await suite.counting('examples', async () => {
				const workflows = await n8n.exportWorkflows();
				for (const id of ['exKeepAlive', 'exListPlans', 'exDownstream']) {
					const workflow = workflows.find((entry) => entry.id === id);
					assert.ok(workflow, `example ${id} imported`);
					for (const node of workflow.nodes.filter((entry) => entry.credentials)) {
						assert.equal(
							node.credentials[CREDENTIAL_TYPE]?.id,
							CRED.example.id,
							`${id} / ${node.name}: placeholder mapped to the credential named "${CRED.example.name}"`,
						);
					}
				}

				const plans = await suite.execute('exListPlans');
				assert.ok(plans.succeeded, suite.describeRun(plans));
				assert.deepEqual(
					wf.outputOf(plans.json, 'List plans')[0]?.data,
					[{ id: 1, name: 'Demo plan' }],
					'GET {apiBaseUrl}/v4/plans answered 200',
				);

				const before = await suite.stored('example');
				const keepAlive = await suite.execute('exKeepAlive');
				assert.ok(keepAlive.succeeded, suite.describeRun(keepAlive));
				assert.equal(
					wf.outputOf(keepAlive.json, 'Refresh tokens')[0]?.refreshed,
					true,
					'Refresh rotated the tokens',
				);
				const afterRefresh = await suite.stored('example');
				assert.notEqual(
					afterRefresh.refreshToken,
					before.refreshToken,
					'the rotated pair was stored',
				);
				assert.ok(await standIn.familyAlive(afterRefresh.refreshToken));
				assert.equal(standIn.stats().refreshGrantsOk, 1);
			});
		},
	);
}
