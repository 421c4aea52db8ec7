'use strict';
// Jest-side controls of the AAC stand-in's v4 API (standin/api.mjs, our hand-written fake of AAC's
// API) over its /__admin/api routes, and a loopback receiver for its webhook deliveries.
// Plain JavaScript for the same reason as standin.js (Node built-ins); typed by JSDoc, checked by
// checkJs (test/tsconfig.json).
const http = require('node:http');

/** @typedef {'Complete' | 'Failed' | 'Canceled'} RunOutcome */
/** @typedef {'Created' | 'InProgress' | RunOutcome} RunStatus */

/**
 * @typedef {object} RunBehaviour
 * @property {number} [queuedMs] How long a run stays Created.
 * @property {number} [runningMs] How long it then stays InProgress.
 * @property {RunOutcome} [outcome]
 * @property {string} [failureReason] errorMessage of a failed job group's first job.
 */

/**
 * One seeded entity: id and public fields, plus stand-in-only keys.
 * @typedef {{ [field: string]: unknown } & {
 *   id?: number,
 *   name?: string,
 *   run?: RunBehaviour,
 *   ownership?: 'owned' | 'shared',
 *   flowId?: number,
 *   validationStatus?: string,
 *   rejectRunWithoutOverrides?: boolean,
 *   healthy?: boolean,
 * }} SeedFixture
 * recipes: `flowId` the flow they belong to, and `rejectRunWithoutOverrides` (a run without
 * `overrides` answers 400 ValidationFailed); plans: `validationStatus` 'MissingFlowReferences'
 * makes a run POST start nothing; connections: `healthy` false makes /status answer 400.
 */

/**
 * A number generates that many (with timestamps, creators, ownership); an array gives fixtures.
 * @typedef {object} ApiSeed
 * @property {number | SeedFixture[]} [plans]
 * @property {number | SeedFixture[]} [recipes]
 * @property {number | SeedFixture[]} [flows]
 * @property {number | SeedFixture[]} [connections]
 */

/** @typedef {{ user: number | null, workspace: number | null }} QuotaLimits */

/**
 * @typedef {object} ApiOptions
 * @property {ApiSeed} [seed]
 * @property {number} [defaultPageSize] Page size when `limit` is absent (AAC: 25).
 * @property {number | null | 'world'} [maxPageSize] Largest page the server serves whatever `limit` asks (null: no cap; 'world': the world's, strict 25).
 * @property {Record<string, QuotaLimits | null>} [quotas] Per endpoint name (runPlan, runJobGroup, runFlow, or any other endpoint name).
 * @property {boolean} [freezeClock] Start with the API clock frozen (moves only by advance).
 * @property {number} [timeScale] API milliseconds per real millisecond (default 1).
 * @property {string} [flowRunRunningStatus] What /flowRuns/{id}/status says while job groups run (the spec's enum has no InProgress).
 * @property {'strict' | 'generous'} [world] How the API reads AAC's unknowns (standin/worlds.mjs); default strict.
 * @property {boolean} [ignoreOffset] Serve every page as the first (a server or cache that ignores offset).
 */

/**
 * @typedef {object} ApiCounters
 * @property {Record<string, number>} requests
 * @property {Record<string, number>} responses
 * @property {number} tooManyRequests
 * @property {number} notModified
 * @property {{ plan: Record<string, number>, recipe: Record<string, number>, flow: Record<string, number> }} runsStarted
 * @property {Record<string, number>} postsPerExecutionId
 * @property {{ planRun: number, jobGroup: number }} cancels
 * @property {number} webhookDeliveries
 * @property {number} faultsServed
 * @property {Record<string, string[]>} probes unknown -> the requests that probed it (the compatibility check), as the contract names its probes
 */

/**
 * @typedef {object} FaultSpec
 * @property {string} endpoint Endpoint name, e.g. runPlan, listPlans, getPlanSnapshotRun.
 * @property {number} [status]
 * @property {boolean} [reset] Destroy the socket instead of answering.
 * @property {'before' | 'after'} [phase] before: answer without processing; after: process (a run starts), then answer the fault.
 * @property {number | null} [times] How many requests it hits (default 1; null: until cleared).
 * @property {number} [retryAfterSeconds]
 * @property {Record<string, string>} [headers] Extra response headers, e.g. { 'retry-after': '2' }.
 * @property {string} [name]
 * @property {string} [message]
 * @property {string} [rawBody] Answer this body as it is (with `status`, 200 too): something other than AAC answering.
 * @property {string} [contentType] With rawBody: its content type (default text/html).
 */

/**
 * @typedef {object} WebhookDelivery
 * @property {number} taskId
 * @property {number} jobGroupId
 * @property {number} flowId
 * @property {RunStatus} status
 * @property {string} url
 * @property {string} method
 * @property {number} attempts
 * @property {number | null} responseStatus
 * @property {string | null} error
 * @property {string | null} deliveredAt
 * @property {number | null} repeatOf The index of the delivery this one repeats (repeatWebhookDelivery), else null.
 */

/**
 * A webhook task as GET /v4/webhookFlowTasks/{id} answers it, plus whether it signs.
 * @typedef {object} WebhookTask
 * @property {number} id
 * @property {string} name
 * @property {{ id: number }} flow
 * @property {string} url
 * @property {string} method
 * @property {string} triggerEvent
 * @property {string} triggerObject
 * @property {number[]} flowNodeIds
 * @property {string} body
 * @property {Record<string, string>} headers
 * @property {boolean} sslVerification
 * @property {boolean} retryOnFailure
 * @property {boolean} signed
 */

/** @typedef {{ now: number, frozen: boolean, timeScale: number }} ClockState */
/** @typedef {Array<Record<string, unknown>>} Rows */

/**
 * @typedef {object} StandInApi
 * @property {() => Promise<ApiCounters>} counters
 * @property {() => Promise<unknown>} resetCounters
 * @property {() => Promise<Required<ApiOptions> & { pageCap: number | null }>} settings The settings, and pageCap: the most a page holds now (the world's cap unless configured)
 * @property {(patch: Omit<ApiOptions, 'seed' | 'freezeClock'>) => Promise<unknown>} configure
 * @property {(spec: { kind: 'plan' | 'recipe' | 'flow' | 'connection', id?: number } & RunBehaviour & Partial<SeedFixture>) => Promise<unknown>} setFixture
 * @property {(spec: { kind: 'planRun' | 'jobGroup', id: number, outcome: RunOutcome, stampOffsetMs?: number }) => Promise<{ changed: boolean, status: RunStatus }>} finishRun stampOffsetMs: its finish stamps that far off (AAC's clock ahead or behind)
 * @property {(spec: { kind: 'plan' | 'recipe' | 'flow', id: number, ranfrom?: string, otherUser?: boolean, count?: number }) => Promise<Record<string, unknown>>} startRun
 * @property {() => Promise<{ planRuns: Rows, jobGroups: Rows, flowRuns: Rows }>} runs
 * @property {(spec?: { advanceMs?: number, setMs?: number, freeze?: boolean, timeScale?: number }) => Promise<ClockState>} clock
 * @property {(ms: number) => Promise<ClockState>} advance
 * @property {(spec: FaultSpec) => Promise<FaultSpec & { id: number, served: number }>} addFault
 * @property {() => Promise<Array<FaultSpec & { id: number, served: number }>>} faults
 * @property {() => Promise<unknown>} clearFaults
 * @property {() => Promise<WebhookDelivery[]>} webhookDeliveries
 * @property {() => Promise<WebhookDelivery[]>} flushWebhooks Waits for deliveries in flight, then lists all.
 * @property {(index?: number) => Promise<WebhookDelivery>} repeatWebhookDelivery Sends delivery `index` (default the last) again, as AAC repeating it; resolves once settled.
 * @property {() => Promise<WebhookTask[]>} webhookTasks Every webhook task (AAC has no list route; admin only).
 * @property {(seed?: ApiSeed) => Promise<unknown>} reset Drops runs, tasks, faults, counters, quota windows; reseeds (same seed unless given).
 * @property {(spec: { kind?: 'jobGroup', id: number }) => Promise<{ updatedAt: string }>} touchRun A finished job group touched later: its updatedAt moves on.
 * @property {() => Promise<ContractViolation[]>} contractViolations Requests standin/contract.json does not describe, since the start.
 * @property {() => Promise<ContractViolation[]>} clearContractViolations Lists them and forgets them (for tests that send such requests on purpose).
 */

/**
 * @typedef {object} ContractViolation
 * @property {string} endpoint
 * @property {string} request
 * @property {string[]} problems
 */

/**
 * @param {import('./standin').StandIn} standIn
 * @returns {StandInApi}
 */
function standInApi(standIn) {
	const base = `${standIn.adminUrl}/api`;
	/**
	 * @param {string} method
	 * @param {string} route
	 * @param {unknown} [body]
	 * @returns {Promise<any>} the route's JSON answer
	 */
	async function call(method, route, body) {
		const res = await fetch(`${base}/${route}`, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = await res.json();
		if (!res.ok)
			throw new Error(`stand-in admin api/${route} failed: ${res.status} ${JSON.stringify(json)}`);
		return json;
	}
	return {
		counters: () => call('GET', 'counters'),
		resetCounters: () => call('POST', 'reset-counters', {}),
		settings: () => call('GET', 'config'),
		configure: (patch) => call('POST', 'config', patch),
		setFixture: (spec) => call('POST', 'fixtures', spec),
		finishRun: (spec) => call('POST', 'finish-run', spec),
		startRun: (spec) => call('POST', 'start-run', spec),
		runs: () => call('GET', 'runs'),
		clock: (spec = {}) => call('POST', 'clock', spec),
		advance: (ms) => call('POST', 'clock', { advanceMs: ms }),
		addFault: (spec) => call('POST', 'faults', spec),
		faults: async () => (await call('GET', 'faults')).faults,
		clearFaults: () => call('DELETE', 'faults', {}),
		webhookDeliveries: async () => (await call('GET', 'webhook-deliveries')).deliveries,
		flushWebhooks: async () => (await call('POST', 'webhook-deliveries/flush', {})).deliveries,
		repeatWebhookDelivery: async (index) =>
			(await call('POST', 'webhook-deliveries/repeat', index === undefined ? {} : { index }))
				.delivery,
		webhookTasks: async () => (await call('GET', 'webhook-tasks')).tasks,
		reset: (seed) => call('POST', 'reset', seed === undefined ? {} : { seed }),
		touchRun: (spec) => call('POST', 'touch-run', spec),
		contractViolations: async () => (await call('GET', 'contract-violations')).violations,
		clearContractViolations: async () =>
			(await call('POST', 'contract-violations/clear', {})).violations,
	};
}

/**
 * @typedef {object} ReceivedRequest
 * @property {string} method
 * @property {string} path
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {string} body
 */

/**
 * @typedef {object} WebhookReceiver
 * @property {string} url
 * @property {number} status What it answers; a test may change it between deliveries.
 * @property {ReceivedRequest[]} received
 * @property {(n: number, timeoutMs?: number) => Promise<void>} waitFor Resolves once `n` requests arrived.
 * @property {() => Promise<void>} close
 */

/**
 * Records every request it gets; answers `status` (default 200).
 * @param {{ status?: number }} [options]
 * @returns {Promise<WebhookReceiver>}
 */
async function startWebhookReceiver({ status = 200 } = {}) {
	/** @type {ReceivedRequest[]} */
	const received = [];
	/** @type {Array<{ n: number, resolve: () => void }>} */
	const waiters = [];
	const server = http.createServer((req, res) => {
		/** @type {Buffer[]} */
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			received.push({
				method: req.method ?? '',
				path: req.url ?? '',
				headers: req.headers,
				body: Buffer.concat(chunks).toString('utf8'),
			});
			res.writeHead(receiver.status, { 'content-type': 'text/plain' });
			res.end('ok');
			for (const w of [...waiters]) if (received.length >= w.n) w.resolve();
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	/** @type {WebhookReceiver} */
	const receiver = {
		url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
		status,
		received,
		waitFor(n, timeoutMs = 5000) {
			if (received.length >= n) return Promise.resolve();
			return /** @type {Promise<void>} */ (
				new Promise((resolve, reject) => {
					const timer = setTimeout(
						() =>
							reject(
								new Error(
									`webhook receiver: ${received.length} of ${n} requests after ${timeoutMs} ms`,
								),
							),
						timeoutMs,
					);
					waiters.push({
						n,
						resolve: () => {
							clearTimeout(timer);
							resolve(undefined);
						},
					});
				})
			);
		},
		close: () =>
			/** @type {Promise<void>} */ (
				new Promise((resolve) => {
					server.closeAllConnections();
					server.close(() => resolve(undefined));
				})
			),
	};
	return receiver;
}

module.exports = { standInApi, startWebhookReceiver };
