// No error, log line or output carries a refresh token.
// Collects every refresh token the servers issued and looks for them in whatever a test saw.
import type { FaultyTokenEndpoint } from '../fakes/faultyTokenEndpoint';
import type { StandIn } from './standin';

/** Refresh tokens that must never appear outside the credential store. */
export async function collectSecrets(
	standIn?: StandIn,
	fake?: FaultyTokenEndpoint,
	extra: string[] = [],
): Promise<string[]> {
	const issued = [
		...(standIn ? await standIn.issuedRefreshTokens() : []),
		...(fake?.issuedRefreshTokens ?? []),
		...extra,
	];
	// Tokens shorter than this could match by accident; every real one is far longer.
	return issued.filter((token) => token.length >= 16);
}

/** Everything reachable from an error: message, description, stack, own fields, causes. */
export function describeError(error: unknown, depth = 0): string {
	if (error === null || typeof error !== 'object' || depth > 4) return String(error);
	const record = error as Record<string, unknown>;
	const parts = [String(record.message), String(record.description), String(record.stack)];
	try {
		parts.push(JSON.stringify(error));
	} catch {
		parts.push('[circular]');
	}
	if (record.cause) parts.push(describeError(record.cause, depth + 1));
	return parts.join('\n');
}

export interface Observed {
	errors?: unknown[];
	outputs?: unknown[];
	logs?: string[];
}

export function expectNoSecrets(secrets: string[], observed: Observed): void {
	expect(secrets.length).toBeGreaterThan(0);
	const haystacks = [
		...(observed.errors ?? []).map((error) => describeError(error)),
		...(observed.outputs ?? []).map((output) => JSON.stringify(output)),
		...(observed.logs ?? []),
	];
	const leaks = secrets.filter((secret) => haystacks.some((text) => text.includes(secret)));
	expect(leaks).toEqual([]);
}
