'use strict';
// A loopback HTTP endpoint for trigger tests: what n8n's webhook server does before it calls a
// node's webhook(): read the body, keep the raw bytes as `rawBody`, parse JSON into `body`, and
// hand express-like `req` / `res` (here Node's own objects) to the handler. Hand-written, not
// n8n's server: the handler (the test) builds n8n-core's real WebhookContext around them.
// Plain JavaScript for the same reason as standin.js (Node built-ins).
const http = require('node:http');

async function startWebhookEndpoint(handle) {
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const rawBody = Buffer.concat(chunks);
			const url = new URL(req.url, 'http://127.0.0.1');
			req.rawBody = rawBody;
			req.query = Object.fromEntries(url.searchParams);
			req.params = {};
			const end = res.end.bind(res);
			res.end = (chunk, ...rest) => {
				if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) res.sentBody = String(chunk);
				return end(chunk, ...rest);
			};
			try {
				req.body = rawBody.length && /json/.test(req.headers['content-type'] ?? '') ? JSON.parse(rawBody.toString('utf8')) : {};
			} catch {
				res.writeHead(400, { 'content-type': 'application/json' });
				res.end('{"message":"invalid JSON"}');
				return;
			}
			Promise.resolve()
				.then(() => handle(req, res, url.pathname))
				.then(
					() => {
						if (!res.writableEnded) {
							res.writeHead(500, { 'content-type': 'application/json' });
							res.end('{"message":"the handler sent no answer"}');
						}
					},
					(error) => {
						if (!res.writableEnded) {
							res.writeHead(500, { 'content-type': 'application/json' });
							res.end(JSON.stringify({ message: String(error && error.message) }));
						}
					},
				);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/** Resolves after the current I/O turn: where n8n awaits its database. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

module.exports = { startWebhookEndpoint, nextTurn };
