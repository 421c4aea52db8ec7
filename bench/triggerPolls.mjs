// 9. Trigger polls: what one poll of the Alteryx Analytics Cloud Trigger costs, in requests to AAC,
// against the history it has to ignore and the runs in flight it has to follow, in both worlds of
// the stand-in (standin/worlds.mjs: strict lists oldest first, 25 a page, ignores every filter the
// spec leaves open; generous lists newest first, 100 a page). The built trigger (dist/) runs in
// n8n-core's real PollContext (the compiled test harness), the stand-in's API clock is frozen and
// moved between polls. Figures, not a timed test: `npm run bench:triggers` (after `npm run build`
// and `npx tsc -p bench/tsconfig.json`; npm run bench:triggers does both) rewrites the section
// between the markers in bench/RESULTS.md and prints it.
//
// Scenarios, each poll counted as list requests + single-run reads:
// - history: 0 or 10,000 finished runs before activation, then 20 polls with one run finishing
//   between each two;
// - in flight: 20 runs started before 300 newer ones pushed them off the newest page, then 20
//   polls with one of the 20 finishing between each two;
// - burst: 1,000 runs finishing between two polls;
// - a day without a match: a plan filter that never matches, one unrelated run a minute, 1,440 polls.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startStandIn } from '../standin/aac-standin.mjs';
import { ROOT, loadHarness, loadPackage, progress, require } from './lib.mjs';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const TRIGGER = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudTrigger';
const START = '<!-- trigger-polls: start (bench/triggerPolls.mjs) -->';
const END = '<!-- trigger-polls: end -->';

const pkg = loadPackage();
const harnessModule = loadHarness();
const { AlteryxAnalyticsCloudTrigger } = require(
	join(ROOT, 'dist/nodes/AlteryxAnalyticsCloudTrigger/AlteryxAnalyticsCloudTrigger.node.js'),
);

const standIn = await startStandIn({ accessTokenTtlSeconds: 3600, api: { freezeClock: true } });
const api = standIn.api;

async function trigger(parameters) {
	const pair = await standIn.mint();
	const store = new harnessModule.CredentialStore([
		{
			id: 'bench',
			name: 'AAC',
			type: CRED,
			data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl },
		},
	]);
	const harness = harnessModule.createHarness({
		nodeTypes: { [TRIGGER]: new AlteryxAnalyticsCloudTrigger() },
		credentialTypes: { [CRED]: new pkg.CredentialClass() },
		store,
		saveSemantics: 'n8n2',
	});
	const workflow = {
		nodes: [
			{
				id: 't',
				name: 'Trigger',
				type: TRIGGER,
				typeVersion: 1,
				position: [0, 0],
				parameters: { event: 'planRunFinished', ...parameters },
				credentials: { [CRED]: { id: 'bench', name: 'AAC' } },
			},
		],
		connections: {},
	};
	const staticData = {};
	const requests = () => {
		const r = api.counters().requests;
		return (r.listPlanSnapshotRuns ?? 0) + (r.getPlanSnapshotRun ?? 0);
	};
	return {
		/** One poll: [items emitted, requests it cost]. */
		async poll() {
			const before = requests();
			const out = await harness.pollOnce(workflow, 'Trigger', staticData, { mode: 'trigger' });
			return [out?.[0]?.length ?? 0, requests() - before];
		},
		stateBytes: () => JSON.stringify(staticData).length,
	};
}

const start = (count, outcome = 'Complete', runningMs = 1000) => {
	api.setFixture({ kind: 'plan', queuedMs: 0, runningMs, outcome });
	return api.startRun({ kind: 'plan', id: 1, count }).runs.map((r) => r.planSnapshotRunId);
};

async function fresh(world, seed = {}) {
	api.configure({ world });
	api.clock({ setMs: Date.now(), freeze: true });
	api.reset(seed);
}

const stats = (costs) => {
	const sorted = [...costs].sort((a, b) => a - b);
	return `median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted.at(-1)}`;
};

const rows = [];
for (const world of ['strict', 'generous']) {
	for (const history of [0, 10_000]) {
		progress(`${world}: ${history.toLocaleString('en-US')} runs of history`);
		await fresh(world);
		if (history) start(history);
		api.clock({ advanceMs: 2000 });
		const t = await trigger({});
		const [, activation] = await t.poll();
		const costs = [];
		let emitted = 0;
		for (let i = 0; i < 20; i++) {
			start(1);
			api.clock({ advanceMs: 2000 });
			const [items, cost] = await t.poll();
			emitted += items;
			costs.push(cost);
		}
		rows.push({
			world,
			scenario: `${history.toLocaleString('en-US')} finished runs of history, 1 run finishing per poll`,
			activation,
			perPoll: stats(costs),
			emitted: `${emitted}/20`,
			state: t.stateBytes(),
		});
	}

	progress(`${world}: 20 runs in flight off the newest page`);
	await fresh(world);
	const old = start(20, 'Complete', 86_400_000);
	const t = await trigger({});
	const [, activation] = await t.poll();
	start(300);
	api.clock({ advanceMs: 2000 });
	await t.poll();
	const costs = [];
	let emitted = 0;
	for (const id of old) {
		api.finishRun({ kind: 'planRun', id, outcome: 'Failed' });
		api.clock({ advanceMs: 1000 });
		const [items, cost] = await t.poll();
		emitted += items;
		costs.push(cost);
	}
	rows.push({
		world,
		scenario: '20 runs in flight behind 300 newer ones, 1 finishing per poll',
		activation,
		perPoll: stats(costs),
		emitted: `${emitted}/20`,
		state: t.stateBytes(),
	});

	progress(`${world}: 1,000 runs finishing between two polls`);
	await fresh(world);
	const burst = await trigger({});
	const [, burstActivation] = await burst.poll();
	start(1000);
	api.clock({ advanceMs: 2000 });
	const [burstItems, burstCost] = await burst.poll();
	const [, after] = await burst.poll();
	rows.push({
		world,
		scenario: '1,000 runs finishing between two polls (then the next poll)',
		activation: burstActivation,
		perPoll: `${burstCost}, then ${after}`,
		emitted: `${burstItems}/1,000`,
		state: burst.stateBytes(),
	});

	progress(`${world}: a day of polls that match nothing`);
	await fresh(world, { plans: 2 });
	const day = await trigger({ planId: { __rl: true, mode: 'id', value: '2' } });
	const [, dayActivation] = await day.poll();
	const dayCosts = [];
	for (let minute = 0; minute < 1440; minute++) {
		start(1, 'Complete', 30_000);
		api.clock({ advanceMs: 60_000 });
		dayCosts.push((await day.poll())[1]);
	}
	rows.push({
		world,
		scenario: 'a filter matching nothing, 1 unrelated run a minute, 1,440 polls',
		activation: dayActivation,
		perPoll: stats(dayCosts),
		emitted: '0/0',
		state: day.stateBytes(),
	});
}
await standIn.close();

const table = [
	'| world | scenario | first poll | requests per poll | runs emitted | state kept (bytes) |',
	'| --- | --- | --- | --- | --- | --- |',
	...rows.map(
		(r) =>
			`| ${r.world} | ${r.scenario} | ${r.activation} | ${r.perPoll} | ${r.emitted} | ${r.state} |`,
	),
].join('\n');
const section = `${START}
## 9. Trigger polls (${new Date().toISOString().slice(0, 10)}, node ${process.version})

Requests one poll of the Alteryx Analytics Cloud Trigger (Plan Run Finished) costs: list pages plus
single-run reads of runs in flight off the pages read. Strict world: oldest first, 25 a page;
generous: newest first, 100 a page (standin/worlds.mjs).

${table}
${END}`;
const path = join(ROOT, 'bench/RESULTS.md');
const results = readFileSync(path, 'utf8');
const at = results.indexOf(START);
const next =
	at === -1
		? `${results.trimEnd()}\n\n${section}\n`
		: results.slice(0, at) + section + results.slice(results.indexOf(END, at) + END.length);
writeFileSync(path, next);
console.log(`\n${section}\n`);
