// The Flow Trigger's deliveries in n8n-core's real HookContext and WebhookContext against the AAC
// stand-in, in both worlds: the jobs found through the API once each (repeats, copies arriving at
// once, a restart, forged and late bodies, AAC unreachable), and what the output holds.
import { sleep, type IDataObject } from 'n8n-workflow';
import { DELIVERY_BODY } from '../nodes/AlteryxAnalyticsCloudFlowTrigger/webhookTask';
import {
	restartProcess,
	useFlowTrigger,
	api,
	pair,
	db,
	started,
	answers,
	nodeState,
	generous,
	activate,
	holdUntilLoaded,
	savesDone,
	deliver,
	deliveries,
	finishJob,
} from './helpers/flowTrigger';

useFlowTrigger();

describe('deliveries', () => {
	test('a finished job starts the workflow once, with what the API says of it and the delivery as it came; no token or secret in it', async () => {
		await activate();
		const delivery = await finishJob('Failed');
		expect(delivery).toMatchObject({ responseStatus: 200, error: null, attempts: 1 });
		expect(started).toHaveLength(1);
		const [item] = started;
		expect(item).toEqual({
			jobId: delivery.jobGroupId,
			status: 'Failed',
			succeeded: false,
			final: true,
			flowId: 1,
			flowRunId: null, // a recipe run outside a flow run
			recipeId: 1,
			recipeName: 'Demo recipe',
			webhookTaskId: nodeState().webhookTaskId,
			triggerEvent: 'onJobDone',
			receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			// What AAC delivered: its variables filled in (generous) or the template verbatim (strict).
			body: (await generous())
				? {
						jobId: String(delivery.jobGroupId),
						jobStatus: 'Failed',
						flowId: '1',
						flowRunId: '',
						recipeId: '1',
					}
				: JSON.parse(DELIVERY_BODY),
		});
		const text = JSON.stringify({ started, answers });
		const { secret, signingKey } = nodeState();
		for (const value of [pair.accessToken, pair.refreshToken, secret!, signingKey!])
			expect(text).not.toContain(value);
	});

	test('jobs that finished before activation never come; each job after it comes once, whatever the body says (no dedupe on the body)', async () => {
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 20,
			runningMs: 20,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1 });
		await sleep(200); // finished, and no task yet to deliver it
		await activate();
		for (const outcome of ['Complete', 'Complete', 'Failed'] as const) await finishJob(outcome);
		// Strict: three identical bodies (nothing filled in), three starts; generous: the same.
		expect(started.map((item) => [item.jobId, item.status])).toEqual([
			[2, 'Complete'],
			[3, 'Complete'],
			[4, 'Failed'],
		]);
	});

	test('AAC repeating a delivery: 200, nothing started; 5 copies at once: still one start', async () => {
		await activate();
		await finishJob('Complete');
		expect(started).toHaveLength(1);
		const repeated = await api.repeatWebhookDelivery();
		expect(repeated).toMatchObject({ repeatOf: 0, responseStatus: 200 });
		await Promise.all(Array.from({ length: 5 }, () => api.repeatWebhookDelivery(0)));
		expect(started).toHaveLength(1);
		expect(answers).toHaveLength(7);
		expect(answers.slice(1).map((answer) => JSON.parse(answer.body))).toEqual(
			Array(6).fill({ received: true, jobs: 0 }),
		);
		// The next job is a new delivery.
		await finishJob('Complete');
		expect(started.map((item) => item.jobId)).toEqual([1, 2]);
	});

	test("copies of a new delivery that all read the static data before any saved it: one start (the process's own claims)", async () => {
		await activate();
		await finishJob('Complete');
		holdUntilLoaded(4);
		// AAC's own delivery of job 2, and three copies posted at the same time.
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 20,
			runningMs: 20,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1 });
		await sleep(100);
		const copies = await Promise.all(Array.from({ length: 3 }, () => deliver(DELIVERY_BODY)));
		await deliveries(2);
		await savesDone();
		expect(copies.map((result) => result.status)).toEqual([200, 200, 200]);
		expect(started.map((item) => item.jobId)).toEqual([1, 2]);
	});

	test('after a restart (a fresh process, no memory of its own) the static data still knows the job: a repeat starts nothing', async () => {
		await activate();
		await finishJob('Complete');
		// The delivery is answered before its static data is saved (as n8n saves after the answer).
		await savesDone();
		expect(nodeState().jobs!.known).toContain(1);
		restartProcess();
		const repeated = await api.repeatWebhookDelivery();
		expect(repeated.responseStatus).toBe(200);
		expect(started).toHaveLength(1);
		expect(JSON.parse(answers.at(-1)!.body)).toEqual({ received: true, jobs: 0 });
	});

	test('150 jobs: 150 starts, and the static data stays small', async () => {
		await activate();
		await api.setFixture({
			kind: 'recipe',
			id: 1,
			queuedMs: 0,
			runningMs: 10,
			outcome: 'Complete',
		});
		await api.startRun({ kind: 'recipe', id: 1, count: 150 });
		await sleep(200);
		await deliveries(150);
		await savesDone();
		expect(new Set(started.map((item) => item.jobId)).size).toBe(150);
		expect(started).toHaveLength(150);
		expect(JSON.stringify(nodeState()).length).toBeLessThan(2500);
	});

	test('a body that names a job is only a hint: a forged or late one (the proof header known) starts nothing that AAC does not show finished in this flow', async () => {
		await activate();
		await finishJob('Complete'); // job 1
		const send = async (body: IDataObject) => await deliver(JSON.stringify(body));
		// A job that does not exist, one still running, and job 1 again (a late copy).
		await api.setFixture({ kind: 'recipe', id: 1, queuedMs: 0, runningMs: 3_600_000 });
		const running = ((await api.startRun({ kind: 'recipe', id: 1 })) as { jobGroupId: number })
			.jobGroupId;
		for (const jobId of ['999', String(running), '1'])
			expect((await send({ jobId, jobStatus: 'Complete', flowId: '1' })).status).toBe(200);
		expect(started.map((item) => item.jobId)).toEqual([1]);
	});

	test('a job of another flow, named in the body or finished meanwhile, starts nothing', async () => {
		await api.reset({
			flows: [
				{ id: 1, name: 'Demo flow' },
				{ id: 2, name: 'Other flow' },
			],
			recipes: [
				{ id: 1, name: 'Demo recipe', flowId: 1 },
				{ id: 2, name: 'Other recipe', flowId: 2 },
			],
		});
		await activate();
		await api.setFixture({
			kind: 'recipe',
			id: 2,
			queuedMs: 0,
			runningMs: 20,
			outcome: 'Complete',
		});
		const other = ((await api.startRun({ kind: 'recipe', id: 2 })) as { jobGroupId: number })
			.jobGroupId;
		await sleep(150);
		const result = await deliver(
			JSON.stringify({ jobId: String(other), jobStatus: 'Complete', flowId: '1' }),
		);
		expect(result.status).toBe(200);
		expect(started).toEqual([]);
		await finishJob('Failed'); // a job of flow 1: comes
		expect(started.map((item) => [item.jobId, item.flowId])).toEqual([[other + 1, 1]]);
	});

	test('AAC cannot be read while a delivery comes: 503 (AAC delivers again), nothing stored; the next delivery brings the job', async () => {
		await activate();
		const saved = JSON.stringify(db.staticData);
		// Every attempt AAC makes (3 with retryOnFailure) finds the job library failing.
		await api.addFault({ endpoint: 'getJobLibrary', status: 503, phase: 'before', times: null });
		const first = await finishJob('Complete');
		expect(first).toMatchObject({ responseStatus: 503, attempts: 3 });
		await savesDone();
		expect(started).toEqual([]);
		expect(JSON.stringify(db.staticData)).toBe(saved);
		await api.clearFaults();
		await api.repeatWebhookDelivery();
		expect(started.map((item) => item.jobId)).toEqual([first.jobGroupId]);
	});
});
