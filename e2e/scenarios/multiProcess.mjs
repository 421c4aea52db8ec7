// Two n8n processes at once on one database and one credential, rounds on the same wall-clock
// ticks: Refresh Operation Only (a writer and a reader) must never reuse a refresh token;
// Automatic (two readers) races on purpose and is measured, not asserted.
import assert from 'node:assert/strict';

import { AUTOMATIC_TTL_SECONDS, OP_ONLY_TTL_SECONDS, ROUNDS, seconds } from './settings.mjs';
import * as wf from '../lib/workflows.mjs';

/** What one process's rounds came to: 'ok', or why not, per round. */
function roundOutcomes(run, role) {
	const outcomes = [];
	for (let round = 1; round <= ROUNDS; round++) {
		const item = wf.outputOf(run.json, `Round ${String(round).padStart(2, '0')}`)[0];
		if (!item) outcomes.push('did not run');
		else if (item.error)
			outcomes.push(
				`error: ${typeof item.error === 'string' ? item.error : (item.error.message ?? JSON.stringify(item.error))}`,
			);
		else if (role === 'writer') outcomes.push(item.refreshed === true ? 'ok' : 'not refreshed');
		else outcomes.push(item.statusCode === 200 ? 'ok' : `HTTP ${item.statusCode}`);
	}
	return outcomes;
}

/** @param {import('../lib/suite.mjs').SuiteContext} suite */
export function multiProcessScenario(suite) {
	for (const mode of ['refreshOperationOnly', 'automatic']) {
		const title =
			mode === 'refreshOperationOnly'
				? `two n8n processes, ${ROUNDS} rounds, Refresh Operation Only (writer + reader): no reuse, family alive`
				: `two n8n processes, ${ROUNDS} rounds, Automatic (two readers): measured`;
		suite.check(title, { timeout: 5 * 60_000 }, async () => {
			const { standIn, n8n } = suite;
			const opOnly = mode === 'refreshOperationOnly';
			const key = opOnly ? 'opOnly' : 'automatic';
			standIn.setAccessTokenTtl(opOnly ? OP_ONLY_TTL_SECONDS : AUTOMATIC_TTL_SECONDS);
			// Refresh-operation-only starts with a token that outlives the processes' boot, not the
			// rounds: the reader must pick up the writer's rotations. Automatic starts expired.
			const pair = await suite.mint(
				key,
				opOnly ? { accessTokenTtlSeconds: 30 } : { accessTokenExpired: true },
			);
			await n8n.importCredentials([
				suite.credential(key, pair, { refreshMode: mode, refreshMarginSeconds: 1 }),
			]);
			const result = await suite.counting(key, async () => {
				const started = Date.now();
				const roles = opOnly
					? [
							['writer', 'mpWriter'],
							['reader', 'mpReaderOpOnly'],
						]
					: [
							['reader 1', 'mpReaderAuto'],
							['reader 2', 'mpReaderAuto'],
						];
				const runs = await Promise.all(
					roles.map(([role, id]) =>
						suite.execute(id, { label: `mp-${mode}-${role.replace(' ', '')}`, timeoutMs: 240_000 }),
					),
				);
				const wallSeconds = seconds(Date.now() - started);
				const stats = standIn.stats();
				const now = await suite.stored(key);
				const familyAlive = await standIn.familyAlive(now.refreshToken);
				const processes = runs.map((run, index) => {
					const role = roles[index][0];
					const outcomes = roundOutcomes(run, role);
					return {
						role,
						exitCode: run.exitCode,
						ok: outcomes.filter((o) => o === 'ok').length,
						outcomes,
						log: run.logFile,
					};
				});
				return {
					mode,
					rounds: ROUNDS,
					refreshes: stats.refreshGrantsOk,
					tokenRequests: stats.tokenRequests,
					reuseDetections: stats.reuseDetections,
					invalidGrants: stats.invalidGrants,
					maxUsesOfOneRefreshToken: stats.maxUsesOfOneRefreshToken,
					apiOk: stats.apiOk,
					apiUnauthorized: stats.apiUnauthorized,
					familyAlive,
					wallSeconds,
					processes,
					runs,
				};
			});
			const { runs, ...figure } = result;
			suite.figures.multiProcess[mode] = figure;
			console.log(
				`e2e n8n ${suite.version} multi-process ${mode}: ${JSON.stringify({ ...figure, processes: figure.processes.map(({ log, ...p }) => p) })}`,
			);

			for (const run of runs)
				assert.ok(
					run.json,
					`each process ran its ${ROUNDS} rounds and printed the run (${suite.describeRun(run)})`,
				);
			if (opOnly) {
				const [writer, reader] = figure.processes;
				assert.equal(figure.reuseDetections, 0, 'no reuse detection');
				assert.ok(figure.familyAlive, 'family alive');
				assert.ok(figure.refreshes >= 3, `refreshes really happened (${figure.refreshes})`);
				assert.equal(figure.maxUsesOfOneRefreshToken, 1, 'every refresh token used once');
				assert.deepEqual(
					writer.outcomes.filter((o) => o !== 'ok'),
					[],
					'every writer round refreshed',
				);
				assert.deepEqual(
					reader.outcomes.filter((o) => o !== 'ok'),
					[],
					'every reader round answered 200',
				);
			}
		});
	}
}
