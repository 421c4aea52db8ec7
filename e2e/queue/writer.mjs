// What the one writer did, read after n8n has stopped: the keeper's refreshes (from the stand-in's
// log of refresh grants: the keeper leaves no execution to read), how old each access token was
// when it was replaced, the restart of the main in between, and the pairs the credentials hold at
// the end.
import { executionsByWorker, seconds } from './cluster.mjs';
import { CONTROL_CRED, CRED, READER_ID, TOKEN_TTL_SECONDS } from './workflows.mjs';

/**
 * { keeper, perWorker, readerExecutions, executionsByWorkflow }: `keeper.refreshes` are the
 * refresh grants (ms); `keeper.agesAtRefresh` how long each replaced token had lived (s), the
 * minted one left out; `keeper.afterRestart` the refreshes after the main came back.
 */
export function keeperFigures(c, { restart } = {}) {
	const log = c.standIn.refreshLog();
	const refreshes = log.filter((entry) => entry.ok).map((entry) => entry.at);
	const ages = refreshes.slice(1).map((at, i) => (at - refreshes[i]) / 1000);
	const startedBy = executionsByWorker(c);
	const perWorker = Object.fromEntries(c.workers.map((worker) => [worker.label, 0]));
	for (const label of startedBy.values()) perWorker[label] += 1;
	const readerExecutions = Object.fromEntries(
		c
			.sql(
				`select status, count(*) from execution_entity where "workflowId" = '${READER_ID}' group by status order by status`,
			)
			.map(([status, count]) => [status, Number(count)]),
	);
	const keeper = {
		refreshes,
		refused: log.filter((entry) => !entry.ok).length,
		executions: c.keeperRuns().length,
		agesAtRefresh: ages.map((age) => Math.round(age * 10) / 10),
		minAgeSeconds: ages.length ? seconds(Math.min(...ages) * 1000) : undefined,
		maxAgeSeconds: ages.length ? seconds(Math.max(...ages) * 1000) : undefined,
		/** The shortest an access token had left when it was replaced (s). */
		minLeftSeconds: ages.length
			? seconds((TOKEN_TTL_SECONDS - Math.max(...ages)) * 1000)
			: undefined,
		restart: restart
			? {
					...restart,
					refreshesWhileDown: refreshes.filter(
						(at) => at >= restart.stoppingAt && at < restart.upAt,
					).length,
					refreshesAfter: refreshes.filter((at) => at >= restart.upAt).length,
				}
			: undefined,
	};
	return { keeper, perWorker, readerExecutions, executionsByWorkflow: c.executionsByWorkflow() };
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
