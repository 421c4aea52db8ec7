'use strict';
// A HAND-WRITTEN forwarding proxy for jest: a gateway in front of the real oidc-provider stand-in
// (test/standin/aac-standin.mjs) that can lose the stand-in's answer on purpose. Unlike
// faultyTokenEndpoint.js (a fake server) it FORWARDS the token request first and reads the real
// answer, so AAC's stand-in really rotated (or really detected a reuse) before the client is told
// something else. Only this misbehaviour is hand-written; every token comes from oidc-provider.
// Types in forwardingProxy.d.ts.
//
// Script steps, one per token request (POST .../token), the last one repeats:
//   forward                  forwarded, the stand-in's answer passed through
//   forward-then-500|502|504 forwarded (the stand-in rotated), the client gets that status with an
//                            HTML body, as a load balancer's error page
//   forward-then-reset       forwarded (the stand-in rotated), then the client's socket is reset
//                            without a byte of the answer
//   refuse-with-503|429      NOT forwarded (not processed): that status with Retry-After: 1
// Every other request (the API) is passed through and not counted.
const http = require('node:http');

const STEPS = new Set(['forward', 'forward-then-500', 'forward-then-502', 'forward-then-504', 'forward-then-reset', 'refuse-with-503', 'refuse-with-429']);

const readBody = (stream) =>
	new Promise((resolve, reject) => {
		const chunks = [];
		stream.on('data', (chunk) => chunks.push(chunk));
		stream.on('end', () => resolve(Buffer.concat(chunks)));
		stream.on('error', reject);
	});

const gatewayPage = (status) => {
	const title = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out', 429: 'Too Many Requests' }[status];
	return `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
};

/** Starts the proxy on 127.0.0.1 in front of `upstream` (the stand-in's origin or issuer URL). */
async function startForwardingProxy({ upstream }) {
	const upstreamUrl = new URL(upstream);
	const sockets = new Set();
	let script = ['forward'];
	/** Every token request: { step, forwarded, upstreamStatus } */
	const requests = [];

	function forward(req, body) {
		return new Promise((resolve, reject) => {
			const out = http.request(
				{
					host: upstreamUrl.hostname,
					port: upstreamUrl.port,
					method: req.method,
					path: req.url,
					headers: { ...req.headers, host: upstreamUrl.host, connection: 'close' },
				},
				(answer) => readBody(answer).then((answerBody) => resolve({ status: answer.statusCode, headers: answer.headers, body: answerBody }), reject),
			);
			out.on('error', reject);
			out.end(body);
		});
	}

	function relay(res, answer) {
		const headers = { ...answer.headers };
		delete headers['transfer-encoding'];
		headers['content-length'] = String(answer.body.length);
		headers.connection = 'close';
		res.writeHead(answer.status, headers);
		res.end(answer.body);
	}

	function page(res, status, extraHeaders = {}) {
		const body = Buffer.from(gatewayPage(status));
		res.writeHead(status, { 'content-type': 'text/html', 'content-length': String(body.length), connection: 'close', ...extraHeaders });
		res.end(body);
	}

	async function handleToken(req, res, body) {
		const step = script.length > 1 ? script.shift() : script[0];
		const entry = { step, forwarded: false, upstreamStatus: undefined };
		requests.push(entry);
		if (step.startsWith('refuse-with-')) return page(res, Number(step.slice('refuse-with-'.length)), { 'retry-after': '1' });

		entry.forwarded = true;
		const answer = await forward(req, body);
		entry.upstreamStatus = answer.status;
		if (step === 'forward') return relay(res, answer);
		if (step === 'forward-then-reset') {
			// A TCP reset where the socket offers one (Node 18.3+), else a plain close: no answer either way.
			if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
			else req.socket.destroy();
			return undefined;
		}
		return page(res, Number(step.slice('forward-then-'.length)));
	}

	const server = http.createServer(async (req, res) => {
		try {
			const body = await readBody(req);
			const { pathname } = new URL(req.url, 'http://proxy.invalid');
			if (req.method === 'POST' && pathname.endsWith('/token')) return await handleToken(req, res, body);
			relay(res, await forward(req, body));
		} catch (error) {
			// The stand-in itself failed: a 599 that no test expects, so it shows.
			if (!res.headersSent) {
				res.writeHead(599, { 'content-type': 'text/plain', connection: 'close' });
				res.end(`forwarding proxy: ${error && error.code ? error.code : 'upstream failure'}`);
			} else res.destroy();
		}
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const origin = `http://127.0.0.1:${server.address().port}`;

	return {
		origin,
		/** The issuer to type into the credential: the upstream's issuer path, on the proxy. */
		issuer: `${origin}${upstreamUrl.pathname.replace(/\/$/, '')}`,
		requests,
		/** Token requests the proxy passed on to the stand-in. */
		get forwarded() {
			return requests.filter((entry) => entry.forwarded).length;
		},
		/** Sets the steps for the next token requests (the last one repeats) and clears the log. */
		setScript(steps) {
			if (!Array.isArray(steps) || steps.length === 0) throw new TypeError('setScript needs at least one step');
			for (const step of steps) if (!STEPS.has(step)) throw new TypeError(`unknown forwarding-proxy step ${step}`);
			script = [...steps];
			requests.length = 0;
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}

module.exports = { startForwardingProxy };
