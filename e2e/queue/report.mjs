// RESULTS.md of the queue test: its set-up and the figures the checks asserted, from `figures`
// (filled by queue.e2e.mjs as the scenarios run; a figure that was not measured says so).
import { failedLines } from '../lib/recording.mjs';
import { VERSION, seconds } from './cluster.mjs';
import { CONTROL_CALLS } from './control.mjs';
import { TOKEN_TTL_SECONDS } from './workflows.mjs';

export function renderReport({ figures, outcomes, versions, settings }) {
	const { load, waits, standIn, keeper, restart, stored, probe, boot, secrets } = figures;
	const yes = (value) => (value === undefined ? '?' : value ? 'yes' : 'NO');
	const passed = outcomes.filter((o) => o.passed).length;
	const lines = [
		'# Queue mode: the Token Keeper as the writer, webhook readers, run-and-wait, a restart (n8n 2.41.1, 1 main + 2 workers)',
		'',
		`Written by \`npm run test:queue\` (e2e/queue/queue.e2e.mjs), run ${new Date().toISOString().slice(0, 16)}Z.`,
		`Tests: ${passed} of ${outcomes.length} passed.`,
		...failedLines(outcomes),
		'',
		'## Setup',
		'',
		`- n8n ${VERSION} on Node ${versions.n8nNode}, \`EXECUTIONS_MODE=queue\`: one main (\`n8n start\`) and ${settings.workers} workers (\`n8n worker\`${settings.workerConcurrency ? ` --concurrency=${settings.workerConcurrency}` : ", n8n's default concurrency of 10"}), each with its own task-broker port, one shared \`N8N_ENCRYPTION_KEY\`.`,
		`- PostgreSQL ${versions.postgres} (\`DB_TYPE=postgresdb\`) and Redis ${versions.redis}, throwaway instances on 127.0.0.1 (e2e/lib/services.mjs).`,
		`- Package n8n-nodes-alteryx-analytics-cloud@${versions.package} (${versions.commit}), installed as a community package; test driver on Node ${versions.node}.`,
		`- AAC stand-in (real oidc-provider, rotation + reuse detection): access tokens live ${TOKEN_TTL_SECONDS} s, minted and refreshed alike; the initial access token was already expired.`,
		`- Credential in "Refresh Operation Only" mode (refresh margin: default). Writer: the Alteryx Analytics Cloud Token Keeper (examples/token-keeper.json), polling every minute in the main, refreshing when a third of the access token's lifetime is left; no Schedule keep-alive. Reader: Webhook (respond when the last node finishes) → HTTP Request (predefined credential) GET /v4/people/current. The credential's API Base URL and the reader's URL point at a pass-through that notes which access token each request carried (e2e/queue/apiRecorder.mjs).`,
		`- Control: a second credential in the same mode with an expired access token and no keeper, read by its own webhook workflow ${CONTROL_CALLS} times at once right after start-up: its readers must fail with the expired message and must not refresh.`,
		`- Bull keeps the last ${settings.keepLastFinished} finished jobs in Redis (\`N8N_EXECUTIONS_QUEUE_KEEP_LAST_COMPLETED\`/\`_FAILED\`; n8n's default 0 lets a webhook that waits for the last node hang forever when a worker finishes the job before the main starts waiting for it: see e2e/queue/README.md).`,
		`- Load: ${settings.concurrency} concurrent callers POSTing to the reader webhook for ${settings.loadSeconds} s (at most ${settings.maxCalls} calls), started after the keeper's first refresh. ${settings.restartAfterSeconds} s into it the load is held until no call is in flight, the main is stopped (SIGTERM) and started again, and the load goes on once the reader answers again.`,
		`- Waits, during the load: ${settings.waits} executions of Webhook → Plan → Run (Wait for Completion) at once, each on its own plan, whose run takes ${settings.runSeconds} s in the stand-in (1 s queued, then in progress), started once the access token in use is ${settings.waitsAtTokenAgeSeconds} s old (so each outlives it); the node polls on its default schedule (3 s, ×1.5, at most 30 s). They take all the workers' slots; reader calls queue behind them meanwhile.`,
		'',
		'## Figures',
		'',
		'| figure | value |',
		'| --- | --- |',
	];
	const row = (name, value) => lines.push(`| ${name} | ${value ?? 'not measured'} |`);
	if (load) {
		row(
			'reader calls made',
			`${load.calls} in ${seconds(load.durationMs)} s (${load.callsPerSecond}/s; stopped by ${load.stoppedBy})`,
		);
		row('reader calls answered 200 by AAC', load.ok);
		row(
			'reader failures',
			load.failed === 0
				? '0'
				: `${load.failed}: ${Object.entries(load.byKind)
						.map(([k, v]) => `${k} ${v}`)
						.join(', ')}`,
		);
		row('readers that found the access token expired (target: never)', load.expired);
		row(
			'latency of a webhook call (ms)',
			`p50 ${load.latencyMs.p50}, p95 ${load.latencyMs.p95}, p99 ${load.latencyMs.p99}, max ${load.latencyMs.max}`,
		);
		row('waits started at access-token age (s)', load.waitsAtTokenAgeSeconds);
	}
	if (restart) {
		row(
			'restart of the main',
			`${restart.atLoadSeconds} s into the load: calls drained in ${restart.drainSeconds} s, SIGTERM took ${restart.stopSeconds} s, the new main answered the reader ${restart.downSeconds} s after the stop (its first answer: ${restart.firstAnswer?.ok ? '200' : JSON.stringify(restart.firstAnswer)})`,
		);
	}
	if (standIn) {
		row('refreshes in all (stand-in: successful refresh grants)', standIn.refreshGrantsOk);
		row('token-endpoint requests in all', standIn.tokenRequests);
		row('reuse detections (must be 0)', standIn.reuseDetections);
		row('rejected refresh grants', standIn.invalidGrants);
		row('most uses of one refresh token', standIn.maxUsesOfOneRefreshToken);
		row('protected-resource calls: 200 / 401', `${standIn.apiOk} / ${standIn.apiUnauthorized}`);
	}
	if (keeper) {
		row('keeper executions in n8n (must be 0)', keeper.executions);
		row(
			'keeper refreshes',
			`${keeper.refreshes.length}: the pasted (expired) pair at activation, then when the token in use was ${keeper.agesAtRefresh.join(', ')} s old (lifetime ${TOKEN_TTL_SECONDS} s: due from ${Math.round((2 / 3) * TOKEN_TTL_SECONDS)} s); least left at a refresh ${keeper.minLeftSeconds ?? '-'} s`,
		);
		row(
			'access tokens readers and waits used (200s at the API)',
			`${figures.tokensUsed} (refreshes before the last API call: ${keeper.refreshes.filter((at) => at < figures.lastApiCallAt).length})`,
		);
		if (keeper.restart)
			row(
				'keeper around the restart',
				`${keeper.restart.refreshesWhileDown} refreshes while the main was down or starting, ${keeper.restart.refreshesAfter} after it was back`,
			);
	}
	if (figures.perWorker)
		row(
			'executions per worker',
			Object.entries(figures.perWorker)
				.map(([label, count]) => `${label}: ${count}`)
				.join('; '),
		);
	if (figures.executionsByWorkflow)
		row(
			'executions in PostgreSQL by workflow',
			Object.entries(figures.executionsByWorkflow)
				.map(
					([id, byStatus]) =>
						`${id}: ${Object.entries(byStatus)
							.map(([k, v]) => `${k} ${v}`)
							.join(', ')}`,
				)
				.join('; '),
		);
	if (figures.readerExecutions)
		row(
			'reader executions in PostgreSQL by status',
			Object.entries(figures.readerExecutions)
				.map(([k, v]) => `${k} ${v}`)
				.join(', '),
		);
	if (stored) {
		row('family alive at the end', yes(stored.familyAlive));
		row('stored refresh token = newest issued', yes(stored.isNewestIssued));
		row('refresh tokens issued (minted + rotated)', stored.issuedRefreshTokens);
	}
	if (figures.control?.verdicts) {
		const { verdicts } = figures.control;
		const expired = verdicts.filter((verdict) => verdict.kind === 'expired');
		row(
			'control: readers of a credential without keeper (expired access token)',
			`${expired.length} of ${verdicts.length} failed with the expired message${expired.every((v) => v.remedyNamesKeeper) ? ', naming the Token Keeper' : ''}; stored pair unchanged: ${yes(figures.control.storedUnchanged)}; family alive: ${yes(figures.control.familyAlive)}${expired[0] ? `; message: "${expired[0].message}"` : ''}`,
		);
	}
	if (probe) {
		row(
			"probe: a reader before the keeper's first refresh",
			probe.refreshesBefore === 0
				? probe.ok
					? 'answered 200 (unexpected: the access token had expired)'
					: `failed as it must (${probe.kind}${probe.remedyNamesKeeper ? ', message names the Token Keeper' : ''})`
				: `ran after the first refresh (${probe.ok ? '200' : probe.kind})`,
		);
	}
	if (waits) {
		const runs = waits.perRun;
		const tokens = runs.map((run) => run.distinctTokens);
		row(
			'waits: executions / answered Complete',
			`${waits.count} / ${waits.complete} in ${waits.durationSeconds} s (answers after ${waits.answerSeconds.min}-${waits.answerSeconds.max} s; each run ${waits.runSeconds} s)`,
		);
		row(
			'waits: executions in PostgreSQL by status',
			Object.entries(waits.executionsByStatus)
				.map(([k, v]) => `${k} ${v}`)
				.join(', '),
		);
		row(
			'waits: runs started in the stand-in',
			`${waits.planRuns} (per plan: ${summarize(Object.values(waits.runsStartedPerPlan))}; per x-execution-id: ${summarize(waits.postsPerExecutionId)} POST; ${waits.distinctExecutionIds} distinct ids; 304s answered: ${waits.alreadyStarted}; 429s: ${waits.tooManyRequests})`,
		);
		row(
			'waits: status polls',
			`${waits.nodePolls} (node outputs; per wait ${summarize(runs.map((run) => run.polls))}); GET planSnapshotRuns/{id} in all, final reads included: ${waits.statusRequests}`,
		);
		row(
			"waits: access tokens per wait (distinct, all from the keeper's refreshes)",
			`${summarize(tokens)} (reads over ${summarize(runs.map((run) => run.spanSeconds))} s, a token lives ${TOKEN_TTL_SECONDS} s; outlived their first token: ${runs.filter((run) => run.outlivedFirstToken).length} of ${runs.length}); oldest token at a read ${Math.max(...runs.map((run) => run.maxTokenAgeSeconds ?? 0))} s; reads rejected: ${runs.reduce((sum, run) => sum + run.rejected, 0)}`,
		);
		row(
			'waits per worker',
			Object.entries(waits.perWorker)
				.map(([label, n]) => `${label}: ${n}`)
				.join('; '),
		);
	}
	if (secrets)
		row(
			'secrets',
			`${secrets.leaks.length ? secrets.leaks.join('; ') : 'no'} refresh token found among ${secrets.tokens} issued, in ${secrets.places} places (${secrets.megabytes} MB: main + worker output, CLI output, ${secrets.responses} webhook answers, pg_dump)`,
		);
	row(
		'wall time',
		`${figures.wallSeconds} s (services ${boot.servicesSeconds ?? '?'} s; CLI import + publish ${boot.cliSeconds ?? '?'} s; main + workers ready ${boot.processesSeconds ?? '?'} s [${boot.perProcess ?? ''}]; keeper's first refresh ${boot.firstKeeperRefreshSeconds ?? '?'} s after start)`,
	);
	if (load && Object.keys(load.byMessage).length) {
		lines.push('', '### Failure messages', '', '| count | message |', '| --- | --- |');
		for (const [message, count] of Object.entries(load.byMessage).sort((a, b) => b[1] - a[1]))
			lines.push(`| ${count} | ${message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
	}
	return `${lines.join('\n')}\n`;
}

/** "min-max" of some numbers, or the number when they are all the same. */
function summarize(values) {
	if (!values.length) return 'none';
	const min = Math.min(...values);
	const max = Math.max(...values);
	return min === max ? String(min) : `${min}-${max}`;
}
