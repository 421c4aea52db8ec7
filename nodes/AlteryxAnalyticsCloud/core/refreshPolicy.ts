import { AacTokenError, type AacErrorCode } from './errors';
import type { TokenSettings } from './settings';
import { requestNewTokens, type RefreshDependencies, type TokenSet } from './tokenEndpoint';

export interface ObtainOptions {
	/** Rotate even when the access token is still fresh (the node's Refresh operation). */
	force?: boolean;
	/** False for readers in refresh-operation-only mode: they never spend the refresh token. */
	allowRefresh: boolean;
	/**
	 * Runs just before this call sends a token request (not when it joins another call's request
	 * or is answered from memory); if it fails, nothing is sent. The node records there that a
	 * refresh is under way, so a crash before the new pair is saved can be explained later.
	 */
	beforeTokenRequest?: () => Promise<void>;
}

export interface ObtainResult extends TokenSet {
	/** A token request was made for this call (by it, or by the call it waited for). */
	refreshed: boolean;
	/** The pair differs from the one the caller holds, so the caller's credential must be saved. */
	changed: boolean;
}

/** Everything this process has learnt about one token family. */
interface Family {
	newest: TokenSet;
	/** Set when the newest refresh token failed; until `retryAfter` the same error is returned. */
	failure?: { refreshToken: string; error: AacTokenError; retryAfter: number };
}

/**
 * The configured margin, but never more than half the token's lifetime: a margin as long as the
 * lifetime would make every fresh token due at once and refresh on every call.
 */
function effectiveMargin(set: Pick<TokenSet, 'accessTokenExpiresAt' | 'accessTokenIssuedAt'>, marginMs: number): number {
	if (set.accessTokenIssuedAt === undefined) return marginMs;
	const lifetime = set.accessTokenExpiresAt - set.accessTokenIssuedAt;
	return lifetime > 0 ? Math.min(marginMs, lifetime / 2) : marginMs;
}

/** Due: the access token expires within the (effective) margin. */
function isDue(set: Pick<TokenSet, 'accessTokenExpiresAt' | 'accessTokenIssuedAt'>, marginMs: number, now: number): boolean {
	return set.accessTokenExpiresAt - effectiveMargin(set, marginMs) <= now;
}

/** Errors after which sending the same refresh token again can never help. */
const TERMINAL: ReadonlySet<AacErrorCode> = new Set(['REFRESH_TOKEN_REJECTED', 'CLIENT_REJECTED']);

/**
 * The refresh policy: when to refresh, and how one process avoids ever sending a refresh token
 * twice.
 *
 * - Due: the access token expires within the margin (or the caller forces a rotation).
 * - Single flight: one token request per refresh token; concurrent callers await its result.
 * - Rotation memory: a caller holding a refresh token that was already rotated (it read the
 *   credential before the new pair was saved) gets the newest pair, not a second refresh.
 * - Failure memory: a rejected refresh token is never sent again (n8n calls preAuthentication a
 *   second time after any error); other failures are answered from memory for a short cooldown.
 * The memory is an LRU bounded by `maxRememberedTokens` refresh tokens.
 */
export class RefreshCoordinator {
	private readonly families = new Map<string, Family>();
	private readonly inFlight = new Map<string, Promise<TokenSet>>();

	constructor(
		private readonly maxRememberedTokens = 1000,
		private readonly failureCooldownMs = 10_000,
	) {}

	/**
	 * The hot path, synchronous: true when the caller's pair is the newest this process knows and
	 * not due, so there is nothing to do (what preAuthentication finds before almost every request).
	 */
	isCurrent(settings: TokenSettings, now = Date.now()): boolean {
		const newest = this.families.get(settings.refreshToken)?.newest;
		if (newest && (newest.refreshToken !== settings.refreshToken || newest.accessToken !== settings.accessToken)) return false;
		return !isDue(newest ?? settings, settings.refreshMarginMs, now);
	}

	async obtain(settings: TokenSettings, deps: RefreshDependencies, options: ObtainOptions): Promise<ObtainResult> {
		const now = (deps.now ?? Date.now)();
		const family = this.families.get(settings.refreshToken);
		const newest: TokenSet = family?.newest ?? {
			accessToken: settings.accessToken,
			refreshToken: settings.refreshToken,
			accessTokenExpiresAt: settings.accessTokenExpiresAt,
			accessTokenIssuedAt: settings.accessTokenIssuedAt,
		};
		const held = (set: TokenSet, refreshed: boolean): ObtainResult => ({
			...set,
			refreshed,
			changed: set.accessToken !== settings.accessToken || set.refreshToken !== settings.refreshToken,
		});

		const due = options.force === true || isDue(newest, settings.refreshMarginMs, now);
		if (!due) return held(newest, false);
		if (!options.allowRefresh) {
			if (newest.accessTokenExpiresAt > now) return held(newest, false);
			throw new AacTokenError(
				'ACCESS_TOKEN_EXPIRED',
				`The access token expired at ${new Date(newest.accessTokenExpiresAt).toISOString()} and this credential is in "Refresh Operation Only" mode, so requests never refresh it.`,
				'Activate the keep-alive workflow (Schedule Trigger → Alteryx Analytics Cloud: Refresh) and run it more often than the access token lives (about every 2/3 of its lifetime), or switch the credential\'s Refresh Mode to Automatic if only one n8n process uses it.',
			);
		}
		return held(await this.refreshOnce(newest, family, settings, deps, now, options.beforeTokenRequest), true);
	}

	/** The newest pair this process knows in the family of `refreshToken`, if any. */
	newestKnown(refreshToken: string): TokenSet | undefined {
		return this.families.get(refreshToken)?.newest;
	}

	/** Forgets everything (tests and benchmarks). */
	clear(): void {
		this.families.clear();
	}

	/** Number of refresh tokens remembered: bounded by maxRememberedTokens. */
	get size(): number {
		return this.families.size;
	}

	private refreshOnce(
		current: TokenSet,
		family: Family | undefined,
		settings: TokenSettings,
		deps: RefreshDependencies,
		now: number,
		beforeTokenRequest?: () => Promise<void>,
	): Promise<TokenSet> {
		const spent = current.refreshToken;
		const running = this.inFlight.get(spent);
		if (running) return running;

		const failure = family?.failure;
		if (failure && failure.refreshToken === spent && (TERMINAL.has(failure.error.code) || now < failure.retryAfter)) {
			return Promise.reject(failure.error);
		}

		const target: Family = family ?? { newest: current };
		const send = () => requestNewTokens({ ...settings, accessToken: current.accessToken, refreshToken: spent }, deps);
		const flight = (beforeTokenRequest ? beforeTokenRequest().then(send) : send()).then(
			(next) => {
				target.newest = next;
				target.failure = undefined;
				this.remember(spent, target);
				this.remember(next.refreshToken, target);
				return next;
			},
			(error: unknown) => {
				if (error instanceof AacTokenError) {
					target.failure = { refreshToken: spent, error, retryAfter: (deps.now ?? Date.now)() + this.failureCooldownMs };
					this.remember(spent, target);
				}
				throw error;
			},
		);
		this.inFlight.set(spent, flight);
		// Deleting in both outcomes; the catch only keeps this bookkeeping chain from being unhandled.
		flight.then(
			() => this.inFlight.delete(spent),
			() => this.inFlight.delete(spent),
		);
		return flight;
	}

	private remember(refreshToken: string, family: Family): void {
		this.families.delete(refreshToken);
		this.families.set(refreshToken, family);
		while (this.families.size > this.maxRememberedTokens) {
			const oldest = this.families.keys().next().value as string;
			this.families.delete(oldest);
		}
	}
}

/** The one coordinator of this process, shared by the credential and the node. */
export const sharedCoordinator = new RefreshCoordinator();
