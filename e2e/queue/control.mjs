// The queue test's first scenario, right after start-up: the probe (the first answer of the main
// reader, before or after the keeper's first refresh) and the positive control (readers of a
// credential that no keeper refreshes must fail with the expired message, without refreshing).
// Then it waits for the keeper's first refresh, after which the load starts.
import { setTimeout as wait } from 'node:timers/promises';

import { seconds } from './cluster.mjs';
import { classify } from './load.mjs';
import { CONTROL_WEBHOOK_PATH, WEBHOOK_PATH } from './workflows.mjs';

export const CONTROL_CALLS = 4;

const post = (url, body) =>
	fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});

/**
 * The first reader answer that is not a 404 (404: the main has not registered the webhook yet):
 * { atSeconds, status, ok, kind, message, remedyNamesKeeper, refreshesBefore }.
 */
export async function probeReader(c, responses) {
	const started = Date.now();
	for (;;) {
		const response = await post(c.webhookUrl(WEBHOOK_PATH), { probe: true });
		const text = await response.text();
		if (response.status !== 404) {
			responses.push(text);
			return {
				atSeconds: seconds(Date.now() - c.startedAt),
				status: response.status,
				...classify(response.status, text),
				refreshesBefore: c.standIn.stats().refreshGrantsOk,
			};
		}
		if (Date.now() - started > 120_000)
			throw new Error(
				`the reader webhook was not registered within 120 s: ${response.status} ${text.slice(0, 300)}`,
			);
		await wait(250);
	}
}

/** CONTROL_CALLS readers of the control credential at once: { calls, verdicts }. */
export async function runControl(c, responses) {
	const verdicts = await Promise.all(
		Array.from({ length: CONTROL_CALLS }, async () => {
			for (const deadline = Date.now() + 60_000; ; ) {
				const response = await post(c.webhookUrl(CONTROL_WEBHOOK_PATH), { control: true });
				const text = await response.text();
				if (response.status === 404 && Date.now() < deadline) {
					await wait(250); // not registered yet
					continue;
				}
				responses.push(text);
				return classify(response.status, text);
			}
		}),
	);
	return { calls: verdicts.length, verdicts };
}

/**
 * Resolves once the keeper's first refresh is in (and 2 s for its save, which takes tens of
 * milliseconds). The pasted pair's access token has expired, so the keeper refreshes at its first
 * poll, the one n8n runs when it activates the workflow. Throws if the keeper recorded anything.
 */
export async function firstKeeperRefresh(c, timeoutMs = 120_000) {
	const started = Date.now();
	for (;;) {
		const keeperRuns = c.keeperRuns();
		if (keeperRuns.length)
			throw new Error(
				`the keeper recorded executions: ${JSON.stringify(keeperRuns)}; see ${c.main.logFile}`,
			);
		if (c.standIn.refreshLog().some((entry) => entry.ok)) {
			await wait(2000);
			return;
		}
		if (Date.now() - started > timeoutMs)
			throw new Error(
				`the keeper did not refresh within ${timeoutMs / 1000} s of the main being ready; see ${c.main.logFile}`,
			);
		await wait(1000);
	}
}
