// The load script of the queue-mode test: `concurrency` callers POST to the reader workflow's
// webhook back to back until `seconds` have passed or `maxCalls` calls were made, whichever comes
// first. The webhook answers with the reader's last node output (HTTP Request, full response,
// errors continued as output), so every answer says how that reader execution went.
//
// Standalone: node e2e/queue/load.mjs URL [seconds] [concurrency] [maxCalls]

import { pathToFileURL } from 'node:url';

/** The text of the "Refresh Operation Only" failure (nodes/AlteryxAnalyticsCloud/core/refreshPolicy.ts). */
export const EXPIRED_MESSAGE = /Refresh Operation Only/;
/**
 * Its remedy, which must point at the Token Keeper first (KEEPER_REMEDY in the core). Matched in
 * the webhook's JSON answer, where the quotes around the name are escaped.
 */
export const KEEPER_REMEDY = /Activate an \\?"Alteryx Analytics Cloud Token Keeper\\?" trigger/;

/**
 * What one webhook answer says: {ok: true} when AAC answered 200 with the current user, else
 * {ok: false, kind, message}. kind: 'expired' (the refresh-operation-only message), 'api-<status>'
 * (the protected resource refused), 'http-<status>' (n8n's webhook itself failed), 'other'; runLoad
 * adds 'timeout' (no answer in time) and 'network'.
 */
export function classify(status, text) {
	let body;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	if (status === 200 && body?.statusCode === 200 && body?.body?.email) return { ok: true };
	const message = errorMessage(body) ?? text.slice(0, 300);
	if (EXPIRED_MESSAGE.test(text))
		return {
			ok: false,
			kind: 'expired',
			message,
			remedyNamesKeeper: KEEPER_REMEDY.test(text),
		};
	if (status === 200 && typeof body?.statusCode === 'number')
		return { ok: false, kind: `api-${body.statusCode}`, message };
	if (status !== 200) return { ok: false, kind: `http-${status}`, message };
	return { ok: false, kind: 'other', message };
}

function errorMessage(body) {
	const error = body?.error;
	if (!error) return typeof body?.message === 'string' ? body.message : undefined;
	if (typeof error === 'string') return error;
	const parts = [error.message, error.description].filter(
		(part) => typeof part === 'string' && part,
	);
	return parts.length ? parts.join(' | ') : JSON.stringify(error).slice(0, 300);
}

function percentile(sorted, p) {
	if (!sorted.length) return undefined;
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Runs the load. `onResponse(text)` sees every answer (the secrets check). `gate`, when given, is
 * awaited before every call (`gate.pass()`), so a caller can hold the load (a restart of the main)
 * and know when no call is in flight (`gate.idle()`). Resolves with the figures: calls, ok,
 * failures (by kind and by message), latency (ms), duration.
 */
export async function runLoad({
	url,
	seconds,
	concurrency = 8,
	maxCalls = 20_000,
	requestTimeoutMs = 60_000,
	onResponse = () => {},
	gate,
}) {
	const started = Date.now();
	const end = started + seconds * 1000;
	let calls = 0;
	let ok = 0;
	const latencies = [];
	const byKind = {};
	const byMessage = {};
	const failures = [];
	let expiredRemedyMissing = 0;

	async function caller(index) {
		while (Date.now() < end && calls < maxCalls) {
			if (gate) await gate.pass();
			if (Date.now() >= end) break;
			calls += 1;
			const number = calls;
			gate?.started();
			const t0 = performance.now();
			let status;
			let text;
			try {
				const response = await fetch(url, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ caller: index, call: number }),
					signal: AbortSignal.timeout(requestTimeoutMs),
				});
				status = response.status;
				text = await response.text();
			} catch (error) {
				status = 0;
				text = `${error?.name ?? 'Error'}: ${error?.message ?? error}`;
				if (error?.name === 'TimeoutError')
					text = `no answer within ${requestTimeoutMs / 1000} s (${text})`;
			}
			gate?.done();
			const ms = performance.now() - t0;
			latencies.push(ms);
			onResponse(text);
			const verdict =
				status === 0
					? {
							ok: false,
							kind: text.includes('TimeoutError') ? 'timeout' : 'network',
							message: text,
						}
					: classify(status, text);
			if (verdict.ok) {
				ok += 1;
				continue;
			}
			byKind[verdict.kind] = (byKind[verdict.kind] ?? 0) + 1;
			const key = verdict.message.slice(0, 240);
			byMessage[key] = (byMessage[key] ?? 0) + 1;
			if (verdict.kind === 'expired' && !verdict.remedyNamesKeeper) expiredRemedyMissing += 1;
			if (failures.length < 50)
				failures.push({
					call: number,
					atSeconds: Math.round((Date.now() - started) / 100) / 10,
					status,
					kind: verdict.kind,
					message: verdict.message,
				});
		}
	}

	await Promise.all(Array.from({ length: concurrency }, (_, index) => caller(index)));
	const durationMs = Date.now() - started;
	const sorted = latencies.sort((a, b) => a - b);
	const round = (value) => (value === undefined ? undefined : Math.round(value));
	return {
		calls,
		ok,
		failed: calls - ok,
		byKind,
		byMessage,
		failures,
		expired: byKind.expired ?? 0,
		expiredRemedyMissing,
		concurrency,
		seconds,
		maxCalls,
		stoppedBy: calls >= maxCalls ? 'maxCalls' : 'time',
		durationMs,
		callsPerSecond: Math.round((10 * calls) / (durationMs / 1000)) / 10,
		latencyMs: {
			p50: round(percentile(sorted, 50)),
			p95: round(percentile(sorted, 95)),
			p99: round(percentile(sorted, 99)),
			max: round(sorted.at(-1)),
		},
	};
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const [url, seconds = '60', concurrency = '8', maxCalls = '20000'] = process.argv.slice(2);
	if (!url) {
		console.error('usage: node e2e/queue/load.mjs WEBHOOK_URL [seconds] [concurrency] [maxCalls]');
		process.exit(2);
	}
	const figures = await runLoad({
		url,
		seconds: Number(seconds),
		concurrency: Number(concurrency),
		maxCalls: Number(maxCalls),
	});
	console.log(JSON.stringify(figures, null, 2));
	process.exit(figures.failed === 0 ? 0 : 1);
}

/**
 * A gate for runLoad: `hold()` stops new calls and resolves once none is in flight; `open()` lets
 * them go on. Holding time is excluded from nothing: the load's clock runs on.
 */
export function loadGate() {
	let inFlight = 0;
	let held;
	let release = () => {};
	const idleWaiters = [];
	const settle = () => {
		if (inFlight === 0) while (idleWaiters.length) idleWaiters.shift()();
	};
	return {
		async pass() {
			while (held) await held;
		},
		started() {
			inFlight += 1;
		},
		done() {
			inFlight -= 1;
			settle();
		},
		hold() {
			held ??= new Promise((resolve) => {
				release = resolve;
			});
			return new Promise((resolve) => {
				idleWaiters.push(resolve);
				settle();
			});
		},
		open() {
			const wasHeld = held;
			held = undefined;
			if (wasHeld) release();
		},
	};
}
