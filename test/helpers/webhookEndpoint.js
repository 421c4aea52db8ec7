'use strict';
// A loopback HTTP endpoint for trigger tests: what n8n's webhook server does before it calls a
// node's webhook(): read the body, keep the raw bytes as `rawBody`, parse JSON into `body`, and
// hand express-like `req` / `res` (here Node's own objects) to the handler. Hand-written, not
// n8n's server: the handler (the test) builds n8n-core's real WebhookContext around them.
// Plain JavaScript for the same reason as standin.js (Node built-ins).
const http = require('node:http');

/**
 * Node's IncomingMessage with what n8n's webhook server adds before webhook() runs.
 * @typedef {import('node:http').IncomingMessage & {
 *   rawBody: Buffer, body: unknown, query: Record<string, string>, params: Record<string, string>,
 * }} EndpointRequest
 */
/**
 * Node's ServerResponse, plus what was passed to end() once it was called.
 * @typedef {import('node:http').ServerResponse & { sentBody?: string }} EndpointResponse
 */
/** @typedef {{ url: string, close(): Promise<void> }} WebhookEndpoint */

/**
 * @param {(req: EndpointRequest, res: EndpointResponse, pathname: string) => Promise<void> | void} handle
 * @returns {Promise<WebhookEndpoint>}
 */
async function startWebhookEndpoint(handle) {
	const server = http.createServer((incoming, response) => {
		const req = /** @type {EndpointRequest} */ (incoming);
		const res = /** @type {EndpointResponse} */ (response);
		/** @type {Buffer[]} */
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const rawBody = Buffer.concat(chunks);
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			req.rawBody = rawBody;
			req.query = Object.fromEntries(url.searchParams);
			req.params = {};
			const end = /** @type {(...args: unknown[]) => EndpointResponse} */ (res.end.bind(res));
			res.end = /** @type {EndpointResponse['end']} */ (
				(/** @type {unknown} */ chunk, /** @type {unknown[]} */ ...rest) => {
					if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) res.sentBody = String(chunk);
					return end(chunk, ...rest);
				}
			);
			try {
				req.body =
					rawBody.length && /json/.test(req.headers['content-type'] ?? '')
						? JSON.parse(rawBody.toString('utf8'))
						: {};
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
					(/** @type {unknown} */ error) => {
						if (!res.writableEnded) {
							res.writeHead(500, { 'content-type': 'application/json' });
							res.end(
								JSON.stringify({ message: String(error instanceof Error ? error.message : error) }),
							);
						}
					},
				);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	const address = /** @type {import('node:net').AddressInfo} */ (server.address());
	return {
		url: `http://127.0.0.1:${address.port}`,
		close: () =>
			new Promise((/** @type {(value?: void) => void} */ resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * Resolves after the current I/O turn: where n8n awaits its database.
 * @returns {Promise<void>}
 */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

module.exports = { startWebhookEndpoint, nextTurn };
