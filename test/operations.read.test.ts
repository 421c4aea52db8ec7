// The node's read operations (plans, flows, plan runs, jobs, connections, user, workspace) in
// n8n-core's real engine against the AAC stand-in: what each returns, and the run lists' filters
// applied in n8n. (operations.paging and operations.readItems test the rest.)
import { useStandIn, api, runNode, byId } from './helpers/readOperations';

useStandIn();

describe('each read operation answers what AAC holds', () => {
	test('user and workspace getCurrent: who the token belongs to', async () => {
		const user = await runNode({ resource: 'user', operation: 'getCurrent' });
		expect(user.result.error).toBeUndefined();
		expect(user.json).toEqual([
			expect.objectContaining({ id: 1, email: 'standin@example.com', name: 'Stand-in User' }),
		]);
		const workspace = await runNode({ resource: 'workspace', operation: 'getCurrent' });
		expect(workspace.json).toEqual([expect.objectContaining({ id: 1, name: expect.any(String) })]);
		const counters = await api.counters();
		expect(counters.requests).toMatchObject({ getCurrentPerson: 1, getCurrentWorkspace: 1 });
	});

	test('plan get (from the list or by ID) returns the full plan; plan getMany filters by name and ownership', async () => {
		await api.reset({ plans: 30 });
		const fromList = await runNode({
			resource: 'plan',
			operation: 'get',
			planId: byId('list', 12),
		});
		expect(fromList.json).toEqual([
			expect.objectContaining({ id: 12, name: 'Plan 0012', nodes: { data: expect.any(Array) } }),
		]);
		const typed = await runNode({ resource: 'plan', operation: 'get', planId: byId('id', ' 1 ') });
		expect(typed.json[0]).toMatchObject({ id: 1, name: 'Demo plan' });

		const named = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { name: 'Plan 001' },
		});
		expect(named.json.map((p) => p.id).sort((a, b) => Number(a) - Number(b))).toEqual([
			10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
		]);
		const caseMatters = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { name: 'plan 001' },
		});
		expect(caseMatters.json).toEqual([]);
		const shared = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { ownership: 'shared' },
		});
		expect(shared.json.length).toBe(10); // every third of 30
		expect(shared.json.every((p) => Number(p.id) % 3 === 0)).toBe(true);
		expect((await api.counters()).requests).toMatchObject({ getPlanFull: 2, listPlans: 3 });
	});

	test('flow get and getMany; connection getMany and getStatus', async () => {
		await api.reset({ flows: 7, connections: 3 });
		const flows = await runNode({
			resource: 'flow',
			operation: 'getMany',
			returnAll: true,
			filters: { ownership: 'owned' },
		});
		expect(flows.json.map((f) => f.id).sort()).toEqual([1, 2, 4, 5, 7]);
		const flow = await runNode({ resource: 'flow', operation: 'get', flowId: byId('id', 4) });
		expect(flow.json).toEqual([expect.objectContaining({ id: 4, name: 'Flow 0004' })]);

		const connections = await runNode({
			resource: 'connection',
			operation: 'getMany',
			returnAll: false,
			limit: 2,
		});
		expect(connections.json).toHaveLength(2);
		const status = await runNode({
			resource: 'connection',
			operation: 'getStatus',
			connectionId: byId('list', 2),
		});
		expect(status.json).toEqual([{ connectionId: 2, result: 'ok' }]);
		expect((await api.counters()).requests).toMatchObject({
			listFlows: 1,
			getFlow: 1,
			listConnections: 1,
			getConnectionStatus: 1,
		});
	});

	test('planRun get and getMany (status filter, newest first); job get, getMany (job library) and getOutputs', async () => {
		const { planSnapshotRunId } = (await api.startRun({ kind: 'plan', id: 1 })) as {
			planSnapshotRunId: number;
		};
		const second = (await api.startRun({ kind: 'plan', id: 1 })) as { planSnapshotRunId: number };
		await api.finishRun({ kind: 'planRun', id: second.planSnapshotRunId, outcome: 'Failed' });
		const { jobGroupId } = (await api.startRun({ kind: 'recipe', id: 1 })) as {
			jobGroupId: number;
		};
		await api.finishRun({ kind: 'jobGroup', id: jobGroupId, outcome: 'Complete' });

		const run = await runNode({
			resource: 'planRun',
			operation: 'get',
			planRunId: String(planSnapshotRunId),
			options: { includePlan: true },
		});
		expect(run.json).toEqual([
			expect.objectContaining({
				id: planSnapshotRunId,
				status: 'Created',
				plan: expect.objectContaining({ name: 'Demo plan' }),
			}),
		]);
		const failed = await runNode({
			resource: 'planRun',
			operation: 'getMany',
			returnAll: true,
			filters: { status: ['Failed'] },
		});
		expect(failed.json.map((r) => r.id)).toEqual([second.planSnapshotRunId]);
		const all = await runNode({
			resource: 'planRun',
			operation: 'getMany',
			returnAll: true,
			filters: { ranfrom: 'schedule', runBy: 'currentUser' },
		});
		expect(all.json.map((r) => r.id)).toEqual([second.planSnapshotRunId, planSnapshotRunId]);
		const future = await runNode({
			resource: 'planRun',
			operation: 'getMany',
			returnAll: true,
			filters: { createdAfter: new Date((await api.clock()).now + 60_000).toISOString() },
		});
		expect(future.json).toEqual([]);

		const job = await runNode({
			resource: 'job',
			operation: 'get',
			jobId: String(jobGroupId),
			options: { includeJobs: true },
		});
		expect(job.json).toEqual([
			expect.objectContaining({
				id: jobGroupId,
				status: 'Complete',
				jobs: expect.objectContaining({ data: expect.any(Array) }),
			}),
		]);
		const jobs = await runNode({
			resource: 'job',
			operation: 'getMany',
			returnAll: false,
			limit: 10,
			filters: { status: ['Complete'] },
		});
		expect(jobs.json.map((j) => j.id)).toEqual([jobGroupId]);
		const outputs = await runNode({
			resource: 'job',
			operation: 'getOutputs',
			jobId: `${jobGroupId}`,
		});
		expect(outputs.json).toEqual([
			{
				jobId: jobGroupId,
				files: [expect.objectContaining({ fileType: 'csv', isPrimaryOutput: true })],
				tables: [],
			},
		]);
		expect((await api.counters()).requests).toMatchObject({
			getPlanSnapshotRun: 1,
			listPlanSnapshotRuns: 3,
			getJobGroup: 1,
			getJobLibrary: 1,
			getJobGroupOutputs: 1,
		});
	});
});

describe('run lists: what AAC may ignore is applied in n8n (both worlds give the same answer)', () => {
	test('several statuses, Created After/Before and a Limit on plan runs and jobs: exactly the matching runs, newest first; no comma list and no plan-run date filter sent', async () => {
		const t0 = (await api.clock()).now;
		await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome: 'Complete' });
		const plans: Array<{ id: number; outcome: string; at: number }> = [];
		const jobs: Array<{ id: number; outcome: string; at: number }> = [];
		for (let i = 0; i < 40; i++) {
			const outcome = (['Complete', 'Failed', 'Canceled'] as const)[i % 3];
			await api.setFixture({ kind: 'plan', queuedMs: 0, runningMs: 10, outcome });
			await api.setFixture({ kind: 'recipe', queuedMs: 0, runningMs: 10, outcome });
			const at = (await api.clock()).now;
			const plan = (await api.startRun({ kind: 'plan', id: 1 })) as { planSnapshotRunId: number };
			const job = (await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number };
			plans.push({ id: plan.planSnapshotRunId, outcome, at });
			jobs.push({ id: job.jobGroupId, outcome, at });
			await api.advance(60_000);
		}
		const after = t0 + 10 * 60_000;
		const before = t0 + 30 * 60_000;
		const expectedIds = (runs: typeof plans) =>
			runs
				.filter((r) => ['Failed', 'Canceled'].includes(r.outcome) && r.at >= after && r.at < before)
				.map((r) => r.id)
				.reverse();
		const filters = {
			status: ['Failed', 'Canceled'],
			createdAfter: new Date(after).toISOString(),
			createdBefore: new Date(before).toISOString(),
		};
		for (const [resource, runs] of [
			['planRun', plans],
			['job', jobs],
		] as const) {
			const all = await runNode({ resource, operation: 'getMany', returnAll: true, filters });
			expect([resource, all.json.map((r) => r.id)]).toEqual([resource, expectedIds(runs)]);
			const five = await runNode({
				resource,
				operation: 'getMany',
				returnAll: false,
				limit: 5,
				filters,
			});
			expect([resource, five.json.map((r) => r.id)]).toEqual([
				resource,
				expectedIds(runs).slice(0, 5),
			]);
		}
	});

	test('pickers and Get Many list shared plans and flows too (ownershipFilter=all, flowsFilter=all), whatever AAC does without it', async () => {
		await api.reset({ plans: 6, flows: 6 });
		const plans = await runNode({ resource: 'plan', operation: 'getMany', returnAll: true });
		expect(plans.json).toHaveLength(6);
		const flows = await runNode({ resource: 'flow', operation: 'getMany', returnAll: true });
		expect(flows.json).toHaveLength(6);
		const owned = await runNode({
			resource: 'plan',
			operation: 'getMany',
			returnAll: true,
			filters: { ownership: 'owned' },
		});
		expect(owned.json).toHaveLength(4);
	});
});
