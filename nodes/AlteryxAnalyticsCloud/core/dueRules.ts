import type { TokenSettings } from './settings';
import type { TokenSet } from './tokenResponse';

/*
 * When a refresh is due: what a caller wants (its intent), the margin before expiry, and the
 * Token Keeper's rule. The refresh policy (refreshPolicy.ts) acts on these; nothing here sends.
 */

/**
 * What a caller wants from the credential:
 * - read: use the stored pair, never spend the refresh token (readers in Refresh Operation Only mode);
 * - refreshIfDue: refresh when the access token expires within the margin (Automatic mode);
 * - rotate: refresh now, even when the access token is fresh (the node's Refresh operation);
 * - keep: refresh when the Token Keeper's rule says so (keeperDue), in either mode.
 */
export type RefreshIntent = 'read' | 'refreshIfDue' | 'rotate' | 'keep';

/** The one place that derives the intent: from the credential's mode and what the caller does. */
export function refreshIntent(
	settings: TokenSettings,
	operation: 'use' | 'rotate' | 'keep',
): RefreshIntent {
	if (operation === 'rotate' || operation === 'keep') return operation;
	return settings.refreshMode === 'automatic' ? 'refreshIfDue' : 'read';
}

/** The Token Keeper's default in Automatic mode: refresh a refresh token nobody used for a day. */
export const DEFAULT_KEEPER_IDLE_MS = 24 * 3_600_000;

/** What the Token Keeper's rule looks at: the newest pair's access token and how it was judged. */
export interface KeeperView {
	accessTokenExpiresAt: number;
	/** When AAC issued the access token (and last used the refresh token), when known. */
	accessTokenIssuedAt?: number;
	/** True when this package received the token and measured its lifetime on the local clock. */
	measured: boolean;
}

/**
 * When the Token Keeper refreshes next (epoch ms; at or before `now` means now):
 * - Refresh Operation Only (the keeper is the one writer; readers never refresh): when a third of
 *   the access token's lifetime is left, so a poll every minute refreshes a 5-minute token between
 *   100 and 40 s before it expires, one refresh per lifetime. A pair whose lifetime is unknown, or
 *   judged only by its `exp` claim on AAC's clock (a pasted pair), is refreshed at once: from then
 *   on n8n measures it itself and no clock skew can fool the readers.
 * - Automatic (whoever uses the credential refreshes it): when the refresh token has not been used
 *   for `idleMs` (a day by default), so an unused refresh token never reaches the end of its idle
 *   lifetime. Its last use is when the stored access token was issued.
 */
export function keeperDueAt(
	view: KeeperView,
	refreshMode: TokenSettings['refreshMode'],
	idleMs = DEFAULT_KEEPER_IDLE_MS,
): number {
	const issuedAt = view.accessTokenIssuedAt;
	if (issuedAt === undefined) return -Infinity;
	if (refreshMode === 'automatic') return issuedAt + idleMs;
	const lifetime = view.accessTokenExpiresAt - issuedAt;
	if (!view.measured || !(lifetime > 0)) return -Infinity;
	return view.accessTokenExpiresAt - lifetime / 3;
}

/**
 * The configured margin, but never more than half the token's lifetime: a margin as long as the
 * lifetime would make every fresh token due at once and refresh on every call.
 */
function effectiveMargin(
	set: Pick<TokenSet, 'accessTokenExpiresAt' | 'accessTokenIssuedAt'>,
	marginMs: number,
): number {
	if (set.accessTokenIssuedAt === undefined) return marginMs;
	const lifetime = set.accessTokenExpiresAt - set.accessTokenIssuedAt;
	return lifetime > 0 ? Math.min(marginMs, lifetime / 2) : marginMs;
}

/** Due: the access token expires within the (effective) margin. */
export function isDue(
	set: Pick<TokenSet, 'accessTokenExpiresAt' | 'accessTokenIssuedAt'>,
	marginMs: number,
	now: number,
): boolean {
	return set.accessTokenExpiresAt - effectiveMargin(set, marginMs) <= now;
}

/** What to do when readers find the access token expired in Refresh Operation Only mode. */
export const KEEPER_REMEDY =
	'Activate an "Alteryx Analytics Cloud Token Keeper" trigger for this credential: it refreshes in n8n\'s main process when a third of the access token\'s lifetime is left and starts no executions. (Or the keep-alive workflow, Schedule Trigger → Alteryx Analytics Cloud: Refresh, run more often than the access token lives; never both.) In Automatic mode, when only one n8n process uses the credential, requests refresh it themselves.';
