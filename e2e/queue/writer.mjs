// What the one writer did, read after n8n has stopped: the keep-alive's executions (gaps between
// saves, which worker ran each, how often it moved) and the pairs the credentials hold at the end.
import { executionsByWorker, seconds } from './cluster.mjs';
import { CONTROL_CRED, CRED, READER_ID } from './workflows.mjs';

/** { keepAlive, perWorker, readerExecutions } from PostgreSQL and the workers' output. */
export function keepAliveFigures(c) {
	const runs = c.keepAliveRuns();
	const succeeded = runs.filter((run) => run.status === 'success');
	const gaps = succeeded.slice(1).map((run, i) => run.stoppedAt - succeeded[i].stoppedAt);
	const startedBy = executionsByWorker(c);
	const perWorker = Object.fromEntries(
		c.workers.map((worker) => [worker.label, { executions: 0, keepAlive: 0 }]),
	);
	for (const label of startedBy.values()) perWorker[label].executions += 1;
	for (const run of runs)
		if (startedBy.has(run.id)) perWorker[startedBy.get(run.id)].keepAlive += 1;
	let handoffs = 0;
	for (let i = 1; i < succeeded.length; i++)
		if (startedBy.get(succeeded[i].id) !== startedBy.get(succeeded[i - 1].id)) handoffs += 1;
	const readerExecutions = Object.fromEntries(
		c
			.sql(
				`select status, count(*) from execution_entity where "workflowId" = '${READER_ID}' group by status order by status`,
			)
			.map(([status, count]) => [status, Number(count)]),
	);
	const keepAlive = {
		runs: runs.length,
		byStatus: runs.reduce((acc, run) => ({ ...acc, [run.status]: (acc[run.status] ?? 0) + 1 }), {}),
		maxGapSeconds: gaps.length ? seconds(Math.max(...gaps)) : undefined,
		meanGapSeconds: gaps.length
			? seconds(gaps.reduce((a, b) => a + b, 0) / gaps.length)
			: undefined,
		maxDurationSeconds: succeeded.length
			? seconds(Math.max(...succeeded.map((run) => run.stoppedAt - run.startedAt)))
			: undefined,
		handoffs,
		succeeded: succeeded.length,
	};
	return { keepAlive, perWorker, readerExecutions };
}

/**
 * The stored pairs: the main credential's (the newest the stand-in issued, and alive) and the
 * control's (unchanged, its family alive): { stored, control: { storedUnchanged, familyAlive } }.
 */
export async function storedPairs(c) {
	const exported = await c.n8n.exportCredentials();
	const stored = exported.find((entry) => entry.id === CRED.id)?.data;
	const controlStored = exported.find((entry) => entry.id === CONTROL_CRED.id)?.data;
	const issued = c.standIn.issuedRefreshTokens();
	return {
		stored: {
			found: Boolean(stored),
			isNewestIssued: stored?.refreshToken === issued.at(-1),
			familyAlive: stored ? await c.standIn.familyAlive(stored.refreshToken) : false,
			lastRotatedAt: stored?.lastRotatedAt,
			issuedRefreshTokens: issued.length,
		},
		control: {
			storedUnchanged:
				controlStored?.accessToken === c.controlPair.accessToken &&
				controlStored?.refreshToken === c.controlPair.refreshToken,
			familyAlive: await c.standIn.familyAlive(c.controlPair.refreshToken),
		},
	};
}
