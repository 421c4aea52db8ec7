'use strict';
// A local HTTP API for tests that lets the test see every request and pick its status. Plain
// JavaScript because it needs node:http, which n8n's community-package lint forbids in TypeScript
// files; this package's tests are linted too. Typed by JSDoc, checked by checkJs (test/tsconfig.json).
const http = require('node:http');

/**
 * @typedef {object} ReceivedRequest
 * @property {string | undefined} method
 * @property {string | undefined} url
 * @property {Record<string, string | string[] | undefined>} headers Node's IncomingHttpHeaders: lower-cased names.
 */

/**
 * @typedef {object} RecordingServer
 * @property {string} baseUrl `http://127.0.0.1:<port>`, no trailing slash.
 * @property {() => Promise<void>} close
 */

/**
 * Listens on 127.0.0.1 (random port). For every request, calls `onRequest({ method, url,
 * headers })`; its return value is the response status (200 if it returns nothing). The body is
 * always JSON `{ "path": <request url> }`.
 * @param {(request: ReceivedRequest) => number | void} onRequest
 * @returns {Promise<RecordingServer>}
 */
async function startRecordingServer(onRequest) {
	const server = http.createServer((req, res) => {
		const status = onRequest({ method: req.method, url: req.url, headers: req.headers });
		if (status !== undefined) res.statusCode = status;
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ path: req.url }));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	return {
		baseUrl: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
		close: () =>
			/** @type {Promise<void>} */ (
				new Promise((resolve) => server.close(() => resolve(undefined)))
			),
	};
}

module.exports = { startRecordingServer };
