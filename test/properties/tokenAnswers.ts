// Turns a scripted answer (arbitraries.ts StepSpec) into what a token transport returns or throws,
// with each answer's own secrets in place of the markers, and says which tokens it carries.
import type { TokenHttpResponse } from '../../nodes/AlteryxAnalyticsCloud/core';
import { MARK, jwtFromText, secretFrom, type FailureSpec, type StepSpec } from './arbitraries';

// Jest runs each test file in a vm context, where every lookup of a global is slow (see arbitraries.ts).
const { imul } = Math;
const { isArray } = Array;
const { entries, defineProperty } = Object;

export interface Materialized {
	response?: TokenHttpResponse;
	/** The body as the core parses it (JSON text parsed), when it is an object. */
	parsed?: Record<string, unknown>;
	failure?: unknown;
	/** Token values this answer carries (access_token / refresh_token): must never show in an error. */
	tokens: string[];
	/** Random secrets inside those tokens (opaque tokens, JWT signatures): no 16 characters of them may show. */
	opaque: string[];
}

function replaceMarks(value: unknown, marks: Array<[string, string]>): unknown {
	if (typeof value === 'string') {
		if (!value.includes('\u0001')) return value;
		let text = value;
		for (const [mark, secret] of marks)
			if (text.includes(mark)) text = text.split(mark).join(secret);
		return text;
	}
	if (isArray(value)) return value.map((item) => replaceMarks(item, marks));
	if (value !== null && typeof value === 'object') {
		const copy: Record<string, unknown> = {};
		// defineProperty: a "__proto__" key stays an own property, as JSON.parse makes it.
		for (const [key, item] of entries(value))
			defineProperty(copy, key, {
				value: replaceMarks(item, marks),
				enumerable: true,
				writable: true,
				configurable: true,
			});
		return copy;
	}
	return value;
}

function buildFailure(
	spec: FailureSpec | string | null | undefined,
	marks: Array<[string, string]>,
): unknown {
	if (spec === null || spec === undefined || typeof spec === 'string')
		return replaceMarks(spec, marks);
	const fields: Record<string, unknown> = {};
	if (spec.code !== undefined) fields.code = spec.code;
	if (spec.name !== undefined) fields.name = spec.name;
	if (spec.cause) fields.cause = buildFailure(spec.cause, marks);
	const message = replaceMarks(spec.message, marks) as string;
	// Like an HTTP client's error: the request, refresh token included, hangs off it.
	fields.config = {
		data: replaceMarks(`grant_type=refresh_token&refresh_token=${MARK.sentRefresh}`, marks),
	};
	return spec.asError ? Object.assign(new Error(message), fields) : { message, ...fields };
}

export function materialize(
	spec: StepSpec,
	stepIndex: number,
	sent: { refreshToken: string; accessToken: string },
): Materialized {
	const base: Array<[string, string]> = [
		[MARK.sentRefresh, sent.refreshToken],
		[MARK.sentAccess, sent.accessToken],
	];
	if (spec.kind === 'fail')
		return { failure: buildFailure(spec.failure, base), tokens: [], opaque: [] };
	// Salted per role and per step, so no two secrets share a PRNG stream even when fast-check repeats a seed.
	const [newRefresh, newAccess, newSignature] = spec.secrets.map(({ seed, length }, role) =>
		secretFrom(seed ^ imul(0x9e3779b9, stepIndex * 3 + role + 1), length),
	);
	const marks: Array<[string, string]> = [
		...base,
		[MARK.newRefresh, newRefresh],
		[MARK.newAccess, newAccess],
		[MARK.newAccessJwt, jwtFromText(spec.jwtClaims, newSignature)],
	];
	let body: unknown;
	let parsed: Record<string, unknown> | undefined;
	if (spec.body.kind === 'object') {
		const value = replaceMarks(spec.body.value, marks) as Record<string, unknown>;
		if (spec.body.encoding === 'parsed') body = value;
		else if (spec.body.encoding === 'pretty') body = `\n ${JSON.stringify(value, null, 2)}\n`;
		else {
			const json = JSON.stringify(value);
			body =
				spec.body.encoding === 'json' ? json : json.slice(0, spec.body.cut % (json.length + 1));
		}
	} else {
		body = replaceMarks(spec.body.value, marks);
	}
	if (typeof body === 'string') {
		try {
			const value: unknown = JSON.parse(body);
			if (value !== null && typeof value === 'object' && !Array.isArray(value))
				parsed = value as Record<string, unknown>;
		} catch {
			parsed = undefined;
		}
	} else if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
		parsed = body as Record<string, unknown>;
	}
	const tokens = [parsed?.access_token, parsed?.refresh_token].filter(
		(token): token is string => typeof token === 'string' && token.length >= 16,
	);
	// A generated secret counts when a token field is exactly it (or a JWT signed with it); a field
	// that merely contains one among other text makes that whole text the token, not the secret.
	const opaque = [newRefresh, newAccess, newSignature].filter((secret) =>
		tokens.some((token) => token === secret || token.endsWith(`.${secret}`)),
	);
	return {
		response: { status: spec.status, headers: { 'retry-after': spec.retryAfter }, body },
		parsed,
		tokens,
		opaque,
	};
}
