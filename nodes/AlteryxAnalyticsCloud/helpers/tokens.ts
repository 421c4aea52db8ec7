import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import {
	AacTokenError,
	refreshIntent,
	sharedCoordinator,
	type ObtainOptions,
	type ObtainResult,
	type TokenSettings,
} from '../core';
import {
	REFRESH_STARTED_FIELD,
	accessTokenRejected,
	accessTokenRejectedError,
	credentialUpdate,
	explainRejection,
	n8nRefreshDependencies,
} from './n8nAdapter';
import {
	savedRefreshTokenIsNewest,
	writeCredential,
	type AacNodeContext,
} from './credentialWriter';
import { toNodeError } from './errors';

/**
 * Obtains a valid pair and saves it when it changed: the Access Token operations (Get: 'use',
 * Refresh: 'rotate'), the API transport after a 401 ('rotate') and the Token Keeper ('keep', with
 * its idle limit in `keeperIdleMs`).
 *
 * Get hands the token to other nodes without using it: when its expiry comes only from its `exp`
 * claim (a pasted pair, judged on AAC's clock), AAC is asked once whether it accepts the token, and
 * a rejected one is refreshed like after any 401 (or, in Refresh Operation Only mode, reported).
 *
 * Before sending a refresh, the node records in the credential that one is under way
 * (refreshStartedAt); saving the new pair clears it. Should n8n die in between (AAC rotated, the
 * new pair lost), the next run finds the record and can tell the user what happened instead of a
 * bare "invalid_grant". In Refresh Operation Only mode 'use' only reads: it never writes (only
 * Refresh does).
 */
export async function obtainAndSave(
	context: AacNodeContext,
	data: ICredentialDataDecryptedObject,
	settings: TokenSettings,
	operation: 'use' | 'rotate' | 'keep',
	options: { keeperIdleMs?: number } = {},
): Promise<ObtainResult> {
	try {
		return await obtainAndSaveTokens(context, data, settings, operation, options);
	} catch (error) {
		throw toNodeError(context.getNode(), error);
	}
}

/**
 * obtainAndSave without turning failures into node errors: the core's AacTokenError (its code says
 * what happened: the Token Keeper decides from it whether to tell anyone) or n8n's own error.
 */
export async function obtainAndSaveTokens(
	context: AacNodeContext,
	data: ICredentialDataDecryptedObject,
	settings: TokenSettings,
	operation: 'use' | 'rotate' | 'keep',
	options: { keeperIdleMs?: number } = {},
): Promise<ObtainResult> {
	const intent = refreshIntent(settings, operation);
	const startedRecord = data[REFRESH_STARTED_FIELD];
	let markedAsStarted = false;
	// The record as it was before this run, for when this run's refresh surely did not happen.
	const restoreRecord = () =>
		writeCredential(context, data, settings, {
			[REFRESH_STARTED_FIELD]: typeof startedRecord === 'string' ? startedRecord : '',
		}).catch(() => undefined);
	const deps = n8nRefreshDependencies(context.helpers.httpRequest);
	const obtain = (extra: Partial<ObtainOptions> = {}) =>
		sharedCoordinator.obtain(settings, deps, {
			intent,
			keeperIdleMs: options.keeperIdleMs,
			beforeTokenRequest: async () => {
				await writeCredential(context, data, settings, {
					[REFRESH_STARTED_FIELD]: new Date().toISOString(),
				});
				markedAsStarted = true;
			},
			...extra,
		});
	try {
		let result = await obtain();
		if (
			operation === 'use' &&
			!result.refreshed &&
			result.accessToken === settings.accessToken &&
			settings.accessTokenExpirySource === 'claims' &&
			(await accessTokenRejected(context.helpers.httpRequest, settings, result.accessToken))
		) {
			if (intent === 'read') throw accessTokenRejectedError(settings);
			result = await obtain({ intent: 'rotate', rejectedAccessToken: result.accessToken });
		}
		if (result.changed && intent !== 'read') {
			await writeCredential(context, data, settings, credentialUpdate(result));
			// The stored pair may be newer still (another run rotated meanwhile); it must be the newest.
			if (!(await savedRefreshTokenIsNewest(context, settings))) {
				throw new AacTokenError(
					'ROTATION_NOT_SAVED',
					'The rotated tokens could not be saved into the credential',
					'n8n did not store the new refresh token. If the Access Token or Refresh Token field holds an expression, replace it with the plain token: n8n cannot write into expressions. This n8n process keeps the new pair in memory until it restarts, so running the workflow again retries the save.',
					// AAC rotated: the stored refresh token is spent.
					{ refreshTokenMaybeSpent: true },
				);
			}
		} else if (markedAsStarted) {
			await restoreRecord(); // the refresh was deferred: AAC surely did not rotate
		}
		return result;
	} catch (error) {
		// AAC surely did not rotate (nothing sent, or an error answer): the stored pair is still
		// good, so the record goes. It stays when the token may have been spent.
		if (markedAsStarted && error instanceof AacTokenError && !error.refreshTokenMaybeSpent)
			await restoreRecord();
		throw explainRejection(error, startedRecord);
	}
}
