// Plan Run → Wait and Cancel, and what cancel and Max Wait say when the outcome is not known, in
// n8n-core's real engine against the AAC stand-in.
import { sleep } from 'n8n-workflow';
import { useStandIn, FAST, standIn, api, setUp, planRun } from './helpers/runOperations';

useStandIn();

describe('Plan Run → Wait and Cancel', () => {
	test('Run without waiting, then Wait (the pattern for long runs), then Cancel of a finished run changes nothing', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 500,
			runningMs: 30000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const [started] = (await run(1, planRun({}, { waitForCompletion: false }))).output('AAC');
		const [waited] = (
			await run(1, {
				parameters: {
					resource: 'planRun',
					operation: 'wait',
					planRunId: started.planRunId,
					options: FAST,
				},
			})
		).output('AAC');
		expect(waited).toMatchObject({ planRunId: started.planRunId, status: 'Complete' });
		const [canceled] = (
			await run(1, {
				parameters: { resource: 'planRun', operation: 'cancel', planRunId: started.planRunId },
			})
		).output('AAC');
		expect(canceled).toMatchObject({ planRunId: started.planRunId, status: 'Complete' });
		expect((await api.counters()).runsStarted.plan).toEqual({ 1: 1 });
	});

	test('Cancel of a running plan run: Canceled in AAC', async () => {
		await api.setFixture({
			kind: 'plan',
			id: 1,
			queuedMs: 0,
			runningMs: 3_600_000,
			outcome: 'Complete',
		});
		const { run } = await setUp(standIn);
		const [started] = (await run(1, planRun({}, { waitForCompletion: false }))).output('AAC');
		const [canceled] = (
			await run(1, {
				parameters: { resource: 'planRun', operation: 'cancel', planRunId: started.planRunId },
			})
		).output('AAC');
		expect(canceled).toMatchObject({ planRunId: started.planRunId, status: 'Canceled' });
		expect((await api.counters()).cancels.planRun).toBe(1);
	});
});

describe('cancel and Max Wait: say what is known', () => {
	test("a cancel answered 502 after AAC processed it: not repeated, and the message says the cancel's outcome is unknown (not that a run may have started)", async () => {
		await api.setFixture({ kind: 'plan', id: 1, queuedMs: 0, runningMs: 3_600_000 });
		const { planSnapshotRunId } = (await api.startRun({ kind: 'plan', id: 1 })) as {
			planSnapshotRunId: number;
		};
		await api.addFault({ endpoint: 'cancelPlanSnapshotRun', phase: 'after', status: 502 });
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'planRun',
				operation: 'cancel',
				planRunId: String(planSnapshotRunId),
			},
		});
		const error = result.nodeError('AAC') as Error & { description?: string };
		expect(error.message).toMatch(
			/^The cancel's outcome is unknown: POST \/v4\/planSnapshotRuns\/\d+\/cancel was answered 502/,
		);
		expect(error.message).not.toMatch(/may have started/);
		expect(error.description).toMatch(/Read the run's status \(Get\)/);
		const counters = await api.counters();
		expect(counters.requests.cancelPlanSnapshotRun).toBe(1);
		expect(counters.cancels.planRun).toBe(1); // AAC did cancel it; the node says it cannot know
	});

	test('Max Wait 0 on a run that already finished: its status is read once and it is the result; Cancel Run on Timeout sends nothing', async () => {
		await api.setFixture({ kind: 'plan', id: 1, queuedMs: 0, runningMs: 10, outcome: 'Complete' });
		const { planSnapshotRunId } = (await api.startRun({ kind: 'plan', id: 1 })) as {
			planSnapshotRunId: number;
		};
		await sleep(200); // 12 s of API time: Complete
		const { run } = await setUp(standIn);
		const result = await run(1, {
			parameters: {
				resource: 'planRun',
				operation: 'wait',
				planRunId: String(planSnapshotRunId),
				options: { maxWaitMinutes: 0, cancelOnTimeout: true },
			},
		});
		expect(result.error).toBeUndefined();
		expect(result.output('AAC')[0]).toMatchObject({ status: 'Complete', polls: 1 });
		const counters = await api.counters();
		expect(counters.requests.cancelPlanSnapshotRun ?? 0).toBe(0);
	});
});
