// Flow webhook tasks of the AAC stand-in (hand-written fake, see standin/README.md): when a job
// group of a flow finishes, every matching task of that flow gets one real HTTP request.
// Spec: the task's fields (name, flowId, url, method, triggerEvent, triggerObject, flowNodeIds,
// body, headers, secretKey, sslVerification, retryOnFailure), max 50 per flow, 30 s timeout [D].
// Guesses: the body variables, the default body, the signature header, the retry schedule.
import * as crypto from 'node:crypto';
import { validationFailed } from './state.mjs';

const TRIGGER_EVENTS = ['onJobSuccess', 'onJobFailure', 'onJobDone'];
const TRIGGER_OBJECTS = ['any', 'some'];
const METHODS = ['post', 'get', 'put', 'patch', 'delete'];
const MAX_TASKS_PER_FLOW = 50;
const DELIVERY_TIMEOUT_MS = 30000;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function validateTask(body, flowExists) {
	const problems = [];
	if (typeof body.name !== 'string' || !body.name.trim()) problems.push('"name" is required');
	if (!Number.isInteger(body.flowId)) problems.push('"flowId" must be an integer');
	let url;
	try {
		url = new URL(body.url);
		if (url.protocol !== 'http:' && url.protocol !== 'https:')
			problems.push('"url" must be http or https');
	} catch {
		problems.push('"url" must be a URL');
	}
	const method = (body.method ?? 'post').toLowerCase();
	if (!METHODS.includes(method)) problems.push(`"method" must be one of ${METHODS.join(', ')}`);
	if (!TRIGGER_EVENTS.includes(body.triggerEvent))
		problems.push(`"triggerEvent" must be one of ${TRIGGER_EVENTS.join(', ')}`);
	if (!TRIGGER_OBJECTS.includes(body.triggerObject))
		problems.push(`"triggerObject" must be one of ${TRIGGER_OBJECTS.join(', ')}`);
	if (
		body.triggerObject === 'some' &&
		(!Array.isArray(body.flowNodeIds) ||
			body.flowNodeIds.length === 0 ||
			!body.flowNodeIds.every(Number.isInteger))
	) {
		problems.push(
			'"flowNodeIds" must be a non-empty array of integers when "triggerObject" is "some"',
		);
	}
	if (
		body.headers !== undefined &&
		(typeof body.headers !== 'object' ||
			body.headers === null ||
			Array.isArray(body.headers) ||
			!Object.values(body.headers).every((v) => typeof v === 'string'))
	) {
		problems.push('"headers" must be an object of strings');
	}
	if (body.body !== undefined && typeof body.body !== 'string')
		problems.push('"body" must be a string');
	if (problems.length) throw validationFailed(problems.join('; '));
	if (!flowExists(body.flowId)) return null;
	return { method };
}

// world(): the stand-in's world (standin/worlds.mjs): whether AAC fills variables into the body
// (unknown webhookBody) and signs deliveries (unknown webhookSignature).
export function createWebhooks({ now, iso, onDelivery, world = () => ({}) }) {
	const tasks = new Map();
	const deleted = new Set();
	const deliveries = [];
	const inFlight = new Set();
	let nextId = 1;
	let closing = new AbortController();

	function create(body, method, creatorId) {
		const count = [...tasks.values()].filter((t) => t.flowId === body.flowId).length;
		if (count >= MAX_TASKS_PER_FLOW)
			throw validationFailed(`A flow can have at most ${MAX_TASKS_PER_FLOW} webhook tasks`);
		const t = now();
		const task = {
			id: nextId++,
			name: body.name,
			flowId: body.flowId,
			url: body.url,
			method,
			triggerEvent: body.triggerEvent,
			triggerObject: body.triggerObject,
			flowNodeIds: body.triggerObject === 'some' ? [...body.flowNodeIds] : [],
			body: body.body ?? '',
			headers: { ...(body.headers ?? {}) },
			secretKey: typeof body.secretKey === 'string' && body.secretKey ? body.secretKey : null,
			sslVerification: body.sslVerification !== false,
			retryOnFailure: body.retryOnFailure === true,
			creatorId,
			createdAtMs: t,
		};
		tasks.set(task.id, task);
		return task;
	}

	// The secret key is write-only here (guess: the spec's model lists it; we do not echo secrets).
	const view = (task) => ({
		id: task.id,
		name: task.name,
		flow: { id: task.flowId },
		url: task.url,
		method: task.method,
		triggerEvent: task.triggerEvent,
		triggerObject: task.triggerObject,
		flowNodeIds: task.flowNodeIds,
		body: task.body,
		headers: task.headers,
		sslVerification: task.sslVerification,
		retryOnFailure: task.retryOnFailure,
		creator: { id: task.creatorId },
		updater: { id: task.creatorId },
		createdAt: iso(task.createdAtMs),
		updatedAt: iso(task.createdAtMs),
	});

	const matches = (task, event) => {
		if (task.flowId !== event.flowId) return false;
		if (task.triggerObject === 'some' && !task.flowNodeIds.includes(event.recipeId)) return false;
		if (task.triggerEvent === 'onJobSuccess') return event.status === 'Complete';
		if (task.triggerEvent === 'onJobFailure') return event.status === 'Failed';
		return true; // onJobDone: Complete, Failed or Canceled (guess for Canceled)
	};

	// Guess: AAC's body variables are not in the spec; these follow the {{$...}} style of its docs.
	const render = (template, vars) =>
		template.replace(/\{\{\s*\$(\w+)\s*\}\}/g, (m, name) =>
			name in vars ? String(vars[name]) : m,
		);

	// What each delivery was made from, so that a test can make AAC repeat it (repeatDelivery).
	const sources = new Map(); // record -> { task, event }

	async function deliver(task, event, repeatOf = null) {
		const vars = {
			jobId: event.jobGroupId,
			jobStatus: event.status,
			flowId: event.flowId,
			flowName: event.flowName,
			flowRunId: event.flowRunId ?? '',
			recipeId: event.recipeId,
		};
		// Strict: the task's body verbatim (no variable filled in); generous: variables filled in, and
		// without a body the variables as JSON.
		const { webhookVariables, webhookSignature } = world();
		const body = webhookVariables
			? task.body
				? render(task.body, vars)
				: JSON.stringify(vars)
			: task.body;
		const record = {
			taskId: task.id,
			jobGroupId: event.jobGroupId,
			flowId: event.flowId,
			status: event.status,
			url: task.url,
			method: task.method,
			attempts: 0,
			responseStatus: null,
			error: null,
			deliveredAt: null,
			repeatOf,
		};
		deliveries.push(record);
		sources.set(record, { task, event });
		const url = new URL(task.url);
		if (!LOOPBACK.has(url.hostname)) {
			record.error = 'not delivered: the stand-in sends webhooks to loopback hosts only';
			onDelivery(record);
			return;
		}
		const headers = {
			'content-type': 'application/json',
			'user-agent': 'aac-standin-webhook',
			...task.headers,
		};
		if (task.secretKey && webhookSignature) {
			// Guess: AAC signs optionally; its format is unverified. Here: t=<epoch s>,sha256=<hex HMAC of "t.body">.
			const ts = Math.floor(Date.now() / 1000);
			const mac = crypto.createHmac('sha256', task.secretKey).update(`${ts}.${body}`).digest('hex');
			headers['x-webhook-signature'] = `t=${ts},sha256=${mac}`;
		}
		const attempts = task.retryOnFailure ? 3 : 1;
		for (let i = 0; i < attempts && !closing.signal.aborted; i += 1) {
			record.attempts += 1;
			try {
				const res = await fetch(task.url, {
					method: task.method.toUpperCase(),
					headers,
					body: task.method === 'get' ? undefined : body,
					signal: AbortSignal.any([closing.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
				});
				await res.arrayBuffer();
				record.responseStatus = res.status;
				record.error = null;
				if (res.ok) {
					record.deliveredAt = new Date().toISOString();
					break;
				}
			} catch (err) {
				record.error = String(err?.message ?? err);
			}
			if (i + 1 < attempts) await new Promise((r) => setTimeout(r, 200 * (i + 1)).unref?.());
		}
		onDelivery(record);
	}

	const track = (p) => {
		const tracked = p.finally(() => inFlight.delete(tracked));
		inFlight.add(tracked);
		return tracked;
	};

	return {
		create,
		view,
		// Admin only (AAC has no list route): every task, as GET answers it, plus whether it signs.
		list: () =>
			[...tasks.values()].map((task) => ({ ...view(task), signed: task.secretKey !== null })),
		get: (id) => tasks.get(id),
		delete: (id) => {
			const had = tasks.delete(id);
			if (had) deleted.add(id);
			return had;
		},
		wasDeleted: (id) => deleted.has(id),
		// Called once per job group when it reaches a terminal status.
		jobGroupFinished(event) {
			for (const task of tasks.values()) {
				if (!matches(task, event)) continue;
				track(deliver(task, event));
			}
		},
		// AAC sending a delivery again (its retries, or a redelivery after a timeout): the same task
		// settings and job, a fresh signature. `index` into deliveries() (default: the last). The task
		// as it was then, even if deleted since. Resolves with the new delivery once it is settled.
		async repeatDelivery(index) {
			const at = index ?? deliveries.length - 1;
			const original = deliveries[at];
			if (!original)
				throw validationFailed(`No webhook delivery ${at} (there are ${deliveries.length})`);
			const { task, event } = sources.get(original);
			const count = deliveries.length;
			await track(deliver(task, event, at));
			return { ...deliveries[count] };
		},
		deliveries: () => deliveries.map((d) => ({ ...d })),
		async flush() {
			while (inFlight.size) await Promise.allSettled([...inFlight]);
			return deliveries.map((d) => ({ ...d }));
		},
		reset() {
			closing.abort();
			closing = new AbortController();
			tasks.clear();
			deleted.clear();
			deliveries.length = 0;
			sources.clear();
			nextId = 1;
		},
		async close() {
			closing.abort();
			await Promise.allSettled([...inFlight]);
		},
	};
}
