import { AacTokenError, rejectedBefore, rotationNotSaved, type AacErrorCode } from './errors';
import { tokenFingerprint } from './jwt';
import { KEEPER_REMEDY, isDue, keeperDueAt, type RefreshIntent } from './dueRules';
import { fieldsToStore, type TokenSettings } from './settings';
import { requestNewTokens, type RefreshDependencies } from './tokenRequest';
import type { TokenSet } from './tokenResponse';

export interface ObtainOptions {
	intent: RefreshIntent;
	/**
	 * The access token AAC just rejected (401) although it looked valid. The call rotates only when
	 * that token is still the newest this process knows; when another caller replaced it meanwhile,
	 * it gets that newer pair. So every caller that saw the same token rejected shares one refresh.
	 */
	rejectedAccessToken?: string;
	/** For intent 'keep' in Automatic mode: how long the refresh token may stay unused. */
	keeperIdleMs?: number;
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
	/** The fields to store when `changed` (see settings.fieldsToStore); empty otherwise. */
	update: Record<string, string>;
	/**
	 * Set when a due refresh failed in a way that surely did not spend the refresh token while the
	 * access token was still valid: that token is handed out instead, and this says why.
	 */
	refreshDeferred?: AacTokenError;
}

/** Everything this process has learnt about one token family. */
interface Family {
	newest: TokenSet;
	/**
	 * Set when the newest refresh token failed; until `retryAfter` (monotonic clock) the same error
	 * is returned.
	 */
	failure?: { refreshToken: string; error: AacTokenError; retryAfter: number };
}

/** What this process remembers about one refresh token. */
interface Remembered {
	family: Family;
	/** When this refresh token was rotated away: it is spent from then on. */
	spent?: {
		/** Wall clock, for messages. */
		at: number;
		/** Monotonic clock, for the save window. */
		since: number;
	};
}

/** The longest retry wait inside one Token Keeper poll (429/503 with Retry-After, unsent requests). */
const KEEPER_MAX_WAIT_MS = 20_000;

/** Errors after which sending the same refresh token again can never help. */
const TERMINAL: ReadonlySet<AacErrorCode> = new Set(['REFRESH_TOKEN_REJECTED', 'CLIENT_REJECTED']);

/**
 * The refresh policy: when to refresh, and how one process avoids ever sending a refresh token
 * twice.
 *
 * - Due: the access token expires within the margin (or the caller rotates on purpose).
 * - Single flight: one token request per refresh token; concurrent callers await its result.
 * - Rotation memory: a caller holding a refresh token that was already rotated (it read the
 *   credential just before the new pair was saved) gets the newest pair, not a second refresh.
 *   The same refresh token arriving more than `saveGraceMs` after its rotation means the save
 *   never landed: an error, not a silent answer from memory that would end with the next restart.
 * - Spent, whatever the memory: every rotation stores the fingerprint of the refresh token it
 *   spent with the new pair; a refresh token with that fingerprint is never sent (after a restart,
 *   or once the memory has let it go, a field n8n does not overwrite still gives it back).
 * - Failure memory: a rejected refresh token is never sent again (n8n calls preAuthentication a
 *   second time after any error); other failures are answered from memory for a short cooldown.
 * - Still valid: when a due refresh fails without spending the refresh token (never sent, 429,
 *   503) the access token that is still valid is handed out, and no retry waits past its expiry.
 * The memory is an LRU bounded by `maxRememberedTokens` refresh tokens. Its durations (the
 * cooldown, the save window) run on a monotonic clock: a wall clock stepped back an hour must not
 * answer a failure from memory for an hour, nor one stepped forward take a save in flight for one
 * that never landed. Expiries are instants and stay on the wall clock (`deps.now`).
 */
export class RefreshCoordinator {
	private readonly tokens = new Map<string, Remembered>();
	private readonly inFlight = new Map<string, Promise<TokenSet>>();

	constructor(
		private readonly maxRememberedTokens = 1000,
		private readonly failureCooldownMs = 10_000,
		/** How long after a rotation a caller may still present the old refresh token (a save in flight). */
		public saveGraceMs = 30_000,
		/** Milliseconds that only ever go forward (web-standard, also in Deno and plain Node). */
		private readonly monotonic: () => number = () => performance.now(),
	) {}

	/**
	 * The hot path, synchronous: true when the caller's pair is the newest this process knows and
	 * not due, so there is nothing to do (what preAuthentication finds before almost every request).
	 */
	isCurrent(settings: TokenSettings, now = Date.now()): boolean {
		const newest = this.tokens.get(settings.refreshToken)?.family.newest;
		if (
			newest &&
			(newest.refreshToken !== settings.refreshToken || newest.accessToken !== settings.accessToken)
		)
			return false;
		return !isDue(newest ?? settings, settings.refreshMarginMs, now);
	}

	async obtain(
		settings: TokenSettings,
		deps: RefreshDependencies,
		options: ObtainOptions,
	): Promise<ObtainResult> {
		const clock = deps.now ?? Date.now;
		const now = clock();
		const remembered = this.tokens.get(settings.refreshToken);
		if (remembered?.spent && this.monotonic() - remembered.spent.since > this.saveGraceMs)
			throw rotationNotSaved(remembered.spent.at);
		const family = remembered?.family;
		const newest: TokenSet = family?.newest ?? {
			accessToken: settings.accessToken,
			refreshToken: settings.refreshToken,
			accessTokenExpiresAt: settings.accessTokenExpiresAt,
			accessTokenIssuedAt: settings.accessTokenIssuedAt,
		};
		const held = (set: TokenSet, refreshed: boolean): ObtainResult => {
			const changed =
				set.accessToken !== settings.accessToken || set.refreshToken !== settings.refreshToken;
			const update = changed
				? fieldsToStore({ ...set, receivedAt: set.receivedAt ?? now }, settings)
				: {};
			return { ...set, refreshed, changed, update };
		};

		if (options.rejectedAccessToken !== undefined) {
			if (newest.accessToken !== options.rejectedAccessToken) return held(newest, false);
		} else if (options.intent === 'keep') {
			const measured =
				newest.receivedAt !== undefined ||
				(newest.accessToken === settings.accessToken &&
					settings.accessTokenExpirySource === 'received');
			const dueAt = keeperDueAt(
				{ ...newest, measured },
				settings.refreshMode,
				options.keeperIdleMs,
			);
			if (dueAt > now) return held(newest, false);
		} else if (options.intent !== 'rotate' && !isDue(newest, settings.refreshMarginMs, now))
			return held(newest, false);
		if (options.intent === 'read') {
			if (newest.accessTokenExpiresAt > now) return held(newest, false);
			throw new AacTokenError(
				'ACCESS_TOKEN_EXPIRED',
				`The access token expired at ${new Date(newest.accessTokenExpiresAt).toISOString()} and this credential is in "Refresh Operation Only" mode, so requests never refresh it.`,
				KEEPER_REMEDY,
			);
		}
		const stillValid = options.intent === 'refreshIfDue' && newest.accessTokenExpiresAt > now;
		const outcome = await this.refreshOnce(newest, family, settings, deps, now, {
			// The keeper polls again within a minute: no retry wait longer than a few seconds.
			waitUntil: stillValid
				? newest.accessTokenExpiresAt
				: options.intent === 'keep'
					? now + KEEPER_MAX_WAIT_MS
					: undefined,
			beforeTokenRequest: options.beforeTokenRequest,
		}).then(
			(next) => ({ next }),
			(error: unknown) => ({ error }),
		);
		if ('next' in outcome) return held(outcome.next, true);
		const { error } = outcome;
		if (
			stillValid &&
			error instanceof AacTokenError &&
			error.transient &&
			newest.accessTokenExpiresAt > clock()
		) {
			return { ...held(newest, false), refreshDeferred: error };
		}
		throw error;
	}

	/** The newest pair this process knows in the family of `refreshToken`, if any. */
	newestKnown(refreshToken: string): TokenSet | undefined {
		return this.tokens.get(refreshToken)?.family.newest;
	}

	/** Forgets everything (tests and benchmarks). */
	clear(): void {
		this.tokens.clear();
	}

	/** Number of refresh tokens remembered: bounded by maxRememberedTokens. */
	get size(): number {
		return this.tokens.size;
	}

	private refreshOnce(
		current: TokenSet,
		family: Family | undefined,
		settings: TokenSettings,
		deps: RefreshDependencies,
		now: number,
		options: { waitUntil?: number; beforeTokenRequest?: () => Promise<void> },
	): Promise<TokenSet> {
		const spent = current.refreshToken;
		const running = this.inFlight.get(spent);
		if (running) return running;

		const failure = family?.failure;
		if (
			failure &&
			failure.refreshToken === spent &&
			(TERMINAL.has(failure.error.code) || this.monotonic() < failure.retryAfter)
		) {
			return Promise.reject(failure.error);
		}

		const target: Family = family ?? { newest: current };
		const notSpent = async () => {
			const { spentRefreshTokenHash, refreshTokenRejection } = settings;
			if (!spentRefreshTokenHash && !refreshTokenRejection) return;
			const hash = await tokenFingerprint(spent);
			if (hash === spentRefreshTokenHash) {
				const rotatedAt = settings.lastRotatedAt ? Date.parse(settings.lastRotatedAt) : NaN;
				throw rotationNotSaved(Number.isFinite(rotatedAt) ? rotatedAt : undefined);
			}
			if (hash === refreshTokenRejection?.hash) throw rejectedBefore(refreshTokenRejection.at);
		};
		const send = () =>
			requestNewTokens(
				{ ...settings, accessToken: current.accessToken, refreshToken: spent },
				deps,
				{ waitUntil: options.waitUntil },
			);
		const flight = notSpent()
			.then(() => options.beforeTokenRequest?.())
			.then(send)
			.then(async (received) => {
				const next: TokenSet =
					received.refreshToken === spent
						? received
						: { ...received, spentRefreshTokenHash: await tokenFingerprint(spent) };
				target.newest = next;
				target.failure = undefined;
				const rotated = next.refreshToken !== spent;
				this.remember(spent, {
					family: target,
					spent: rotated ? { at: next.receivedAt ?? now, since: this.monotonic() } : undefined,
				});
				if (rotated) this.remember(next.refreshToken, { family: target });
				return next;
			})
			.catch((error: unknown) => {
				if (error instanceof AacTokenError) {
					target.failure = {
						refreshToken: spent,
						error,
						retryAfter: this.monotonic() + this.failureCooldownMs,
					};
					this.remember(spent, { family: target, spent: this.tokens.get(spent)?.spent });
				}
				throw error;
			});
		this.inFlight.set(spent, flight);
		// Deleting in both outcomes; the catch only keeps this bookkeeping chain from being unhandled.
		flight.then(
			() => this.inFlight.delete(spent),
			() => this.inFlight.delete(spent),
		);
		return flight;
	}

	private remember(refreshToken: string, entry: Remembered): void {
		this.tokens.delete(refreshToken);
		this.tokens.set(refreshToken, entry);
		while (this.tokens.size > this.maxRememberedTokens) {
			const oldest = this.tokens.keys().next().value as string;
			this.tokens.delete(oldest);
		}
	}
}

/** The one coordinator of this process, shared by the credential and the node. */
export const sharedCoordinator = new RefreshCoordinator();
