'use strict';
// What the fault proxy (faultProxy.js) sends: the stand-in's answer relayed, its own answers (JSON,
// a gateway's HTML page, AAC's error body, made-up tokens), a TCP reset. Typed by JSDoc, checked by
// checkJs (test/tsconfig.json).
const { randomBytes } = require('node:crypto');
const http = require('node:http');

/** @typedef {import('./faultProxyTypes').UpstreamAnswer} UpstreamAnswer */
/** @typedef {import('./faultProxyTypes').Request} Request */
/** @typedef {import('./faultProxyTypes').Response} Response */

/**
 * @param {import('node:stream').Readable} stream
 * @returns {Promise<Buffer>}
 */
const readBody = (stream) =>
	new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		stream.on('data', (chunk) => chunks.push(chunk));
		stream.on('end', () => resolve(Buffer.concat(chunks)));
		stream.on('error', reject);
	});

/** A made-up token for the proxy's own answers: recorded, so the secrets check looks for it too. */
const madeUp = (/** @type {string} */ label) =>
	`proxy-made-${label}-${randomBytes(18).toString('base64url')}`;

/** @type {Record<number, string>} */
const TITLES = {
	403: 'Forbidden',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	502: 'Bad Gateway',
	503: 'Service Temporarily Unavailable',
	504: 'Gateway Time-out',
};
const gatewayPage = (/** @type {number} */ status) => {
	const title = `${status} ${TITLES[status] ?? 'Error'}`;
	return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
};
/** @type {Record<number, string>} */
const AAC_EXCEPTION = {
	400: 'ValidationFailed',
	403: 'AccessControlException',
	404: 'DataNotFoundException',
	429: 'TooManyRequestsException',
	500: 'InternalServerError',
};

/**
 * Sends the request on to the stand-in and resolves with its full answer.
 * @param {URL} upstreamUrl
 * @param {Request} req
 * @param {Buffer} body
 * @returns {Promise<UpstreamAnswer>}
 */
function forwardTo(upstreamUrl, req, body) {
	return new Promise((resolve, reject) => {
		const out = http.request(
			{
				host: upstreamUrl.hostname,
				port: upstreamUrl.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: upstreamUrl.host, connection: 'close' },
			},
			(answer) =>
				readBody(answer).then(
					(answerBody) =>
						resolve({
							// Always set on a client's response; undefined only on a server's request.
							status: /** @type {number} */ (answer.statusCode),
							headers: answer.headers,
							body: answerBody,
						}),
					reject,
				),
		);
		out.on('error', reject);
		out.end(body);
	});
}

/**
 * @param {Response} res
 * @param {number} status
 * @param {import('node:http').OutgoingHttpHeaders} headers
 * @param {Buffer | string} body
 */
function send(res, status, headers, body) {
	const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body);
	res.writeHead(status, {
		...headers,
		'content-length': String(buffer.length),
		connection: 'close',
	});
	res.end(buffer);
}

/**
 * @param {Response} res
 * @param {UpstreamAnswer} answer
 */
function relay(res, answer) {
	const headers = { ...answer.headers };
	delete headers['transfer-encoding'];
	send(res, answer.status, headers, answer.body);
}

/** @type {(res: Response, status: number, value: unknown, extraHeaders?: Record<string, string>) => void} */
const json = (res, status, value, extraHeaders = {}) =>
	send(res, status, { 'content-type': 'application/json', ...extraHeaders }, JSON.stringify(value));
/** @type {(res: Response, status: number) => void} */
const page = (res, status) =>
	send(res, status, { 'content-type': 'text/html' }, gatewayPage(status));
/** A TCP reset where the socket offers one (Node 18.3+), else a plain close: no answer either way. */
const resetSocket = (/** @type {import('node:net').Socket} */ socket) =>
	typeof socket.resetAndDestroy === 'function' ? socket.resetAndDestroy() : socket.destroy();

module.exports = {
	AAC_EXCEPTION,
	forwardTo,
	json,
	madeUp,
	page,
	readBody,
	relay,
	resetSocket,
	send,
};
