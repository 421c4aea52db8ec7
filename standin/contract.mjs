// AAC's documented contract (standin/contract.json) as code: load it, and check one request
// against it. The stand-in checks every request it serves, so a test fails when the package sends
// anything the contract does not list as documented (or live-confirmed), unless the request is one
// of the contract's probes (the compatibility check asking about an unknown on purpose).
import { readFileSync } from 'node:fs';

let cached;

/** The contract, parsed once. */
export function loadContract() {
	cached ??= JSON.parse(readFileSync(new URL('./contract.json', import.meta.url), 'utf8'));
	return cached;
}

const ALLOWED = new Set(['documented', 'live']);

function queryEntry(endpoint, key) {
	return endpoint.query.find((entry) =>
		entry.name !== undefined ? entry.name === key : new RegExp(entry.pattern).test(key),
	);
}

function valueProblem(entry, key, value) {
	if (entry.values && !entry.values.includes(value))
		return `"${key}=${value}" is not a documented value (${entry.values.join(' | ')})`;
	const pattern = entry.name !== undefined ? entry.pattern : entry.valuePattern;
	if (pattern && !new RegExp(pattern).test(value))
		return `"${key}=${value}" does not have the documented form`;
	return undefined;
}

/** The probe of an unknown this request is, if any: its endpoint and every probed key match. */
function probeOf(contract, name, query) {
	for (const [unknown, probes] of Object.entries(contract.probes ?? {})) {
		for (const probe of probes) {
			if (probe.endpoint !== name) continue;
			// A probe is exactly its keys: a request with any other key is not that probe.
			const keys = Object.keys(probe.query);
			const sent = [...new Set(query.keys())];
			if (
				sent.length === keys.length &&
				keys.every((key) => query.has(key) && new RegExp(probe.query[key]).test(query.get(key)))
			)
				return { unknown, keys };
		}
	}
	return undefined;
}

/**
 * Problems of one request against the contract ([] when it follows it).
 * request: { name (the stand-in's endpoint name), method, query (URLSearchParams), headers
 * (lower-case names), bodyText }. A probe's own keys are forgiven; `probe` names the unknown.
 * @returns {{ problems: string[], probe?: string }}
 */
export function checkRequest(contract, request) {
	const endpoint = contract.endpoints[request.name];
	if (!endpoint) return { problems: [`${request.method} ${request.name} is not in the contract`] };
	const problems = [];
	const probe = probeOf(contract, request.name, request.query);
	for (const [key, value] of request.query) {
		if (probe?.keys.includes(key)) continue;
		const entry = queryEntry(endpoint, key);
		if (!entry) {
			problems.push(`query parameter "${key}" is not documented for ${request.name}`);
			continue;
		}
		if (!ALLOWED.has(entry.verdict)) {
			problems.push(`query parameter "${key}" of ${request.name} is an unknown (${entry.unknown})`);
			continue;
		}
		const problem = valueProblem(entry, key, value);
		if (problem) problems.push(problem);
	}
	if (request.headers['x-execution-id'] !== undefined && !endpoint.headers?.['x-execution-id'])
		problems.push(`x-execution-id is not documented for ${request.name}`);
	if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
		const type = String(request.headers['content-type'] ?? '');
		if (!/^application\/json\b/i.test(type))
			problems.push(
				`${request.method} ${request.name} without content-type: application/json (got "${type}")`,
			);
		problems.push(...bodyProblems(endpoint, request));
	}
	return { problems, probe: probe?.unknown };
}

function bodyProblems(endpoint, request) {
	if (!endpoint.body) return request.bodyText ? [`${request.name} takes no body`] : [];
	if (!request.bodyText) return [`${request.method} ${request.name} without a JSON body`];
	let body;
	try {
		body = JSON.parse(request.bodyText);
	} catch {
		return [`the body of ${request.name} is not JSON`];
	}
	if (body === null || typeof body !== 'object' || Array.isArray(body))
		return [`the body of ${request.name} is not a JSON object`];
	const problems = [];
	for (const [key, value] of Object.entries(body)) {
		const field = endpoint.body.fields[key];
		if (!field) problems.push(`body field "${key}" is not documented for ${request.name}`);
		else if (!ALLOWED.has(field.verdict))
			problems.push(`body field "${key}" of ${request.name} is an unknown`);
		else if (field.values && !field.values.includes(value))
			problems.push(`body field "${key}": ${JSON.stringify(value)} is not a documented value`);
	}
	for (const [key, field] of Object.entries(endpoint.body.fields))
		if (field.required && !(key in body))
			problems.push(`body field "${key}" is required by ${request.name}`);
	return problems;
}

/** A request's shape, for the suite-wide record: endpoint, sorted query keys, body keys. */
export function requestShape(request) {
	const queryKeys = [...new Set([...request.query.keys()])].sort();
	let bodyKeys = [];
	try {
		const body = request.bodyText ? JSON.parse(request.bodyText) : undefined;
		if (body && typeof body === 'object' && !Array.isArray(body))
			bodyKeys = Object.keys(body).sort();
	} catch {
		bodyKeys = ['<not JSON>'];
	}
	return {
		name: request.name,
		method: request.method,
		query: queryKeys,
		body: bodyKeys,
		executionId: request.headers['x-execution-id'] !== undefined,
	};
}
