'use strict';
// Jest-side controls of the AAC stand-in's v4 API (standin/api.mjs, our hand-written fake of AAC's
// API) over its /__admin/api routes, and a loopback receiver for its webhook deliveries.
// Types in standinApi.d.ts. Plain JavaScript for the same reason as standin.js (Node built-ins).
const http = require('node:http');

function standInApi(standIn) {
	const base = `${standIn.adminUrl}/api`;
	async function call(method, route, body) {
		const res = await fetch(`${base}/${route}`, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = await res.json();
		if (!res.ok) throw new Error(`stand-in admin api/${route} failed: ${res.status} ${JSON.stringify(json)}`);
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
		repeatWebhookDelivery: async (index) => (await call('POST', 'webhook-deliveries/repeat', index === undefined ? {} : { index })).delivery,
		webhookTasks: async () => (await call('GET', 'webhook-tasks')).tasks,
		reset: (seed) => call('POST', 'reset', seed === undefined ? {} : { seed }),
	};
}

// Records every request it gets; answers `status` (default 200).
async function startWebhookReceiver({ status = 200 } = {}) {
	const received = [];
	const waiters = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			received.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
			res.writeHead(receiver.status, { 'content-type': 'text/plain' });
			res.end('ok');
			for (const w of [...waiters]) if (received.length >= w.n) w.resolve();
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const receiver = {
		url: `http://127.0.0.1:${server.address().port}`,
		status,
		received,
		waitFor(n, timeoutMs = 5000) {
			if (received.length >= n) return Promise.resolve();
			return new Promise((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`webhook receiver: ${received.length} of ${n} requests after ${timeoutMs} ms`)), timeoutMs);
				waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
			});
		},
		close: () => new Promise((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
	return receiver;
}

module.exports = { standInApi, startWebhookReceiver };
