// What the trigger.poll* tests share: the polling trigger in n8n-core's real PollContext
// (test/harness pollOnce) against the AAC stand-in with its API clock frozen and moved by the tests,
// a credential per test, and helpers to start and finish plan runs.
import type { IConnections, IDataObject, INode, INodeType } from 'n8n-workflow';
import { AlteryxAnalyticsCloudOAuth2Api } from '../../credentials/AlteryxAnalyticsCloudOAuth2Api.credentials';
import { AlteryxAnalyticsCloudTrigger } from '../../nodes/AlteryxAnalyticsCloudTrigger/AlteryxAnalyticsCloudTrigger.node';
import { CredentialStore, createHarness } from '../harness/n8n';
import { startStandIn, type StandIn } from './standin';
import { standInApi, type StandInApi } from './standinApi';

const CRED = 'alteryxAnalyticsCloudOAuth2Api';
const TRIGGER = 'n8n-nodes-alteryx-analytics-cloud.alteryxAnalyticsCloudTrigger';
const nodeTypes: Record<string, INodeType> = { [TRIGGER]: new AlteryxAnalyticsCloudTrigger() };
const credentialTypes = { [CRED]: new AlteryxAnalyticsCloudOAuth2Api() };

let standIn: StandIn;
export let api: StandInApi;

let credentialCounter = 0;

/** A trigger node with these parameters, its credential, and poll() as n8n's poller calls it. */
export async function setUp(parameters: IDataObject) {
	const id = `cred-poll-${++credentialCounter}`;
	const pair = await standIn.mint();
	const store = new CredentialStore([
		{
			id,
			name: 'AAC',
			type: CRED,
			data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl },
		},
	]);
	const harness = createHarness({ nodeTypes, credentialTypes, store, saveSemantics: 'n8n2' });
	const nodes: INode[] = [
		{
			id: 'trigger-1',
			name: 'Trigger',
			type: TRIGGER,
			typeVersion: 1,
			position: [0, 0],
			parameters: parameters as INode['parameters'],
			credentials: { [CRED]: { id, name: 'AAC' } },
		},
	];
	const workflow = { nodes, connections: {} as IConnections };
	let staticData: IDataObject = {};
	return {
		/** One poll: its items' json, [] when poll() returned null. */
		async poll(options: { manual?: boolean } = {}): Promise<IDataObject[]> {
			const result = await harness.pollOnce(workflow, 'Trigger', staticData, {
				mode: options.manual ? 'manual' : 'trigger',
			});
			return (result?.[0] ?? []).map((item) => item.json);
		},
		/** What n8n would save, and a restart that reads it back. */
		saved: () => JSON.stringify(staticData),
		restart() {
			staticData = JSON.parse(JSON.stringify(staticData)) as IDataObject;
		},
		cursor: () =>
			(staticData['node:Trigger'] as IDataObject | undefined)?.finishedRuns as
				| { topId: number; floorId: number; known: number[]; open: Record<string, unknown> }
				| undefined,
	};
}

export const planRuns = (extra: IDataObject = {}): IDataObject => ({
	event: 'planRunFinished',
	statuses: ['Canceled', 'Complete', 'Failed'],
	planId: { __rl: true, mode: 'list', value: '' },
	runBy: 'all',
	ranfrom: '',
	...extra,
});

export async function startPlanRuns(
	count: number,
	extra: { otherUser?: boolean; ranfrom?: string } = {},
): Promise<number[]> {
	const answer = (await api.startRun({ kind: 'plan', id: 1, count, ...extra })) as {
		runs: Array<{ planSnapshotRunId: number }>;
	};
	return answer.runs.map((r) => r.planSnapshotRunId);
}
export async function finishPlanRuns(
	ids: number[],
	outcome: 'Complete' | 'Failed' | 'Canceled',
): Promise<void> {
	for (const id of ids)
		expect((await api.finishRun({ kind: 'planRun', id, outcome })).changed).toBe(true);
}
export const listRequests = async (endpoint = 'listPlanSnapshotRuns') =>
	(await api.counters()).requests[endpoint] ?? 0;

/** Whether the stand-in's plan runs say who ran them (the generous world; unknown planRunWho). */
export const planRunsSayWho = async () => (await api.settings()).world === 'generous';
/** Requests a list of `n` costs, page by page, in this world. */
export async function pagesFor(n: number): Promise<number> {
	const cap = (await api.settings()).pageCap;
	return Math.ceil(n / (typeof cap === 'number' ? Math.min(cap, 100) : 100));
}

/** Items of one poll are oldest first; runs that finished together by id. */
export function expectOldestFirst(items: IDataObject[], idField = 'planRunId') {
	const keys = items.map((item) => [Date.parse(String(item.finishedAt)), Number(item[idField])]);
	const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	expect(keys).toEqual(sorted);
}

/** Starts the stand-in for this file and resets it (clock frozen) before each test; stops it afterwards. */
export function useStandIn(): void {
	beforeAll(async () => {
		standIn = await startStandIn({ api: { freezeClock: true } });
		api = standInApi(standIn);
	});
	afterAll(async () => {
		await standIn?.stop();
	});
	beforeEach(async () => {
		// The API clock at n8n's now, frozen: runs finish when a test moves it or finishes them.
		await api.clock({ setMs: Date.now(), freeze: true });
		await api.reset({});
		await api.clearFaults();
		await api.configure({ maxPageSize: 'world' });
		// Runs that stay InProgress until a test finishes them.
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 3_600_000, outcome: 'Complete' });
		await api.setFixture({
			kind: 'recipe',
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
	});
}
