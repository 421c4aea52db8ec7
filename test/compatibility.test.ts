// Workspace → Check Compatibility in n8n-core's engine against the AAC stand-in in both worlds
// (jest.config.js): on a tenant with runs, jobs and shared plans, the strict world and the
// generous one are told apart assumption by assumption; on an empty tenant every answer is
// "could not tell". It only reads: no POST, PUT, PATCH or DELETE reaches AAC, its probes of
// unknowns are exactly the contract's (standin/contract.json), and no token is in its output.
import type { IDataObject } from 'n8n-workflow';

import { aacNode, credentialChain } from './helpers/chain';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi, type StandInApi } from './helpers/standinApi';

let standIn: StandIn;
let api: StandInApi;
beforeAll(async () => {
	standIn = await startStandIn({ api: { freezeClock: true } });
	api = standInApi(standIn);
});
afterAll(async () => {
	await standIn?.stop();
});

async function check(): Promise<{
	findings: IDataObject[];
	text: string;
	pair: { accessToken: string; refreshToken: string };
}> {
	const pair = await standIn.mint();
	const { run } = credentialChain('n8n2', { allowCustomIssuer: true, ...pair });
	const result = await run(1, aacNode({ resource: 'workspace', operation: 'checkCompatibility' }));
	expect(result.error).toBeUndefined();
	const findings = result.output('AAC');
	return { findings, text: JSON.stringify(findings), pair };
}

const results = (findings: IDataObject[]) =>
	Object.fromEntries(findings.map((finding) => [finding.unknown, finding.result]));

const WRITES = [
	'runPlan',
	'runJobGroup',
	'runFlow',
	'cancelPlanSnapshotRun',
	'cancelJobGroup',
	'createWebhookFlowTask',
	'deleteWebhookFlowTask',
];

test('on a tenant with runs, jobs and shared plans it tells the worlds apart, reads only, probes only what the contract lists, and outputs no token', async () => {
	await api.reset({ plans: 6 });
	await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome: 'Complete' });
	await api.startRun({ kind: 'plan', id: 1, count: 3 });
	await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome: 'Failed' });
	await api.startRun({ kind: 'plan', id: 1, count: 2 });
	await api.setFixture({ kind: 'recipe', queuedMs: 0, runningMs: 10, outcome: 'Complete' });
	for (let i = 0; i < 3; i++)
		await api.advance(1000).then(() => api.startRun({ kind: 'recipe', id: 1, count: 15 }));
	await api.advance(1000);
	await api.resetCounters();

	const { findings, text, pair } = await check();
	const world = (await api.settings()).world;
	const expected =
		world === 'strict'
			? {
					commaStatusList: 'does not hold',
					planRunDateFilter: 'does not hold',
					largestPageSize: 'does not hold',
					defaultSort: 'does not hold',
					runIdOrder: 'holds',
					jobRowFlow: 'does not hold',
					defaultOwnership: 'does not hold',
				}
			: {
					commaStatusList: 'holds',
					planRunDateFilter: 'holds',
					largestPageSize: 'could not tell', // 45 jobs: fewer than a page of 100
					defaultSort: 'holds',
					runIdOrder: 'holds',
					jobRowFlow: 'holds',
					defaultOwnership: 'holds',
				};
	expect(results(findings)).toEqual(expected);
	for (const finding of findings) {
		expect(Object.keys(finding).sort()).toEqual(
			['assumption', 'checkedAt', 'evidence', 'ifNot', 'result', 'unknown'].sort(),
		);
	}
	const counters = await api.counters();
	for (const write of WRITES) expect([write, counters.requests[write] ?? 0]).toEqual([write, 0]);
	expect(Object.values(counters.requests).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(16);
	expect(Object.keys(counters.probes).sort()).toEqual([
		'commaStatusList',
		'jobRowFlow',
		'planRunDateFilter',
	]);
	for (const token of [pair.accessToken, pair.refreshToken]) {
		expect(text).not.toContain(token.slice(0, 12));
		expect(text).not.toContain(token.slice(-12));
	}
});

test('on an empty tenant: could not tell, for everything that needs data to tell', async () => {
	await api.reset({});
	const { findings } = await check();
	const answers = results(findings);
	for (const unknown of [
		'commaStatusList',
		'planRunDateFilter',
		'largestPageSize',
		'defaultSort',
		'runIdOrder',
		'jobRowFlow',
		'defaultOwnership',
	])
		expect([unknown, answers[unknown]]).toEqual([unknown, 'could not tell']);
});
