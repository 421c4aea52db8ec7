// Small HTTP helpers shared by the stand-in's OAuth server and its v4 API.
import * as crypto from 'node:crypto';

export async function readBody(req, { limit = 256 * 1024 } = {}) {
	const chunks = [];
	let size = 0;
	for await (const chunk of req) {
		size += chunk.length;
		if (size > limit) throw new Error('body too large');
		chunks.push(chunk);
	}
	return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(req) {
	const text = await readBody(req);
	return text ? JSON.parse(text) : {};
}

export function sendJson(res, status, body, headers = {}) {
	res.writeHead(status, {
		'content-type': 'application/json',
		'cache-control': 'no-store',
		...headers,
	});
	res.end(JSON.stringify(body));
}

export const requestId = () => crypto.randomUUID();
