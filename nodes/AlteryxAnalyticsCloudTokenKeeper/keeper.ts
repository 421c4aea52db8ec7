import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	IPollFunctions,
} from 'n8n-workflow';

import {
	AacTokenError,
	FIELD,
	keeperDueAt,
	normalizeToken,
	readCredential,
	rejectionField,
	sharedCoordinator,
	tokenFingerprint,
	type AacErrorCode,
	type TokenSettings,
} from '../AlteryxAnalyticsCloud/core';
import { writeCredential } from '../AlteryxAnalyticsCloud/helpers/credentialWriter';
import { toNodeError } from '../AlteryxAnalyticsCloud/helpers/errors';
import { obtainAndSaveTokens } from '../AlteryxAnalyticsCloud/helpers/tokens';
import { CREDENTIAL_TYPE } from '../AlteryxAnalyticsCloud/helpers/n8nAdapter';

/*
 * The Token Keeper's poll. n8n runs a polling trigger's poll() in its main process (in queue mode
 * on the main instance, with several mains on the leader), and a poll that returns null starts no
 * execution: so the keeper refreshes without a worker slot and without an entry in the execution
 * list. Each poll reads the credential and refreshes only when the keeper's rule says it is due
 * (core keeperDueAt), through the same single flight and the same save as every other caller.
 *
 * A poll that throws is recorded by n8n as an error execution (and starts the Error Workflow), and
 * n8n polls on every minute regardless. So a failure is reported only when a person must act, and
 * then once a day at most:
 * - for good (AAC rejected the refresh token or the client, a rotation that could not be saved, a
 *   field that cannot work): reported, then again once a day while the credential is unchanged.
 *   A rejected refresh token is recorded in the credential (its fingerprint) and never sent again
 *   by any process; the daily reminder is recorded there too, so restarts do not repeat it.
 * - anything else (AAC busy or unreachable, an answer lost): quiet, retried at the next poll, for
 *   as long as the stored access token is valid; once it has expired (readers fail now), reported
 *   like the above.
 * The first poll after a person activated the workflow reports whatever it finds.
 */

const DAY_MS = 86_400_000;

/** Failures only a person can mend. */
const FOR_GOOD: ReadonlySet<AacErrorCode> = new Set([
	'REFRESH_TOKEN_REJECTED',
	'CLIENT_REJECTED',
	'ROTATION_NOT_SAVED',
	'INVALID_FIELD',
	'ISSUER_NOT_ALLOWED',
]);

/** Per keeper node (workflow and node id): what it last reported about which credential state, when. */
const lastReports = new Map<string, { state: string; at: number }>();
/** Poll contexts that have polled: n8n makes one per activation, so the first poll is the activation's. */
const polled = new WeakSet<object>();

export interface KeeperOptions {
	/** Automatic mode: refresh a refresh token that has not been used for this long. */
	idleMs: number;
}

export async function keepTokens(
	context: IPollFunctions,
	options: KeeperOptions,
): Promise<INodeExecutionData[][] | null> {
	const now = Date.now();
	const firstPoll = !polled.has(context);
	polled.add(context);
	const byPerson = firstPoll && ['activate', 'create'].includes(context.getActivationMode());
	const manual = context.getMode() === 'manual';
	const data = await context.getCredentials(CREDENTIAL_TYPE);
	// The credential's state as a person set it: a report is repeated within a day only after it changed.
	const state = await tokenFingerprint(
		JSON.stringify(
			[
				FIELD.refreshToken,
				FIELD.clientId,
				FIELD.issuer,
				FIELD.allowCustomIssuer,
				FIELD.apiBaseUrl,
			].map((field) => data[field] ?? null),
		),
	);
	const reporter = new Reporter(context, state, now, byPerson || manual);

	let settings: TokenSettings;
	try {
		settings = readCredential(data);
	} catch (error) {
		return reporter.report(error);
	}
	if (manual) return [[{ json: await describe(settings, now, options.idleMs) }]];

	try {
		await obtainAndSaveTokens(context, data, settings, 'keep', { keeperIdleMs: options.idleMs });
		reporter.clear();
		return null;
	} catch (error) {
		const code = error instanceof AacTokenError ? error.code : undefined;
		if (code === 'REFRESH_TOKEN_REJECTED')
			return await reporter.rejected(error as AacTokenError, data, settings);
		if (code !== undefined && FOR_GOOD.has(code)) return reporter.report(error);
		// Busy, unreachable, an answer lost, a save n8n refused: the next poll tries again. Worth a
		// person's attention only once it hurts: in Refresh Operation Only mode when the access token
		// has expired (readers fail now); in Automatic mode when the refresh token has gone unused
		// for twice the idle limit (the keeper has failed for a whole idle period).
		const newest = sharedCoordinator.newestKnown(settings.refreshToken) ?? settings;
		const lastUsed = newest.accessTokenIssuedAt;
		const hurts =
			settings.refreshMode === 'automatic'
				? lastUsed !== undefined && now - lastUsed >= 2 * options.idleMs
				: newest.accessTokenExpiresAt <= now;
		if (!hurts && !reporter.force) return null;
		const what =
			settings.refreshMode === 'automatic'
				? `the refresh token was last used at ${iso(lastUsed) ?? 'an unknown time'}`
				: `the access token ${newest.accessTokenExpiresAt <= now ? 'expired at' : 'is valid until'} ${iso(newest.accessTokenExpiresAt)}`;
		return reporter.report(error, `The Token Keeper could not refresh the tokens, and ${what}: `);
	}
}

/** Throws a failure as the poll's error when a person should hear of it now, else returns null. */
class Reporter {
	private readonly key: string;

	constructor(
		private readonly context: IPollFunctions,
		private readonly state: string,
		private readonly now: number,
		readonly force: boolean,
	) {
		this.key = `${context.getWorkflow().id ?? ''}:${context.getNode().id}`;
	}

	clear(): void {
		lastReports.delete(this.key);
	}

	/** Reported once per credential state, then again after a day (or at once, when forced). */
	report(error: unknown, prefix = ''): null {
		const last = lastReports.get(this.key);
		if (!this.force && last?.state === this.state && this.now - last.at < DAY_MS) return null;
		lastReports.set(this.key, { state: this.state, at: this.now });
		throw this.nodeError(
			error,
			prefix,
			'The Token Keeper tries again at every poll, and reports this again once a day while it lasts.',
		);
	}

	/**
	 * AAC rejected the refresh token (now, or before: the credential's record of it). Its family is
	 * dead. The record (fingerprint, when, when reported) keeps every process from sending it again
	 * and the reminder at one a day, across restarts.
	 */
	async rejected(
		error: AacTokenError,
		data: ICredentialDataDecryptedObject,
		settings: TokenSettings,
	): Promise<null> {
		const hash = await tokenFingerprint(settings.refreshToken);
		const known =
			settings.refreshTokenRejection?.hash === hash ? settings.refreshTokenRejection : undefined;
		const lastTold = known ? (known.reportedAt ?? known.at) : undefined;
		if (!this.force && lastTold !== undefined && this.now - lastTold < DAY_MS) return null;
		await this.record(data, settings, { hash, at: known?.at ?? this.now, reportedAt: this.now });
		throw this.nodeError(
			error,
			'',
			'The Token Keeper does not send this refresh token again, and reminds you once a day until the credential holds a new pair.',
		);
	}

	/** Writes the rejection record, unless a person has saved another refresh token meanwhile. */
	private async record(
		data: ICredentialDataDecryptedObject,
		settings: TokenSettings,
		rejection: { hash: string; at: number; reportedAt: number },
	): Promise<void> {
		try {
			const stored = await this.context.getCredentials(CREDENTIAL_TYPE);
			if (normalizeToken(stored[FIELD.refreshToken]) !== settings.refreshToken) return;
			await writeCredential(this.context, data, settings, {
				[FIELD.refreshTokenRejection]: rejectionField(rejection),
			});
		} catch {
			// Not recorded: the report still goes out, and this process refuses the token anyway.
		}
	}

	private nodeError(error: unknown, prefix: string, keeperNote: string) {
		const node = this.context.getNode();
		const base = toNodeError(node, error);
		base.message = `${prefix}${base.message}`;
		base.description = [base.description, keeperNote].filter(Boolean).join(' ');
		return base;
	}
}

function iso(epochMs: number | undefined): string | null {
	return epochMs === undefined || !Number.isFinite(epochMs)
		? null
		: new Date(epochMs).toISOString();
}

/** Fetch Test Event: what the keeper sees and would do, never a token. */
async function describe(
	settings: TokenSettings,
	now: number,
	idleMs: number,
): Promise<IDataObject> {
	const remembered = sharedCoordinator.newestKnown(settings.refreshToken);
	const newest = remembered ?? settings;
	const measured =
		remembered?.receivedAt !== undefined ||
		(newest.accessToken === settings.accessToken &&
			settings.accessTokenExpirySource === 'received');
	const dueAt = keeperDueAt({ ...newest, measured }, settings.refreshMode, idleMs);
	const rejection = settings.refreshTokenRejection;
	const rejected =
		rejection && rejection.hash === (await tokenFingerprint(settings.refreshToken))
			? rejection
			: undefined;
	return {
		refreshMode: settings.refreshMode,
		rule:
			settings.refreshMode === 'automatic'
				? `refresh when the refresh token has not been used for ${Math.round((idleMs / 3_600_000) * 100) / 100} hours`
				: "refresh when a third of the access token's lifetime is left",
		checkedAt: iso(now),
		refreshed: false,
		dueNow: !rejected && dueAt <= now,
		nextRefreshAt: rejected ? null : iso(Math.max(dueAt, now)),
		accessTokenExpiresAt: iso(newest.accessTokenExpiresAt),
		accessTokenExpiresIn: Math.max(0, Math.floor((newest.accessTokenExpiresAt - now) / 1000)),
		accessTokenExpiryMeasured: measured
			? 'on this clock when received'
			: "from the token's exp claim",
		refreshTokenLastUsedAt: iso(newest.accessTokenIssuedAt),
		lastRotatedAt: settings.lastRotatedAt ?? null,
		refreshTokenRejectedAt: rejected ? iso(rejected.at) : null,
		note: 'Fetch Test Event only looks; the active workflow refreshes at its polls. (The editor may run this on another n8n process than the active keeper, and two writers would make AAC revoke the token family.)',
	};
}
