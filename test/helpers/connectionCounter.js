'use strict';
// A loopback TCP server that counts connections, whatever arrives on them (HTTP, a TLS
// ClientHello, nothing at all). It answers any bytes with a plain HTTP 200, so a client that did
// get through would succeed and the test would see it.
// Plain JavaScript because it needs node:net, which n8n's community-package lint forbids in
// TypeScript files; this package's tests are linted too. Typed by JSDoc, checked by checkJs
// (test/tsconfig.json).
const net = require('node:net');

/**
 * @typedef {object} ConnectionCounter
 * @property {number} port The port on 127.0.0.1.
 * @property {() => number} connections Connections accepted so far, whatever was sent on them.
 * @property {() => Promise<void>} close
 */

/** @returns {Promise<ConnectionCounter>} */
async function startConnectionCounter() {
	let connections = 0;
	/** @type {Set<import('node:net').Socket>} */
	const sockets = new Set();
	const server = net.createServer((socket) => {
		connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.once('data', () => {
			socket.end(
				'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}',
			);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
	return {
		port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
		connections: () => connections,
		close: () =>
			new Promise((/** @type {(value?: void) => void} */ resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

module.exports = { startConnectionCounter };
