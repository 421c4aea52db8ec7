'use strict';
// THE FAULT PROXY: a HAND-WRITTEN loopback HTTP proxy between a client (n8n, the core) and the
// AAC stand-in (standin/), which misbehaves on purpose. It is the one hand-written part of the
// fault tests (jest: test/credential.ambiguousFailures.test.ts; e2e: e2e/faults/*.e2e.mjs):
// it makes the faults a real server cannot (resets, stalls, truncated or
// incomplete answers, error pages, lost answers, refused connections); everything else is answered
// by the stand-in behind it (real oidc-provider for tokens, our v4 API fake for the API).
// Typed by JSDoc, checked by checkJs (test/tsconfig.json).
//
// Token requests (POST .../token) are planned per refresh token, so cases can run at the same
// time: `plan(rt, steps, label)`; `setScript(steps)` plans every refresh token not planned so
// (and clears the log). API requests are planned per access token (the bearer they carry):
// `planApi(at, steps, label, { method, path })`; requests of that token the match leaves out,
// and unplanned requests, pass. One step per request; the last step repeats.
//
// Steps (one name per fault, the same in the fake token endpoint and the e2e table), and whether
// the stand-in ever sees the request ("forwarded"):
//   pass                forwarded, answer relayed
//   slow:<ms>           forwarded, answer relayed after <ms>
//   reset               not forwarded; TCP reset as soon as the request arrived
//   resetMidBody        forwarded, headers and half the body relayed, then TCP reset
//   forwardThen:<code>  forwarded (AAC rotated / started the run), its answer dropped; the client
//                       gets <code> with an HTML page, as a gateway that failed on the way back
//   forwardThenReset    forwarded, its answer dropped; TCP reset without a byte of it
//   stall:<ms>          not forwarded; no answer, socket closed after <ms>
//   status:<code>[:<s>] not forwarded; an error answer (token: OAuth JSON with Retry-After: <s>;
//                       API: AAC's error body with x-retry-after: <s>)
//   htmlPage[:<code>]   not forwarded; <code> (default 403) text/html: a firewall's block page,
//                       or with 200 a sign-in page passed off as success
//   truncatedJson       token: not forwarded, 200 JSON with made-up tokens cut in the middle;
//                       API: forwarded, AAC's 200 answer cut in the middle
//   noRefreshToken      token only; not forwarded; 200 JSON with an access token, no refresh_token
//   noAccessToken       token only; not forwarded; 200 JSON with a refresh token, no access_token
//   unauthorized        API only; not forwarded; 401 invalid_token (an access token AAC revoked)
//   hold                not forwarded; kept open until releaseAll() (crash tests kill n8n meanwhile)
//   holdAnswer          forwarded; the answer is kept until releaseAll()
// Unplanned API requests take `setApiScript(steps)` (default pass). `apiInFlight.peak` is the most
// API requests the proxy held at once (received, not yet answered); `apiInFlight.reset()` starts
// a new count.
// Besides steps: refuseConnections(ms) (or a request to /__refuse-connections?ms=N) stops
// listening for that long, so connections are refused: a request that surely never left.
const { EventEmitter } = require('node:events');
const http = require('node:http');
const {
	AAC_EXCEPTION,
	forwardTo,
	json,
	madeUp,
	page,
	readBody,
	relay,
	resetSocket,
	send,
} = require('./faultProxyAnswers');

// Types: faultProxyTypes.js; these are the ones users of this module name.
/** @typedef {import('./faultProxyTypes').FaultStep} FaultStep */
/** @typedef {import('./faultProxyTypes').TokenRequestEvent} TokenRequestEvent */
/** @typedef {import('./faultProxyTypes').ApiRequestEvent} ApiRequestEvent */
/** @typedef {import('./faultProxyTypes').ApiMatch} ApiMatch */
/** @typedef {import('./faultProxyTypes').Refusal} Refusal */
/** @typedef {import('./faultProxyTypes').FaultProxy} FaultProxy */
/** @typedef {import('./faultProxyTypes').UpstreamAnswer} UpstreamAnswer */
/** @typedef {import('./faultProxyTypes').Request} Request */
/** @typedef {import('./faultProxyTypes').Response} Response */

/**
 * Starts the proxy on 127.0.0.1 (`port`, default any free one) in front of `upstream` (the stand-in's issuer or origin).
 * @param {{ upstream: string, port?: number }} options
 * @returns {Promise<FaultProxy>}
 */
async function startFaultProxy({ upstream, port = 0 }) {
	const upstreamUrl = new URL(upstream);
	/** refresh token -> remaining steps @type {Map<string, FaultStep[]>} */
	const plans = new Map();
	/** access token -> remaining steps and the requests they apply to @type {Map<string, { steps: FaultStep[], match: ApiMatch }>} */
	const apiPlans = new Map();
	/** token -> case label @type {Map<string, string>} */
	const cases = new Map();
	/** @type {FaultStep[]} */
	let defaultSteps = ['pass'];
	/** Every token request. @type {TokenRequestEvent[]} */
	const events = [];
	/** Every API request. @type {ApiRequestEvent[]} */
	const apiEvents = [];
	/** @type {string[]} */
	const madeUpTokens = [];
	/** @type {Set<{ release: () => void }>} */
	const held = new Set();
	const emitter = new EventEmitter();
	/** @type {Set<import('node:net').Socket>} */
	const sockets = new Set();
	/** @type {Refusal[]} */
	const refusals = [];
	/** @type {string | undefined} */
	let holdPath;
	/** Steps for API requests that no planApi matches. @type {FaultStep[]} */
	let defaultApiSteps = ['pass'];
	const apiInFlight = { now: 0, peak: 0, reset: () => (apiInFlight.peak = apiInFlight.now) };

	/** The next step; the last one repeats. @type {(steps: FaultStep[]) => FaultStep} */
	const take = (steps) => (steps.length > 1 ? /** @type {FaultStep} */ (steps.shift()) : steps[0]);

	/** Sends the request on to the stand-in and resolves with its full answer. @type {(req: Request, body: Buffer) => Promise<UpstreamAnswer>} */
	const forward = (req, body) => forwardTo(upstreamUrl, req, body);

	/**
	 * Waits for releaseAll() (or the client going away), then drops the connection.
	 * @param {Request} req
	 * @param {Response} res
	 * @param {TokenRequestEvent} event
	 * @returns {Promise<void>}
	 */
	function holdUntilReleased(req, res, event) {
		return new Promise((resolve) => {
			held.add({ release: () => resolve(undefined) });
			req.socket.once('close', () => {
				event.clientGone = Date.now();
				resolve(undefined);
			});
			emitter.emit('held', event);
		}).finally(() => {
			if (!res.writableEnded) req.socket.destroy();
		});
	}

	/**
	 * The steps every kind of request shares; false when `kind` is not one of them.
	 * @param {Request} req
	 * @param {Response} res
	 * @param {Buffer} body
	 * @param {TokenRequestEvent} event
	 * @param {string} kind
	 * @param {string | undefined} arg
	 * @returns {Promise<boolean>}
	 */
	async function commonStep(req, res, body, event, kind, arg) {
		switch (kind) {
			case 'pass':
			case 'slow': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				if (kind === 'slow') await new Promise((resolve) => setTimeout(resolve, Number(arg)));
				// Taken before sending: the client cannot have the answer earlier. (A 'finish' listener
				// fires only when this busy event loop gets to it, sometimes after n8n has already saved.)
				event.answeredAt = Date.now();
				relay(res, answer);
				return true;
			}
			case 'reset':
				resetSocket(req.socket);
				return true;
			case 'resetMidBody': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				res.writeHead(answer.status, {
					'content-type': 'application/json',
					'content-length': String(answer.body.length),
				});
				res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () =>
					setTimeout(() => resetSocket(req.socket), 50),
				);
				return true;
			}
			case 'forwardThen':
			case 'forwardThenReset': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				if (kind === 'forwardThenReset') resetSocket(req.socket);
				else page(res, Number(arg));
				return true;
			}
			case 'stall':
				await new Promise((resolve) => {
					const timer = setTimeout(resolve, Number(arg));
					req.socket.once('close', () => {
						event.clientGone = Date.now();
						clearTimeout(timer);
						resolve(undefined);
					});
				});
				req.socket.destroy();
				return true;
			case 'htmlPage': {
				const status = arg ? Number(arg) : 403;
				const html =
					status === 200
						? '<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>Sign in to continue</form></body></html>'
						: '<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Request blocked</h1></body></html>';
				send(res, status, { 'content-type': 'text/html' }, html);
				return true;
			}
			case 'hold':
				await holdUntilReleased(req, res, event);
				return true;
			case 'holdAnswer': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				event.rotatedAt = Date.now();
				await holdUntilReleased(req, res, event);
				return true;
			}
			default:
				return false;
		}
	}

	/**
	 * @param {Request} req
	 * @param {Response} res
	 * @param {Buffer} body
	 * @returns {Promise<void>}
	 */
	async function handleToken(req, res, body) {
		const refreshToken = new URLSearchParams(body.toString('utf8')).get('refresh_token') ?? '';
		const steps = plans.get(refreshToken) ?? defaultSteps;
		const step = steps.length ? take(steps) : 'pass';
		/** @type {TokenRequestEvent} */
		const event = {
			case: cases.get(refreshToken) ?? 'unplanned',
			step,
			forwarded: false,
			receivedAt: Date.now(),
		};
		events.push(event);
		const [kind, arg, extra] = step.split(':');
		if (await commonStep(req, res, body, event, kind, arg)) return;
		switch (kind) {
			case 'status':
				return json(
					res,
					Number(arg),
					{ error: Number(arg) === 429 ? 'rate_limited' : 'server_error' },
					extra ? { 'retry-after': extra } : {},
				);
			case 'truncatedJson': {
				const token = madeUp('access');
				madeUpTokens.push(token);
				const full = JSON.stringify({
					access_token: token,
					token_type: 'Bearer',
					expires_in: 300,
					refresh_token: madeUp('refresh'),
				});
				return send(
					res,
					200,
					{ 'content-type': 'application/json' },
					full.slice(0, Math.floor(full.length / 2)),
				);
			}
			case 'noRefreshToken': {
				const token = madeUp('access');
				madeUpTokens.push(token);
				return json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 300 });
			}
			case 'noAccessToken': {
				const token = madeUp('refresh');
				madeUpTokens.push(token);
				return json(res, 200, { refresh_token: token, token_type: 'Bearer', expires_in: 300 });
			}
			default:
				throw new Error(`unknown token fault step ${step}`);
		}
	}

	/**
	 * @param {Request} req
	 * @param {Response} res
	 * @param {Buffer} body
	 * @param {string} pathname
	 * @returns {Promise<void>}
	 */
	async function handleApi(req, res, body, pathname) {
		const accessToken = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
		const planned = apiPlans.get(accessToken);
		const matches =
			planned &&
			(!planned.match.method || planned.match.method === req.method) &&
			(!planned.match.path || planned.match.path.test(pathname));
		const step = take(matches ? planned.steps : defaultApiSteps);
		// Node joins a repeated custom header into one string.
		const executionId = /** @type {string | undefined} */ (req.headers['x-execution-id']);
		/** @type {ApiRequestEvent} */
		const event = {
			case: cases.get(accessToken) ?? 'unplanned',
			method: req.method ?? '',
			path: pathname,
			step,
			forwarded: false,
			receivedAt: Date.now(),
			executionId,
		};
		apiEvents.push(event);
		emitter.emit('api', event);
		apiInFlight.now++;
		apiInFlight.peak = Math.max(apiInFlight.peak, apiInFlight.now);
		try {
			await answerApi(req, res, body, event, step);
		} finally {
			apiInFlight.now--;
		}
	}

	/**
	 * Answers one API request as its step says (split from handleApi so the in-flight count
	 * covers every way out).
	 * @param {Request} req
	 * @param {Response} res
	 * @param {Buffer} body
	 * @param {ApiRequestEvent} event
	 * @param {FaultStep} step
	 * @returns {Promise<void>}
	 */
	async function answerApi(req, res, body, event, step) {
		const [kind, arg, extra] = step.split(':');
		if (await commonStep(req, res, body, event, kind, arg)) return;
		switch (kind) {
			case 'status': {
				const status = Number(arg);
				/** @type {Record<string, string>} */
				const headers = extra ? { 'x-retry-after': extra } : {};
				// AAC's error body where AAC answers itself; a gateway's plain message for 502-504.
				if (AAC_EXCEPTION[status])
					return json(
						res,
						status,
						{
							exception: {
								name: AAC_EXCEPTION[status],
								message: `Fault proxy: ${status}`,
								details: '',
							},
						},
						headers,
					);
				return json(res, status, { message: `Fault proxy: ${status}` }, headers);
			}
			case 'truncatedJson': {
				event.forwarded = true;
				const answer = await forward(req, body);
				event.upstreamStatus = answer.status;
				return send(
					res,
					200,
					{ 'content-type': 'application/json' },
					answer.body.subarray(0, Math.floor(answer.body.length / 2)),
				);
			}
			case 'unauthorized':
				return json(
					res,
					401,
					{ error: 'invalid_token' },
					{ 'www-authenticate': 'Bearer error="invalid_token"' },
				);
			default:
				throw new Error(`unknown API fault step ${step}`);
		}
	}

	/** @type {import('node:http').RequestListener} */
	const handler = async (req, res) => {
		try {
			const body = await readBody(req);
			const url = new URL(req.url ?? '/', 'http://proxy.invalid');
			if (req.method === 'POST' && url.pathname.endsWith('/token'))
				return await handleToken(req, res, body);
			if (url.pathname === '/__refuse-connections') {
				// Stop listening first, then answer: the client's next request cannot slip in.
				const refusal = refuseConnections(Number(url.searchParams.get('ms') ?? 1000));
				return json(res, 200, { refusingUntil: refusal.until });
			}
			if (holdPath && url.pathname === holdPath) {
				/** @type {TokenRequestEvent} */
				const event = { case: 'hold path', step: 'hold', forwarded: false, receivedAt: Date.now() };
				return await holdUntilReleased(req, res, event);
			}
			if (url.pathname.startsWith('/v4/')) return await handleApi(req, res, body, url.pathname);
			relay(res, await forward(req, body));
		} catch (error) {
			// The stand-in itself failed (or a step is unknown): a 599 that no test expects, so it shows.
			if (!res.headersSent)
				json(res, 599, {
					error: 'proxy_failure',
					message: error instanceof Error ? error.message : String(error),
				});
			else res.destroy();
		}
	};

	/** @type {import('node:http').Server} */
	let server;
	/**
	 * @param {number} onPort
	 * @returns {Promise<number>} The port it listens on.
	 */
	async function listen(onPort) {
		server = http.createServer(handler);
		server.on('connection', (socket) => {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
		});
		await new Promise((resolve, reject) => {
			server.once('error', reject);
			server.listen(onPort, '127.0.0.1', () => resolve(undefined));
		});
		return /** @type {import('node:net').AddressInfo} */ (server.address()).port;
	}
	const boundPort = await listen(port);
	const origin = `http://127.0.0.1:${boundPort}`;
	/** @type {Promise<void>} */
	let reopening = Promise.resolve();

	/** @type {FaultProxy['refuseConnections']} */
	function refuseConnections(ms) {
		/** @type {Refusal} */
		const refusal = { from: Date.now(), until: Date.now() + ms, reopenedAt: undefined };
		refusals.push(refusal);
		server.close();
		reopening = new Promise((resolve) => setTimeout(resolve, ms)).then(async () => {
			await listen(boundPort);
			refusal.reopenedAt = Date.now();
		});
		return refusal;
	}

	/** @type {FaultProxy} */
	const proxy = {
		origin,
		issuer: `${origin}${upstreamUrl.pathname.replace(/\/$/, '')}`,
		plan(refreshToken, steps, label) {
			plans.set(refreshToken, [...steps]);
			cases.set(refreshToken, label);
		},
		apiInFlight,
		setApiScript(steps) {
			defaultApiSteps = [...steps];
		},
		planApi(accessToken, steps, label, match = {}) {
			apiPlans.set(accessToken, { steps: [...steps], match });
			cases.set(accessToken, label);
		},
		label(token, label) {
			cases.set(token, label);
		},
		setScript(steps) {
			if (!Array.isArray(steps) || steps.length === 0)
				throw new TypeError('setScript needs at least one step');
			defaultSteps = [...steps];
			events.length = 0;
		},
		holdRequestsTo(path) {
			holdPath = path;
		},
		refuseConnections,
		refusals,
		events,
		get requests() {
			return events;
		},
		get forwarded() {
			return events.filter((event) => event.forwarded).length;
		},
		eventsOf: (label) => events.filter((event) => event.case === label),
		apiEvents,
		apiEventsOf: (label) => apiEvents.filter((event) => event.case === label),
		madeUpTokens,
		nextHeld: () => new Promise((resolve) => emitter.once('held', resolve)),
		nextApi: (label, test = () => true) =>
			new Promise((resolve) => {
				const listener = (/** @type {ApiRequestEvent} */ event) => {
					if (event.case !== label || !test(event)) return;
					emitter.off('api', listener);
					resolve(event);
				};
				emitter.on('api', listener);
			}),
		releaseAll() {
			for (const entry of held) entry.release();
			held.clear();
		},
		async close() {
			this.releaseAll();
			await reopening;
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) =>
				server.listening ? server.close(() => resolve(undefined)) : resolve(undefined),
			);
		},
	};
	return proxy;
}

module.exports = { startFaultProxy };
