// A token family revoked at the server: the run fails with the remedy, the refresh token is sent
// once, and the stored credential stays as it was.
import assert from 'node:assert/strict';

import { REMEDY } from './settings.mjs';
import * as wf from '../lib/workflows.mjs';

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function revokedFamilyScenario(suite) {
	suite.check(
		'family revoked in AAC: the run fails with the remedy, the stored credential is unchanged',
		{ timeout: 3 * 60_000 },
		async () => {
			const { standIn, minted, figures } = suite;
			await suite.counting('revoked', async () => {
				assert.deepEqual(await standIn.revokeFamily(minted.revoked.refreshToken), {
					revoked: true,
				});
				const run = await suite.execute('revoked');
				const error = wf.runError(run.json);
				const httpItem = wf.outputOf(run.json, 'Call API')[0];
				const printed = `${run.stdout}\n${run.stderr}`;
				figures.revoked = { remedyShown: printed.includes(REMEDY) };
				assert.equal(run.status, 'error', 'the execution fails');
				assert.ok(
					run.exitCode === 1 || run.crashedOnExit,
					`n8n exits 1 (${suite.describeRun(run)})`,
				);
				assert.ok(error, `the run reports an error (${suite.describeRun(run)})`);
				assert.match(error.message, /rejected the refresh token/);
				assert.ok(
					String(error.description).includes(REMEDY),
					`the error says what to do: ${error.description}`,
				);
				assert.ok(figures.revoked.remedyShown, "n8n's output shows the remedy");
				assert.match(
					JSON.stringify(httpItem?.error ?? httpItem ?? ''),
					/rejected the refresh token/,
					'the HTTP Request node reports the rejected refresh token too',
				);
				assert.equal(
					standIn.stats().tokenRequests,
					1,
					'a rejected refresh token is never sent again',
				);
				const now = await suite.stored('revoked');
				figures.revoked.unchanged =
					now.accessToken === minted.revoked.accessToken &&
					now.refreshToken === minted.revoked.refreshToken;
				assert.ok(figures.revoked.unchanged, 'the stored credential is unchanged');
			});
		},
	);
}
