// A loopback pass-through in front of the AAC stand-in (hand-written, test-only): it forwards every
// request unchanged and notes which access token each one carried, so the queue test can show
// that a 2-minute wait polled with the keeper's successive tokens. The stand-in counts
// requests but not which token came with which; this is the only thing the recorder adds.
//
// A token is noted as a SHA-256 prefix and its `iat` claim, never as the token: the notes may end
// up in RESULTS.md or an assertion message.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';

/** { token: sha256 prefix, issuedAt: iat (s) } of a `Bearer <JWT>` header, or {} without one. */
function bearerIdentity(authorization) {
	const match = /^Bearer (([\w-]+)\.([\w-]+)\.[\w-]+)$/.exec(authorization ?? '');
	if (!match) return {};
	let issuedAt;
	try {
		issuedAt = JSON.parse(Buffer.from(match[3], 'base64url').toString('utf8')).iat;
	} catch {
		issuedAt = undefined;
	}
	return { token: createHash('sha256').update(match[1]).digest('hex').slice(0, 12), issuedAt };
}

/**
 * Starts the recorder on a free 127.0.0.1 port. `requests` grows by one
 * { method, path, query (as sent), at (ms), status, token, issuedAt } per answered request.
 */
export async function startApiRecorder({ upstream }) {
	const target = new URL(upstream);
	const requests = [];
	const server = http.createServer((req, res) => {
		const [path, query = ''] = req.url.split('?');
		const entry = {
			method: req.method,
			path,
			query,
			at: Date.now(),
			...bearerIdentity(req.headers.authorization),
		};
		const out = http.request(
			{
				host: target.hostname,
				port: target.port,
				method: req.method,
				path: req.url,
				headers: { ...req.headers, host: target.host },
			},
			(answer) => {
				entry.status = answer.statusCode;
				requests.push(entry);
				res.writeHead(answer.statusCode, answer.headers);
				answer.pipe(res);
			},
		);
		out.on('error', () => {
			entry.status = 'upstream error';
			requests.push(entry);
			res.destroy();
		});
		req.pipe(out);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		requests,
		async close() {
			const closed = once(server, 'close');
			server.close();
			server.closeAllConnections();
			await closed;
		},
	};
}
