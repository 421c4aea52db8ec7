'use strict';
// A local HTTP API for tests that lets the test see every request and pick its status; types in
// recordingServer.d.ts. Plain JavaScript because it needs node:http, which n8n's
// community-package lint forbids in TypeScript files; this package's tests are linted too.
const http = require('node:http');

/**
 * Listens on 127.0.0.1 (random port). For every request, calls `onRequest({ method, url,
 * headers })`; its return value is the response status (200 if it returns nothing). The body is
 * always JSON `{ "path": <request url> }`.
 */
async function startRecordingServer(onRequest) {
	const server = http.createServer((req, res) => {
		const status = onRequest({ method: req.method, url: req.url, headers: req.headers });
		if (status !== undefined) res.statusCode = status;
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ path: req.url }));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		baseUrl: `http://127.0.0.1:${server.address().port}`,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

module.exports = { startRecordingServer };
