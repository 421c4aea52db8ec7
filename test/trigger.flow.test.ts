// The Flow Trigger in n8n-core's real HookContext and WebhookContext against the AAC stand-in
// (standin/: real oidc-provider OAuth, our hand-written fake of AAC's v4 API and its webhook
// deliveries), in both worlds (jest.config.js: the strict stand-in delivers the task's body
// verbatim, with no variable filled in and no signature; the generous one fills them in and
// signs): the webhook task's lifecycle (create, checkExists, delete, a stale id recreated, a task
// that no longer fits replaced), authentication (secret header, signature, replays), the jobs
// found through the API once each (repeats, copies arriving at once, a restart, forged and late
// bodies, AAC unreachable), and what the output holds.
//
// What n8n's server does around webhook() is copied by hand, not run: a request builds a new
// Workflow from the static data "in the database", and what webhook() changed is saved once it
// answered (n8n's LiveWebhooks); activation is checkExists, then create when that says false.
import { SIGNATURE_HEADER } from '../nodes/AlteryxAnalyticsCloudFlowTrigger/delivery';
import { DELIVERY_BODY, PROOF_HEADER } from '../nodes/AlteryxAnalyticsCloudFlowTrigger/webhookTask';
import {
	useFlowTrigger,
	WEBHOOK_ID,
	api,
	endpoint,
	db,
	started,
	nodeState,
	generous,
	hook,
	activate,
	webhookUrl,
	savesDone,
	post,
	sign,
	finishJob,
	aac,
	requests,
} from './helpers/flowTrigger';

useFlowTrigger();

describe('the webhook task', () => {
	test("activation creates one task for the flow at n8n's webhook URL, with the secret header and a signing key; its id is kept", async () => {
		await activate();
		const tasks = await api.webhookTasks();
		expect(tasks).toHaveLength(1);
		const [task] = tasks;
		const state = nodeState();
		expect(state.webhookTaskId).toBe(task.id);
		expect(task).toMatchObject({
			flow: { id: 1 },
			url: webhookUrl(),
			method: 'post',
			triggerEvent: 'onJobDone',
			triggerObject: 'any',
			body: DELIVERY_BODY,
			retryOnFailure: true,
			signed: true,
		});
		expect(task.name).toBe('n8n: Alert when a flow job fails');
		expect(state.secret).toMatch(/^[0-9a-f]{64}$/);
		expect(state.signingKey).toMatch(/^[0-9a-f]{64}$/);
		expect(state.signingKey).not.toBe(state.secret);
		expect(task.headers[PROOF_HEADER]).toBe(state.secret);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 1 });
		expect((await requests()).getWebhookFlowTask ?? 0).toBe(0); // nothing stored yet: no GET
	});

	test('checkExists says true for the stored task (one GET) and a restart creates nothing new', async () => {
		await activate();
		const { webhookTaskId } = nodeState();
		expect(await hook('checkExists')).toBe(true);
		await activate(); // n8n starting again with the workflow active
		expect(nodeState().webhookTaskId).toBe(webhookTaskId);
		expect(await api.webhookTasks()).toHaveLength(1);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 1, getWebhookFlowTask: 2 });
	});

	test('a task deleted in AAC: checkExists says false and forgets it; activation creates a new one (a stale id recreated)', async () => {
		await activate();
		const first = nodeState();
		expect(await aac('DELETE', `/v4/webhookFlowTasks/${first.webhookTaskId}`)).toBe(204);
		expect(await hook('checkExists')).toBe(false);
		expect(nodeState().webhookTaskId).toBeUndefined();
		await activate();
		const second = nodeState();
		const tasks = await api.webhookTasks();
		expect(tasks.map((task) => task.id)).toEqual([second.webhookTaskId]);
		expect(second.webhookTaskId).not.toBe(first.webhookTaskId);
		expect(second.secret).not.toBe(first.secret);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 2 });
	});

	test('a task that no longer fits the node (the event changed): checkExists deletes it, activation creates the right one', async () => {
		await activate();
		const first = nodeState().webhookTaskId;
		db.parameters = { ...db.parameters, event: 'onJobFailure' };
		expect(await hook('checkExists')).toBe(false);
		await activate();
		const tasks = await api.webhookTasks();
		expect(tasks).toHaveLength(1);
		expect(tasks[0].id).not.toBe(first);
		expect(tasks[0].triggerEvent).toBe('onJobFailure');
		expect(await requests()).toMatchObject({ deleteWebhookFlowTask: 1, createWebhookFlowTask: 2 });
	});

	test('deactivation deletes the task in AAC and clears the static data; a task AAC no longer has is fine', async () => {
		await activate();
		const { webhookTaskId } = nodeState();
		expect(await hook('delete')).toBe(true);
		expect(await api.webhookTasks()).toEqual([]);
		// Gone: 410 "previously deleted" in the strict world, 404 in the generous one.
		expect([404, 410]).toContain(await aac('GET', `/v4/webhookFlowTasks/${webhookTaskId}`));
		expect(nodeState()).toEqual({});

		await activate();
		expect(await aac('DELETE', `/v4/webhookFlowTasks/${nodeState().webhookTaskId}`)).toBe(204);
		expect(await hook('delete')).toBe(true); // AAC answers 404 or 410: gone already
		expect(nodeState()).toEqual({});
		expect(await requests()).toMatchObject({ deleteWebhookFlowTask: 3 });
	});

	test('"Listen for test event" on the active workflow: its own task at the test URL, deleted after; the production task untouched', async () => {
		await activate();
		const production = nodeState().webhookTaskId;
		// n8n's test copy of the workflow starts from the stored static data, and never saves it.
		const testStaticData = structuredClone(db.staticData);
		expect(await hook('checkExists', 'manual', testStaticData)).toBe(false);
		expect(await hook('create', 'manual', testStaticData)).toBe(true);
		const tasks = await api.webhookTasks();
		expect(tasks.map((task) => [task.id, task.url])).toEqual([
			[production, webhookUrl()],
			[expect.any(Number), `${endpoint.url}/webhook-test/${WEBHOOK_ID}/webhook`],
		]);
		expect(await hook('delete', 'manual', testStaticData)).toBe(true);
		expect((await api.webhookTasks()).map((task) => task.id)).toEqual([production]);
		expect(nodeState().webhookTaskId).toBe(production);
		expect(await hook('checkExists')).toBe(true);
	});

	test('a failed delete keeps the id, so the next activation finds the task instead of creating a second', async () => {
		await activate();
		const { webhookTaskId } = nodeState();
		await api.addFault({ endpoint: 'deleteWebhookFlowTask', status: 403, times: 1 });
		expect(await hook('delete')).toBe(false);
		expect(nodeState().webhookTaskId).toBe(webhookTaskId);
		await activate();
		expect(nodeState().webhookTaskId).toBe(webhookTaskId);
		expect(await api.webhookTasks()).toHaveLength(1);
	});

	test('an ambiguous create (AAC processed it, the answer was lost) is not repeated, and says what to check', async () => {
		await api.addFault({
			endpoint: 'createWebhookFlowTask',
			status: 502,
			phase: 'after',
			times: 1,
		});
		await expect(hook('create')).rejects.toThrow(
			/^The webhook task may have been created: POST \/v4\/webhookFlowTasks was answered 502/,
		);
		expect(await requests()).toMatchObject({ createWebhookFlowTask: 1 });
		expect(await api.webhookTasks()).toHaveLength(1); // the one AAC made; no second
		expect(nodeState()).toEqual({});
	});
});

describe('authentication', () => {
	const body = DELIVERY_BODY;

	test('without the secret header, with a wrong one, or with a signature that does not verify: 401, nothing read or started, no secret in the answer', async () => {
		await activate();
		const { secret, signingKey } = nodeState();
		const before = (await requests()).getJobLibrary ?? 0;
		const forged = [
			await post({}, body),
			await post({ [PROOF_HEADER]: 'f'.repeat(64) }, body),
			await post({ [PROOF_HEADER]: secret!.slice(0, 63) }, body),
			await post(
				{
					[PROOF_HEADER]: secret!,
					[SIGNATURE_HEADER]: `t=${Math.floor(Date.now() / 1000)},sha256=${'0'.repeat(64)}`,
				},
				body,
			),
		];
		expect(forged.map((result) => result.status)).toEqual([401, 401, 401, 401]);
		for (const result of forged) {
			expect(JSON.parse(result.text)).toEqual({ message: 'Unauthorized' });
			expect(result.text).not.toContain(secret!);
			expect(result.text).not.toContain(signingKey!);
		}
		expect(started).toEqual([]);
		expect((await requests()).getJobLibrary ?? 0).toBe(before); // authenticated before anything
	});

	test('before any task was created nothing is accepted (no secret to match)', async () => {
		const result = await post({ [PROOF_HEADER]: '' }, body);
		expect(result.status).toBe(401);
		expect(started).toEqual([]);
	});

	test('a signature whose time is far off is refused, though its HMAC verifies (a captured delivery replayed later)', async () => {
		await activate();
		const { secret, signingKey } = nodeState();
		const stale = sign(signingKey!, body, Math.floor(Date.now() / 1000) - 3600);
		const result = await post({ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: stale }, body);
		expect(result.status).toBe(401);
		const fresh = await post(
			{ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: sign(signingKey!, body) },
			body,
		);
		expect(fresh.status).toBe(200);
	});

	test('once a delivery came signed, unsigned ones (the header dropped, or in another format) are refused; until then the secret alone is enough (AAC may not sign)', async () => {
		await activate();
		const { secret, signingKey } = nodeState();
		expect((await post({ [PROOF_HEADER]: secret! }, body)).status).toBe(200);
		const delivery = await finishJob('Complete');
		expect(delivery.responseStatus).toBe(200);
		expect(started.map((item) => item.jobId)).toEqual([delivery.jobGroupId]);
		await savesDone();
		const signedBefore = nodeState().signed === true;
		// Generous: the stand-in signed that delivery; strict: it never signs.
		expect(signedBefore).toBe(await generous());
		if (!signedBefore) {
			expect(
				(await post({ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: sign(signingKey!, body) }, body))
					.status,
			).toBe(200);
			await savesDone();
			expect(nodeState().signed).toBe(true);
		}
		const dropped = await post({ [PROOF_HEADER]: secret! }, body);
		const otherFormat = await post(
			{ [PROOF_HEADER]: secret!, [SIGNATURE_HEADER]: 'v1=0123456789abcdef' },
			body,
		);
		expect([dropped.status, otherFormat.status]).toEqual([401, 401]);
	});
});
