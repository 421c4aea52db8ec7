// A loopback HTTP proxy between n8n and the AAC stand-in that can misbehave on purpose. This is
// the one hand-written part of the fault matrix: it makes the faults a real OAuth server cannot
// (resets, stalls, truncated or incomplete answers, error pages, rate limits); everything else is
// answered by the real oidc-provider behind it.
//
// Faults are planned per refresh token, so cases can run at the same time: `plan(rt, steps)` sets
// what the proxy does with the requests presenting `rt`, one step per request (the last step
// repeats). Requests for other paths (the API) pass through, unless `holdPath` matches.
//
// Steps, and whether the stand-in ever sees the request ("forwarded"):
//   pass               forwarded, answer relayed
//   slow:<ms>          forwarded, answer relayed after <ms>
//   reset              not forwarded; TCP reset as soon as the request arrived
//   resetMidBody       forwarded (AAC rotates), headers and half the body relayed, then TCP reset
//   forwardThen:<code> forwarded (AAC rotates), AAC's answer dropped; the client gets <code> with
//                      an HTML error page, as a gateway that timed out or failed on the way back
//   stall:<ms>         not forwarded; no answer, socket closed after <ms>
//   status:<code>[:<retryAfter>]   not forwarded; JSON error answer (Retry-After when given)
//   htmlPage           not forwarded; 403 text/html, as a firewall's block page
//   truncatedJson      not forwarded; 200 application/json cut in the middle
//   noRefreshToken     not forwarded; 200 JSON with an access token and no refresh_token
//   noAccessToken      not forwarded; 200 JSON with a refresh token and no access_token
//   hold               not forwarded; kept open until release() (crash tests kill n8n meanwhile)
//   holdAnswer         forwarded (AAC rotates); the answer is kept until release()
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';

const readBody = (req) =>
	new Promise((resolve, reject) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});

/** A made-up token for the proxy's own answers: recorded, so the secrets check looks for it too. */
const madeUp = (label) => `proxy-made-${label}-${randomBytes(18).toString('base64url')}`;

export async function startFaultProxy({ upstream, port = 0 }) {
	const upstreamUrl = new URL(upstream);
	/** refresh token -> remaining steps */
	const plans = new Map();
	/** Every token request: { case, step, forwarded, upstreamStatus, receivedAt, answeredAt } */
	const events = [];
	const madeUpTokens = [];
	const held = new Set();
	const emitter = new EventEmitter();
	let holdPath;
	const cases = new Map(); // refresh token -> case label

	function nextStep(refreshToken) {
		const steps = plans.get(refreshToken);
		if (!steps || steps.length === 0) return 'pass';
		return steps.length > 1 ? steps.shift() : steps[0];
	}

	/** Sends the request on to the stand-in and resolves with its full answer. */
	function forward(req, body) {
		return new Promise((resolve, reject) => {
			const out = http.request(
				{
					host: upstreamUrl.hostname,
					port: upstreamUrl.port,
					method: req.method,
					path: req.url,
					headers: { ...req.headers, host: upstreamUrl.host },
				},
				async (answer) => resolve({ status: answer.statusCode, headers: answer.headers, body: await readBody(answer) }),
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

	function json(res, status, value, extraHeaders = {}) {
		const body = Buffer.from(JSON.stringify(value));
		res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length), connection: 'close', ...extraHeaders });
		res.end(body);
	}

	/** Waits for release() (or the client going away), then drops the connection. */
	function holdUntilReleased(req, res, event) {
		return new Promise((resolve) => {
			const entry = { release: resolve };
			held.add(entry);
			req.socket.once('close', () => {
				event.clientGone = Date.now();
				resolve();
			});
			emitter.emit('held', event);
		}).finally(() => {
			if (!res.writableEnded) req.socket.destroy();
		});
	}

	async function handleToken(req, res, body) {
		const refreshToken = new URLSearchParams(body.toString('utf8')).get('refresh_token') ?? '';
		const step = nextStep(refreshToken);
		const event = { case: cases.get(refreshToken) ?? 'unplanned', step, forwarded: false, receivedAt: Date.now() };
		events.push(event);
		const [kind, arg, extra] = step.split(':');
		switch (kind) {
			case 'pass':
			case 'slow': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				if (kind === 'slow') await new Promise((resolve) => setTimeout(resolve, Number(arg)));
				// Taken before sending: n8n cannot have the answer earlier. (A 'finish' listener fires
				// only when this busy event loop gets to it, sometimes after n8n has already saved.)
				event.answeredAt = Date.now();
				relay(res, answer);
				return;
			}
			case 'reset':
				req.socket.resetAndDestroy();
				return;
			case 'resetMidBody': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(answer.body.length) });
				res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => setTimeout(() => req.socket.resetAndDestroy(), 50));
				return;
			}
			case 'forwardThen': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				const status = Number(arg);
				const title = `${status} ${{ 500: 'Internal Server Error', 502: 'Bad Gateway', 504: 'Gateway Time-out' }[status] ?? 'Error'}`;
				const page = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
				res.writeHead(status, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(page)), connection: 'close' });
				res.end(page);
				return;
			}
			case 'stall':
				await new Promise((resolve) => {
					const timer = setTimeout(resolve, Number(arg));
					req.socket.once('close', () => {
						event.clientGone = Date.now();
						clearTimeout(timer);
						resolve();
					});
				});
				req.socket.destroy();
				return;
			case 'status':
				json(res, Number(arg), { error: Number(arg) === 429 ? 'rate_limited' : 'server_error' }, extra ? { 'retry-after': extra } : {});
				return;
			case 'htmlPage': {
				const page = '<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Request blocked</h1></body></html>';
				res.writeHead(403, { 'content-type': 'text/html', 'content-length': String(page.length), connection: 'close' });
				res.end(page);
				return;
			}
			case 'truncatedJson': {
				const token = madeUp('access');
				madeUpTokens.push(token);
				const full = JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300, refresh_token: madeUp('refresh') });
				const cut = full.slice(0, Math.floor(full.length / 2));
				res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(cut.length), connection: 'close' });
				res.end(cut);
				return;
			}
			case 'noRefreshToken': {
				const token = madeUp('access');
				madeUpTokens.push(token);
				json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
				return;
			}
			case 'noAccessToken': {
				const token = madeUp('refresh');
				madeUpTokens.push(token);
				json(res, 200, { refresh_token: token, token_type: 'Bearer', expires_in: 300 });
				return;
			}
			case 'hold':
				await holdUntilReleased(req, res, event);
				return;
			case 'holdAnswer': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				event.rotatedAt = Date.now();
				await holdUntilReleased(req, res, event);
				return;
			}
			default:
				throw new Error(`unknown fault step ${step}`);
		}
	}

	const server = http.createServer(async (req, res) => {
		try {
			const body = await readBody(req);
			const { pathname } = new URL(req.url, 'http://proxy.invalid');
			if (req.method === 'POST' && pathname.endsWith('/token')) return await handleToken(req, res, body);
			if (holdPath && pathname === holdPath) {
				const event = { case: 'hold path', step: 'hold', forwarded: false, receivedAt: Date.now() };
				return await holdUntilReleased(req, res, event);
			}
			relay(res, await forward(req, body));
		} catch (error) {
			if (!res.headersSent) json(res, 599, { error: 'proxy_failure', message: String(error?.message ?? error) });
			else res.destroy();
		}
	});
	await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
	const origin = `http://127.0.0.1:${server.address().port}`;

	return {
		origin,
		/** Our credential's issuer: the stand-in's mount path, on the proxy. */
		issuer: `${origin}${new URL(upstream).pathname.replace(/\/$/, '')}`,
		/** Plans the steps for requests presenting `refreshToken`, labelled `label` in the events. */
		plan(refreshToken, steps, label) {
			plans.set(refreshToken, [...steps]);
			cases.set(refreshToken, label);
		},
		/** GET/POST requests to this path are held like `hold` (crash after the save). */
		holdRequestsTo(path) {
			holdPath = path;
		},
		events,
		eventsOf: (label) => events.filter((event) => event.case === label),
		madeUpTokens,
		/** Resolves with the next held request's event. */
		nextHeld: () => new Promise((resolve) => emitter.once('held', resolve)),
		/** Lets every held request go (their connections are dropped). */
		releaseAll() {
			for (const entry of held) entry.release();
			held.clear();
		},
		async close() {
			this.releaseAll();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
