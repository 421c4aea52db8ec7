/**
 * The shared scenarios: the package's node, credential and triggers run by n8n-core's engine
 * (WorkflowExecute, PollContext, HookContext and WebhookContext, through test/harness/) against the
 * AAC stand-in, each counted by the stand-in. One set of definitions, two runners:
 *
 * - jest, in Node, from the TypeScript sources: test/scenarios.test.ts (`npm test`);
 * - Deno, from dist/ and from the TypeScript sources: test/deno/scenarios.deno.mts, started with
 *   the narrowest permissions that work by test/deno/scenarios.test.mjs (`npm run test:deno`).
 *
 * A scenario gets a fresh stand-in with its own options (the runner starts it and, on stop, fails
 * when a request broke AAC's contract) and the package's types (./package.ts); it asserts with
 * node:assert and returns the counts it asserted, which the Deno runner prints.
 */
import {
	sleep,
	type ICredentialDataDecryptedObject,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeType,
} from 'n8n-workflow';

import { CredentialStore, createHarness, type RunResult } from '../harness/n8n';
import { StartNode } from '../harness/testNodes';
import { startWebhookServer } from '../harness/webhookServer';
import { assert } from '../helpers/scenarioSupport';
import type { PackageTypes } from './package';
import {
	attachStandIn,
	type StandInHandle,
	type StandInOptions,
	type StartStandIn,
	type TokenPair,
} from './standIn';

/** The counts a scenario asserted. */
export type Facts = Record<string, unknown>;

export interface Scenario {
	name: string;
	/** The stand-in this scenario needs (token lifetime, clock, seed). */
	standIn: StandInOptions;
	run(standIn: StandInHandle, pkg: PackageTypes): Promise<Facts>;
}

/** Runs one scenario on a stand-in of its own; the stand-in's stop runs (and may fail) either way. */
export async function runScenario(
	scenario: Scenario,
	pkg: PackageTypes,
	startStandIn: StartStandIn,
): Promise<Facts> {
	const running = await startStandIn(scenario.standIn);
	let passed = false;
	try {
		const facts = await scenario.run(attachStandIn(running), pkg);
		passed = true;
		return facts;
	} finally {
		// After a failure the scenario's own error says more than the stop's.
		if (passed) await running.stop();
		else await running.stop().catch(() => undefined);
	}
}

/** Waits faster than the node's defaults (the editor asks for at least 1 s; fractions are honoured). */
const FAST_POLLS = { pollIntervalSeconds: 0.2, maxPollIntervalSeconds: 0.5 };

let credentialCounter = 0;

/** A credential holding `pair` in n8n's credentials table (2.x save semantics) and a harness over it. */
function withCredential(
	standIn: StandInHandle,
	pkg: PackageTypes,
	pair: TokenPair,
	extra: IDataObject = {},
) {
	const id = `scenario-cred-${++credentialCounter}`;
	const store = new CredentialStore([
		{
			id,
			name: 'AAC',
			type: pkg.names.credential,
			data: { ...pair, allowCustomIssuer: true, apiBaseUrl: standIn.apiBaseUrl, ...extra },
		},
	]);
	const nodeTypes: Record<string, INodeType> = { 'test.start': new StartNode(), ...pkg.nodeTypes };
	const harness = createHarness({
		nodeTypes,
		credentialTypes: pkg.credentialTypes,
		store,
		saveSemantics: 'n8n2',
	});
	const credentials = { [pkg.names.credential]: { id, name: 'AAC' } };
	return {
		store,
		harness,
		credentials,
		stored: () => store.read(id) as ICredentialDataDecryptedObject,
		/** Start (`items` items `{ index }`) → the AAC node with these parameters. */
		async run(items: number, parameters: IDataObject): Promise<RunResult> {
			const nodes: INode[] = [
				{
					id: 'start',
					name: 'Start',
					type: 'test.start',
					typeVersion: 1,
					position: [0, 0],
					parameters: { items },
				},
				{
					id: 'aac',
					name: 'AAC',
					type: pkg.names.node,
					typeVersion: 1,
					position: [200, 0],
					parameters: parameters as INode['parameters'],
					credentials,
				},
			];
			const connections: IConnections = {
				Start: { main: [[{ node: 'AAC', type: 'main', index: 0 }]] },
			};
			return await harness.runWorkflow({ nodes, connections }, 'Start');
		},
	};
}

/** The run's error, for assert messages: n8n records a plain-object copy. */
const errorOf = (result: RunResult) =>
	result.error ? `${result.error.message} ${JSON.stringify(result.nodeError('AAC') ?? '')}` : '';

const pick = (from: object, keys: string[]) =>
	Object.fromEntries(keys.map((key) => [key, (from as Record<string, unknown>)[key]]));

const accessTokenGet: Scenario = {
	name: 'Access Token → Get with an expired token: one token request, the rotated pair saved, 0 reuse; again: 0 token requests',
	standIn: {},
	async run(standIn, pkg) {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const credential = withCredential(standIn, pkg, pair);
		await standIn.resetStats();

		const first = await credential.run(1, { resource: 'accessToken', operation: 'get' });
		assert.equal(errorOf(first), '');
		const [token] = first.output('AAC');
		assert.equal(token.refreshed, true);
		const stored = credential.stored();
		assert.notEqual(stored.refreshToken, pair.refreshToken, 'the rotated refresh token is saved');
		assert.equal(stored.accessToken, token.accessToken, 'the new access token is saved');
		assert.ok(!JSON.stringify(token).includes(String(stored.refreshToken)), 'no refresh token out');
		const refreshed = await standIn.stats();
		assert.deepEqual(pick(refreshed, ['tokenRequests', 'refreshGrantsOk', 'reuseDetections']), {
			tokenRequests: 1,
			refreshGrantsOk: 1,
			reuseDetections: 0,
		});
		assert.equal(await standIn.familyAlive(String(stored.refreshToken)), true);
		const saves = credential.store.saves.length;

		await standIn.resetStats();
		const again = await credential.run(1, { resource: 'accessToken', operation: 'get' });
		assert.equal(errorOf(again), '');
		assert.deepEqual(pick(again.output('AAC')[0], ['refreshed', 'accessToken']), {
			refreshed: false,
			accessToken: stored.accessToken,
		});
		const reused = await standIn.stats();
		assert.equal(reused.tokenRequests, 0);
		assert.equal(credential.store.saves.length, saves, 'nothing saved the second time');
		return {
			tokenRequests: refreshed.tokenRequests,
			reuseDetections: refreshed.reuseDetections,
			saves,
			againTokenRequests: reused.tokenRequests,
		};
	},
};

const ITEMS = 20;

const parallelPlanGet: Scenario = {
	name: `${ITEMS} parallel Plan → Get items with an expired token: one refresh, 0 reuse, ${ITEMS} plans`,
	standIn: { api: { seed: { plans: ITEMS } } },
	async run(standIn, pkg) {
		const pair = await standIn.mint({ accessTokenExpired: true });
		const credential = withCredential(standIn, pkg, pair);
		await standIn.resetStats();
		await standIn.api.resetCounters();

		const result = await credential.run(ITEMS, {
			resource: 'plan',
			operation: 'get',
			planId: { __rl: true, mode: 'id', value: '={{ $json.index + 1 }}' },
		});
		assert.equal(errorOf(result), '');
		assert.deepEqual(
			result.output('AAC').map((plan) => plan.id),
			Array.from({ length: ITEMS }, (_, i) => i + 1),
		);
		const stats = await standIn.stats();
		assert.deepEqual(
			pick(stats, [
				'tokenRequests',
				'refreshGrantsOk',
				'reuseDetections',
				'maxUsesOfOneRefreshToken',
				'apiUnauthorized',
			]),
			{
				tokenRequests: 1,
				refreshGrantsOk: 1,
				reuseDetections: 0,
				maxUsesOfOneRefreshToken: 1,
				apiUnauthorized: 0,
			},
		);
		const planGets = (await standIn.api.counters()).requests.getPlanFull;
		assert.equal(planGets, ITEMS);
		const stored = credential.stored();
		assert.notEqual(stored.refreshToken, pair.refreshToken);
		assert.equal(await standIn.familyAlive(String(stored.refreshToken)), true);
		return {
			items: ITEMS,
			tokenRequests: stats.tokenRequests,
			reuseDetections: stats.reuseDetections,
			planGets,
		};
	},
};

/** Access tokens live 20 s of API time and the API clock runs 20 times faster: one a real second. */
const TOKEN_TTL_SECONDS = 20;
const RUN_MS = 60_000;

const planRunAndWait: Scenario = {
	name: 'Plan → Run and wait across two access-token lifetimes: Complete, 1 run, 0 reuse',
	standIn: {
		accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
		tokenExpiryOnApiClock: true,
		api: { timeScale: 20 },
	},
	async run(standIn, pkg) {
		await standIn.api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: RUN_MS,
			outcome: 'Complete',
		});
		const pair = await standIn.mint({ accessTokenTtlSeconds: TOKEN_TTL_SECONDS });
		// Margin 0: no refresh ahead of expiry (the token's exp is on real time); AAC's 401s drive it.
		const credential = withCredential(standIn, pkg, pair, { refreshMarginSeconds: 0 });
		await standIn.resetStats();

		const result = await credential.run(1, {
			resource: 'plan',
			operation: 'run',
			planId: { __rl: true, mode: 'id', value: '1' },
			options: FAST_POLLS,
		});
		assert.equal(errorOf(result), '');
		assert.equal(result.output('AAC')[0].status, 'Complete');
		const counters = await standIn.api.counters();
		assert.deepEqual(counters.runsStarted.plan, { 1: 1 }, 'one run started');
		assert.deepEqual(Object.values(counters.postsPerExecutionId), [1], 'one run POST');
		const stats = await standIn.stats();
		assert.equal(stats.reuseDetections, 0);
		assert.equal(stats.maxUsesOfOneRefreshToken, 1);
		// The run outlasts the first token and its successor: at least two refreshes.
		assert.ok(stats.refreshGrantsOk >= 2, `refreshes during the wait: ${stats.refreshGrantsOk}`);
		assert.ok(credential.store.saves.length >= stats.refreshGrantsOk, 'every rotation saved');
		const stored = credential.stored();
		assert.notEqual(stored.refreshToken, pair.refreshToken);
		assert.equal(await standIn.familyAlive(String(stored.refreshToken)), true);
		return {
			status: result.output('AAC')[0].status,
			runsStarted: 1,
			refreshes: stats.refreshGrantsOk,
			reuseDetections: stats.reuseDetections,
			unauthorized: stats.apiUnauthorized,
		};
	},
};

const pollingTrigger: Scenario = {
	name: "the polling trigger's poll(): each plan run that finished after activation once, one list request a poll",
	standIn: { api: { freezeClock: true } },
	async run(standIn, pkg) {
		const { api } = standIn;
		await api.clock({ setMs: Date.now(), freeze: true });
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 3_600_000, outcome: 'Complete' });
		const credential = withCredential(standIn, pkg, await standIn.mint());
		const workflow = {
			nodes: [
				{
					id: 'trigger',
					name: 'Trigger',
					type: pkg.names.trigger,
					typeVersion: 1,
					position: [0, 0],
					parameters: {
						event: 'planRunFinished',
						statuses: ['Canceled', 'Complete', 'Failed'],
						planId: { __rl: true, mode: 'list', value: '' },
						runBy: 'all',
						ranfrom: '',
					},
					credentials: credential.credentials,
				} as INode,
			],
			connections: {},
		};
		let staticData: IDataObject = {};
		const emitted: number[] = [];
		const poll = async () => {
			const result = await credential.harness.pollOnce(workflow, 'Trigger', staticData);
			const ids = (result?.[0] ?? []).map((item) => Number(item.json.planRunId));
			emitted.push(...ids);
			return ids;
		};
		const finish = async (id: number, outcome: 'Complete' | 'Failed' | 'Canceled') => {
			assert.equal((await api.finishRun({ kind: 'planRun', id, outcome })).changed, true);
		};
		await api.resetCounters();
		await standIn.resetStats();

		assert.deepEqual(await poll(), [], 'the first poll after activation only notes what exists');
		const started = (await api.startRun({ kind: 'plan', id: 1, count: 3 })) as {
			runs: Array<{ planSnapshotRunId: number }>;
		};
		const [a, b, c] = started.runs.map((run) => run.planSnapshotRunId);
		await api.advance(1000);
		await finish(a, 'Complete');
		await finish(b, 'Failed');
		await api.advance(1000);
		assert.deepEqual((await poll()).sort(), [a, b].sort());
		assert.deepEqual(await poll(), []);
		await finish(c, 'Canceled');
		await api.advance(1000);
		staticData = JSON.parse(JSON.stringify(staticData)) as IDataObject; // n8n restarted in between
		assert.deepEqual(await poll(), [c]);
		assert.deepEqual(await poll(), []);

		assert.deepEqual([...emitted].sort(), [a, b, c].sort(), 'each finished run once');
		const polls = 5;
		const listRequests = (await api.counters()).requests.listPlanSnapshotRuns;
		assert.equal(listRequests, polls, 'one list request a poll');
		assert.equal((await standIn.stats()).tokenRequests, 0);
		return { polls, emitted: emitted.length, listRequests };
	},
};

const flowTrigger: Scenario = {
	name: "the Flow Trigger's webhook(): AAC's delivery of a finished job starts one item; the same delivery again starts none",
	standIn: {},
	async run(standIn, pkg) {
		const { api } = standIn;
		const credential = withCredential(standIn, pkg, await standIn.mint());
		const server = await startWebhookServer({
			harness: credential.harness,
			workflow: { id: 'wfScenarioFlow', name: 'A flow job finished' },
			node: {
				id: 'flow-trigger',
				name: 'AAC Flow Trigger',
				type: pkg.names.flowTrigger,
				typeVersion: 1,
				position: [0, 0],
				webhookId: '0d7c5a1e-3f7b-4a55-9a7e-2b8f3c1d9e40',
				parameters: { flowId: { __rl: true, mode: 'id', value: '1' }, event: 'onJobDone' },
				credentials: credential.credentials,
			},
		});
		try {
			await server.activate();
			const [task] = await api.webhookTasks();
			assert.equal(task?.url, server.webhookUrl, "one webhook task for n8n's URL");

			await api.setFixture({
				kind: 'recipe',
				id: 1,
				queuedMs: 20,
				runningMs: 20,
				outcome: 'Complete',
			});
			const { jobGroupId } = (await api.startRun({ kind: 'recipe', id: 1 })) as {
				jobGroupId: number;
			};
			const [delivery] = await deliveries(standIn, 1);
			await server.settled();
			assert.equal(delivery.responseStatus, 200);
			assert.deepEqual(
				server.started.map((items) => items.map((item) => [item.jobId, item.status])),
				[[[jobGroupId, 'Complete']]],
				'one execution with one item',
			);

			const repeated = await api.repeatWebhookDelivery();
			await server.settled();
			assert.equal(repeated.responseStatus, 200);
			assert.equal(server.started.length, 1, 'the repeat starts nothing');
			assert.deepEqual(
				server.answers.map((answer) => [
					answer.status,
					JSON.parse(answer.body),
					answer.noWebhookResponse,
				]),
				[
					[200, { received: true, jobs: 1 }, true],
					[200, { received: true, jobs: 0 }, true],
				],
			);
			const counters = await api.counters();
			assert.equal(counters.webhookDeliveries, 2);
			assert.equal(counters.requests.createWebhookFlowTask, 1);

			assert.equal(await server.deactivate(), true);
			assert.deepEqual(await api.webhookTasks(), [], 'deactivation deleted the task');
			return {
				deliveries: counters.webhookDeliveries,
				executions: server.started.length,
				items: server.started.flat().length,
				tasksCreated: counters.requests.createWebhookFlowTask,
			};
		} finally {
			await server.close();
		}
	},
};

/** Waits until the stand-in has settled `count` webhook deliveries. */
async function deliveries(standIn: StandInHandle, count: number) {
	const deadline = Date.now() + 20_000;
	for (;;) {
		const list = await standIn.api.flushWebhooks();
		if (list.length >= count) return list;
		if (Date.now() > deadline)
			throw new Error(`${list.length} of ${count} webhook deliveries after 20 s`);
		await sleep(50);
	}
}

export const SCENARIOS: readonly Scenario[] = [
	accessTokenGet,
	parallelPlanGet,
	planRunAndWait,
	pollingTrigger,
	flowTrigger,
];
