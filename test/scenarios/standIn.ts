/**
 * The shared scenarios' handle on an AAC stand-in (standin/: real oidc-provider OAuth, our
 * hand-written fake of AAC's v4 API), over its /__admin HTTP routes only, so the same code drives
 * it from jest (the stand-in in a worker thread, test/helpers/standin.js) and from Deno (the
 * stand-in in the Node process that started Deno, test/deno/scenarios.test.mjs).
 */
import type { StandInOptions, TokenPair, StandInStats } from '../helpers/standin';
import { standInApi, type StandInApi } from '../helpers/standinApi';

export type { StandInOptions, TokenPair, StandInStats };

/** Where a running stand-in answers (what test/helpers/standin.js and standin/ report). */
export interface StandInInfo {
	issuer: string;
	clientId: string;
	origin: string;
	apiBaseUrl: string;
	adminUrl: string;
}

/** A stand-in the runner started for a scenario; stop() fails when a request broke AAC's contract. */
export interface RunningStandIn extends StandInInfo {
	stop(): Promise<void>;
}

/** Starts a stand-in with a scenario's options: each runner has its own way. */
export type StartStandIn = (options: StandInOptions) => Promise<RunningStandIn>;

export interface StandInHandle extends StandInInfo {
	mint(options?: {
		accessTokenTtlSeconds?: number;
		accessTokenExpired?: boolean;
	}): Promise<TokenPair>;
	/** Token requests, refresh grants, reuse detections, API requests (the OAuth side's counts). */
	stats(): Promise<StandInStats>;
	resetStats(): Promise<void>;
	familyAlive(refreshToken: string): Promise<boolean>;
	/** The v4 API's controls and counters (test/helpers/standinApi.js). */
	api: StandInApi;
}

export function attachStandIn(info: StandInInfo): StandInHandle {
	async function admin(method: string, route: string, body?: unknown) {
		const response = await fetch(`${info.adminUrl}/${route}`, {
			method,
			headers: body === undefined ? undefined : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = (await response.json()) as Record<string, unknown>;
		if (!response.ok)
			throw new Error(`stand-in admin ${route}: ${response.status} ${JSON.stringify(json)}`);
		return json;
	}
	return {
		issuer: info.issuer,
		clientId: info.clientId,
		origin: info.origin,
		apiBaseUrl: info.apiBaseUrl,
		adminUrl: info.adminUrl,
		mint: async (options = {}) => (await admin('POST', 'mint', options)) as unknown as TokenPair,
		stats: async () => (await admin('GET', 'stats')) as unknown as StandInStats,
		resetStats: async () => {
			await admin('POST', 'reset-stats', {});
		},
		familyAlive: async (refreshToken) =>
			(await admin('POST', 'family-alive', { refreshToken })).alive === true,
		api: standInApi(info as Parameters<typeof standInApi>[0]),
	};
}
