// State of the hand-written AAC v4 API stand-in: seed data, the clock, run lifecycles, quotas,
// and the list query (paging, filter, sort) that every list endpoint shares.
// This is a fake written by us from Alteryx's OpenAPI spec and docs (see standin/README.md);
// it is not AAC. Whatever it does that the spec does not say is marked "guess" below.

export const TERMINAL_STATUSES = Object.freeze(['Complete', 'Failed', 'Canceled']);
export const RUN_STATUSES = Object.freeze([
	'Created',
	'InProgress',
	'Complete',
	'Failed',
	'Canceled',
]);
export const isTerminal = (status) => TERMINAL_STATUSES.includes(status);

// Per endpoint, per minute [spec]. A value of null switches a limit off.
export const DEFAULT_QUOTAS = Object.freeze({
	runPlan: Object.freeze({ user: 30, workspace: 60 }),
	runJobGroup: Object.freeze({ user: 30, workspace: 60 }),
	runFlow: Object.freeze({ user: 20, workspace: 40 }),
});

// How long a run stays Created, then InProgress, and how it ends (fixture default).
export const DEFAULT_RUN_BEHAVIOUR = Object.freeze({
	queuedMs: 1000,
	runningMs: 4000,
	outcome: 'Complete',
});

export const CURRENT_USER = Object.freeze({
	id: 1,
	email: 'standin@example.com',
	name: 'Stand-in User',
});
export const OTHER_USER_ID = 2;
export const WORKSPACE = Object.freeze({ id: 1, name: 'Stand-in workspace' });

export class AacError extends Error {
	constructor(status, name, message, details = message, headers = {}) {
		super(message);
		this.status = status;
		this.exceptionName = name;
		this.details = details;
		this.headers = headers;
	}

	body() {
		return {
			exception: { name: this.exceptionName, message: this.message, details: this.details },
		};
	}
}

export const validationFailed = (details) =>
	new AacError(400, 'ValidationFailed', 'Validation failed', details);
export const dataNotFound = (what, id) =>
	new AacError(
		404,
		'DataNotFoundException',
		`${what} not found`,
		`${what} with id ${id} does not exist`,
	);

// --- clock -------------------------------------------------------------------------------------
// API time = anchorApi + (base() - anchorReal) * timeScale, or anchorApi while frozen; base is
// Date.now unless injected. advance() and set() move it; timeScale > 1 makes it run faster than
// real time (a 60 s run in 1 s with 60). Token expiry is NOT on this clock unless the stand-in is
// started with tokenExpiryOnApiClock (the OAuth part runs on real time).
export function createClock({ now: base = Date.now, frozen = false, timeScale = 1 } = {}) {
	let anchorReal = base();
	let anchorApi = anchorReal;
	let isFrozen = frozen;
	let scale = checkScale(timeScale);
	const now = () => (isFrozen ? anchorApi : anchorApi + (base() - anchorReal) * scale);
	const rebase = () => {
		anchorApi = now();
		anchorReal = base();
	};
	return {
		now,
		advance(ms) {
			if (!Number.isFinite(ms) || ms < 0) throw new TypeError('advanceMs must be a number >= 0');
			anchorApi += ms;
			return now();
		},
		set(ms) {
			if (!Number.isFinite(ms)) throw new TypeError('setMs must be a number');
			rebase();
			anchorApi = ms;
			return now();
		},
		freeze(on = true) {
			rebase();
			isFrozen = on;
			return now();
		},
		setTimeScale(value) {
			const checked = checkScale(value);
			rebase();
			scale = checked;
			return now();
		},
		get frozen() {
			return isFrozen;
		},
		get timeScale() {
			return scale;
		},
	};
}

function checkScale(value) {
	if (!Number.isFinite(value) || value <= 0) throw new TypeError('timeScale must be a number > 0');
	return value;
}

// --- seed --------------------------------------------------------------------------------------
const iso = (ms) => new Date(ms).toISOString();
const INTERNAL_KEYS = [
	'run',
	'ownership',
	'flowId',
	'validationStatus',
	'rejectRunWithoutOverrides',
	'healthy',
	'nodes',
];

function behaviourOf(run = {}) {
	const b = { ...DEFAULT_RUN_BEHAVIOUR, ...run };
	checkBehaviour(b);
	return b;
}

export function checkBehaviour(b) {
	for (const key of ['queuedMs', 'runningMs']) {
		if (!Number.isFinite(b[key]) || b[key] < 0) throw new TypeError(`${key} must be a number >= 0`);
	}
	if (!TERMINAL_STATUSES.includes(b.outcome))
		throw new TypeError(`outcome must be one of ${TERMINAL_STATUSES.join(', ')}`);
}

function fixture(kind, raw, fallbackId) {
	const id = raw.id ?? fallbackId;
	if (!Number.isInteger(id) || id <= 0)
		throw new TypeError(`${kind} id must be a positive integer`);
	const view = { id };
	for (const [k, v] of Object.entries(raw))
		if (!INTERNAL_KEYS.includes(k) && k !== 'id') view[k] = v;
	return {
		id,
		view,
		run: behaviourOf(raw.run),
		ownership: raw.ownership ?? 'owned',
		flowId: raw.flowId,
		validationStatus: raw.validationStatus ?? 'Valid',
		rejectRunWithoutOverrides: raw.rejectRunWithoutOverrides === true,
		healthy: raw.healthy !== false,
		nodes: raw.nodes,
	};
}

// A number generates that many entities (with timestamps and creators); an array gives fixtures;
// undefined keeps the default seed, which is what the first stand-in served: one 'Demo plan'
// whose list entry is exactly { id: 1, name: 'Demo plan' } (e2e and test/standin.test.ts assert it).
export function buildSeed(seed = {}, t0 = Date.now()) {
	const generated = (count, make) => Array.from({ length: count }, (_, i) => make(i + 1));
	const stamp = (i) => ({
		createdAt: iso(t0 - (100000 - i) * 60000),
		updatedAt: iso(t0 - (100000 - i) * 30000),
		creator: { id: i % 3 === 0 ? OTHER_USER_ID : CURRENT_USER.id },
	});
	const list = (kind, value, defaults, make) => {
		const raws =
			value === undefined ? defaults : typeof value === 'number' ? generated(value, make) : value;
		if (!Array.isArray(raws)) throw new TypeError(`seed.${kind} must be a number or an array`);
		const map = new Map();
		raws.forEach((raw, i) => {
			const f = fixture(kind, raw, i + 1);
			if (map.has(f.id)) throw new TypeError(`duplicate ${kind} id ${f.id}`);
			map.set(f.id, f);
		});
		return map;
	};

	const flows = list('flows', seed.flows, [{ id: 1, name: 'Demo flow' }], (i) => ({
		name: i === 1 ? 'Demo flow' : `Flow ${String(i).padStart(4, '0')}`,
		description: null,
		...stamp(i),
		ownership: i % 3 === 0 ? 'shared' : 'owned',
	}));
	const flowIds = [...flows.keys()];
	const recipes = list(
		'recipes',
		seed.recipes,
		[
			{ id: 1, name: 'Demo recipe', flowId: 1 },
			{ id: 2, name: 'Demo recipe 2', flowId: 1 },
		],
		(i) => ({
			name: i === 1 ? 'Demo recipe' : `Recipe ${String(i).padStart(4, '0')}`,
			flowId: flowIds[(i - 1) % flowIds.length],
			...stamp(i),
		}),
	);
	for (const r of recipes.values()) {
		if (r.flowId === undefined) r.flowId = flowIds[0];
		if (!flows.has(r.flowId))
			throw new TypeError(`recipe ${r.id} names flow ${r.flowId}, which is not seeded`);
		r.view.flow = { id: r.flowId };
	}
	const plans = list('plans', seed.plans, [{ id: 1, name: 'Demo plan' }], (i) => ({
		name: i === 1 ? 'Demo plan' : `Plan ${String(i).padStart(4, '0')}`,
		description: null,
		...stamp(i),
		ownership: i % 3 === 0 ? 'shared' : 'owned',
	}));
	const connections = list(
		'connections',
		seed.connections,
		[
			{
				id: 1,
				name: 'Demo connection',
				type: 'jdbc',
				vendor: 'postgres',
				vendorName: 'PostgreSQL',
			},
		],
		(i) => ({
			name: i === 1 ? 'Demo connection' : `Connection ${String(i).padStart(4, '0')}`,
			type: 'jdbc',
			vendor: 'postgres',
			vendorName: 'PostgreSQL',
			...stamp(i),
		}),
	);
	return { plans, recipes, flows, connections };
}

// --- run lifecycle -------------------------------------------------------------------------------
// A run is Created for queuedMs, InProgress for runningMs, then its outcome; a cancel before that
// makes it Canceled at the cancel instant. Status is derived from the clock, so advancing the clock
// moves every run at once and nothing depends on timers.
export function newRun(fields, behaviour, t) {
	return {
		...fields,
		createdAtMs: t,
		queuedMs: behaviour.queuedMs,
		runningMs: behaviour.runningMs,
		outcome: behaviour.outcome,
		canceledAtMs: null,
		settled: false,
	};
}

export function runTimes(run, t) {
	const times = lifecycleTimes(run, t);
	// A run finished with its stamps off (admin finish-run stampOffsetMs: AAC's clock ahead or behind).
	if (run.stampOffsetMs && times.finishedAtMs !== null)
		return {
			...times,
			finishedAtMs: times.finishedAtMs + run.stampOffsetMs,
			updatedAtMs: times.updatedAtMs + run.stampOffsetMs,
		};
	return times;
}

function lifecycleTimes(run, t) {
	const startMs = run.createdAtMs + run.queuedMs;
	const endMs = startMs + run.runningMs;
	if (run.canceledAtMs !== null && run.canceledAtMs <= t && run.canceledAtMs < endMs) {
		const started = run.canceledAtMs >= startMs ? startMs : null;
		return {
			status: 'Canceled',
			startedAtMs: started,
			finishedAtMs: run.canceledAtMs,
			updatedAtMs: run.canceledAtMs,
		};
	}
	if (t < startMs)
		return {
			status: 'Created',
			startedAtMs: null,
			finishedAtMs: null,
			updatedAtMs: run.createdAtMs,
		};
	if (t < endMs)
		return { status: 'InProgress', startedAtMs: startMs, finishedAtMs: null, updatedAtMs: startMs };
	return { status: run.outcome, startedAtMs: startMs, finishedAtMs: endMs, updatedAtMs: endMs };
}

// Ends a running run now with the given outcome (admin route).
export function finishRunNow(run, outcome, t) {
	if (!TERMINAL_STATUSES.includes(outcome))
		throw new TypeError(`outcome must be one of ${TERMINAL_STATUSES.join(', ')}`);
	if (isTerminal(runTimes(run, t).status)) return false;
	if (t < run.createdAtMs + run.queuedMs) {
		run.queuedMs = Math.max(0, t - run.createdAtMs);
		run.runningMs = 0;
	} else {
		run.runningMs = t - run.createdAtMs - run.queuedMs;
	}
	if (outcome === 'Canceled') run.canceledAtMs = t;
	run.outcome = outcome;
	return true;
}

// --- quotas ----------------------------------------------------------------------------------------
// One window per (endpoint, user) and per (endpoint, workspace), opened by its first request and
// lasting 60 s (guess: AAC's window alignment is not documented). Requests answered 429 do not count.
export function createQuotas() {
	const windows = new Map();
	const windowFor = (key, t) => {
		let w = windows.get(key);
		if (!w || t >= w.resetMs) {
			w = { resetMs: t + 60000, used: 0 };
			windows.set(key, w);
		}
		return w;
	};
	return {
		// Returns { headers } or throws a 429 AacError carrying the headers.
		take(name, limits, user, t) {
			if (!limits) return { headers: {} };
			const u = windowFor(`${name}|user|${user}`, t);
			const w = windowFor(`${name}|workspace`, t);
			const userOver = limits.user != null && u.used >= limits.user;
			const workspaceOver = limits.workspace != null && w.used >= limits.workspace;
			if (!userOver && !workspaceOver) {
				u.used += 1;
				w.used += 1;
			}
			const headers = {};
			if (limits.user != null) {
				headers['x-rate-limit-user-limit'] = String(limits.user);
				headers['x-rate-limit-user-remaining'] = String(Math.max(0, limits.user - u.used));
				headers['x-rate-limit-user-reset'] = String(u.resetMs);
			}
			if (limits.workspace != null) {
				headers['x-rate-limit-workspace-limit'] = String(limits.workspace);
				headers['x-rate-limit-workspace-remaining'] = String(
					Math.max(0, limits.workspace - w.used),
				);
				headers['x-rate-limit-workspace-reset'] = String(w.resetMs);
			}
			if (userOver || workspaceOver) {
				const resetMs = Math.max(userOver ? u.resetMs : 0, workspaceOver ? w.resetMs : 0);
				const wait = Math.max(1, Math.ceil((resetMs - t) / 1000));
				headers['x-retry-after'] = String(wait);
				throw new AacError(
					429,
					'TooManyRequestsException',
					'Too many requests',
					`API quota reached for "${name}". Wait ${wait} seconds`,
					headers,
				);
			}
			return { headers };
		},
		clear() {
			windows.clear();
		},
	};
}

// --- list query ------------------------------------------------------------------------------------
const FILTER_TYPES = ['fuzzy', 'contains', 'exact', 'exactIgnoreCase'];

export function nonNegativeInt(q, name, fallback) {
	const raw = q.get(name);
	if (raw === null || raw === '') return fallback;
	if (!/^\d+$/.test(raw))
		throw validationFailed(`"${name}" must be a non-negative integer, got "${raw}"`);
	return Number(raw);
}

const timeOf = (value) => (typeof value === 'number' ? value : Date.parse(value));

// dateFilter[<field>][gte|gt|lte|lt]=<epoch ms or ISO date>. `allowed` says which keys the endpoint
// honours in this world ({ fields, ops }, or false: none); other keys are ignored, as AAC ignores
// what it does not know.
export function dateFilters(q, allowed = { fields: null, ops: ['gte', 'gt', 'lte', 'lt'] }) {
	const filters = [];
	for (const [key, raw] of q) {
		const m = /^dateFilter\[(\w+)\]\[(gte|gt|lte|lt)\]$/.exec(key);
		if (!m || !allowed) continue;
		if (allowed.fields && !allowed.fields.includes(m[1])) continue;
		if (!allowed.ops.includes(m[2])) continue;
		const bound = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
		if (!Number.isFinite(bound))
			throw validationFailed(`"${key}" must be epoch milliseconds or an ISO date`);
		filters.push({ field: m[1], op: m[2], bound });
	}
	return (view) =>
		filters.every(({ field, op, bound }) => {
			const v = timeOf(view[field]);
			if (!Number.isFinite(v)) return false;
			return op === 'gte'
				? v >= bound
				: op === 'gt'
					? v > bound
					: op === 'lte'
						? v <= bound
						: v < bound;
		});
}

// status=<one status>; with `commaList` (the generous world) several, separated by commas. In the
// strict world a comma is part of one literal value, which no run has.
export function statusFilter(q, commaList = true) {
	const raw = q.get('status');
	if (!raw) return () => true;
	const wanted = commaList
		? raw
				.split(',')
				.map((s) => s.trim())
				.filter(Boolean)
		: [raw];
	for (const s of wanted) {
		if (s.includes(',')) continue; // one literal value with a comma: matches nothing
		if (!RUN_STATUSES.includes(s) && s !== 'Pending')
			throw validationFailed(`"status" has an unknown value "${s}"`);
	}
	return (view) => wanted.includes(view.status);
}

export function project(view, q) {
	const fields = q.get('fields');
	if (!fields) return view;
	const out = {};
	for (const f of fields
		.split(';')
		.map((s) => s.trim())
		.filter(Boolean))
		if (f in view) out[f] = view[f];
	return out;
}

// views: already filtered by the endpoint's own filters. Applies filter/filterFields/filterType,
// sort (`sort` only when `honourSort`: the strict world ignores it, its values being undocumented),
// limit/offset (limit capped at settings.maxPageSize: a server may serve fewer than asked), fields,
// includeCount.
export function listPage(views, q, settings, { defaultSort, honourSort = true } = {}) {
	let items = views;
	const text = q.get('filter');
	if (text !== null && text !== '') {
		const type = q.get('filterType') ?? 'fuzzy';
		if (!FILTER_TYPES.includes(type))
			throw validationFailed(`"filterType" must be one of ${FILTER_TYPES.join(', ')}`);
		const fields = (q.get('filterFields') ?? 'name')
			.split(';')
			.map((s) => s.trim())
			.filter(Boolean);
		const lower = text.toLowerCase();
		// Guess: AAC's "fuzzy" is not documented; here it is a case-insensitive substring match.
		const test = {
			fuzzy: (v) => v.toLowerCase().includes(lower),
			contains: (v) => v.includes(text),
			exact: (v) => v === text,
			exactIgnoreCase: (v) => v.toLowerCase() === lower,
		}[type];
		items = items.filter((view) =>
			fields.some((f) => view[f] !== undefined && view[f] !== null && test(String(view[f]))),
		);
	}
	const sort = (honourSort ? q.get('sort') : null) ?? defaultSort;
	if (sort) {
		const desc = sort.startsWith('-');
		const field = desc ? sort.slice(1) : sort;
		if (!/^\w+$/.test(field))
			throw validationFailed(`"sort" must be a field name, optionally prefixed by "-"`);
		const key = (v) => v[field];
		items = [...items].sort((a, b) => {
			const x = key(a);
			const y = key(b);
			if (x === y) return a.id - b.id;
			if (x === undefined || x === null) return 1;
			if (y === undefined || y === null) return -1;
			const c =
				typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
			return desc ? -c : c;
		});
	}
	const limit = nonNegativeInt(q, 'limit', settings.defaultPageSize);
	if (limit < 1) throw validationFailed('"limit" must be at least 1');
	const offset = settings.ignoreOffset ? 0 : nonNegativeInt(q, 'offset', 0);
	const served = settings.maxPageSize ? Math.min(limit, settings.maxPageSize) : limit;
	const body = { data: items.slice(offset, offset + served).map((v) => project(v, q)) };
	if (q.get('includeCount') === 'true') body.count = items.length;
	return body;
}

export { iso };
