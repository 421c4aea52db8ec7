// Types of the core entry (index.js, and index.mjs through index.d.mts).
import type {
	ObtainResult,
	RefreshCoordinator,
	TokenTransport,
} from './dist/nodes/AlteryxAnalyticsCloud/core';

export * from './dist/nodes/AlteryxAnalyticsCloud/core';

export interface RefreshClientOptions {
	/** Defaults to the process-wide `sharedCoordinator` (one rotation memory for the process). */
	coordinator?: RefreshCoordinator;
	/** How token requests are sent; defaults to `createFetchTransport(options.fetch)`. */
	transport?: TokenTransport;
	/** The fetch the default transport uses; defaults to the global `fetch`. */
	fetch?: typeof fetch;
	/** Back-off between retries; defaults to the web-standard `sleep` of the core. */
	sleep?: (ms: number) => Promise<void>;
	/** Clock in epoch milliseconds; defaults to `Date.now`. */
	now?: () => number;
}

export interface RefreshClient {
	/**
	 * A valid pair for `credential` (`{ accessToken, refreshToken }` and optionally the other
	 * credential fields: `clientId`, `issuer`, `allowCustomIssuer`, `refreshMarginSeconds`, ...),
	 * refreshing when due, or now with `force`. When `changed` is true, store the fields of the
	 * result's `update` over what you keep (the new pair, and what the next call needs to read it:
	 * its measured expiry, a learnt client ID or issuer) before anything else uses the old pair.
	 */
	getAccessToken(
		credential: Record<string, unknown>,
		options?: { force?: boolean },
	): Promise<ObtainResult>;
}

export declare function createRefreshClient(options?: RefreshClientOptions): RefreshClient;
