'use strict';
// A loopback TCP server that counts connections, whatever arrives on them (HTTP, a TLS
// ClientHello, nothing at all); types in connectionCounter.d.ts. It answers any bytes with a
// plain HTTP 200, so a client that did get through would succeed and the test would see it.
// Plain JavaScript because it needs node:net, which n8n's community-package lint forbids in
// TypeScript files; this package's tests are linted too.
const net = require('node:net');

async function startConnectionCounter() {
	let connections = 0;
	const sockets = new Set();
	const server = net.createServer((socket) => {
		connections++;
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		socket.once('data', () => {
			socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: server.address().port,
		connections: () => connections,
		close: () =>
			new Promise((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
}

module.exports = { startConnectionCounter };
