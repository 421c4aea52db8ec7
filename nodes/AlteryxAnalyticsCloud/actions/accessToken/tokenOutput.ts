import type { IDataObject } from 'n8n-workflow';

import type { ObtainResult, TokenSettings } from '../../core';

export function iso(epochMs: number | undefined): string | null {
	return epochMs === undefined ? null : new Date(epochMs).toISOString();
}

export function secondsLeft(epochMs: number): number {
	return Math.max(0, Math.floor((epochMs - Date.now()) / 1000));
}

/** Get and Refresh output: what downstream nodes need, never the refresh token. */
export function tokenOutput(result: ObtainResult, settings: TokenSettings): IDataObject {
	return {
		accessToken: result.accessToken,
		tokenType: 'Bearer',
		authorization: `Bearer ${result.accessToken}`,
		expiresAt: iso(result.accessTokenExpiresAt),
		expiresIn: secondsLeft(result.accessTokenExpiresAt),
		refreshed: result.refreshed,
		clientId: settings.clientId,
		issuer: settings.issuer,
		apiBaseUrl: settings.apiBaseUrl,
		// A due refresh failed without spending the refresh token; the still-valid token was used.
		...(result.refreshDeferred
			? {
					refreshWarning: `${result.refreshDeferred.message} The access token is still valid until ${iso(result.accessTokenExpiresAt)}, so it was handed out; a later run refreshes.`,
				}
			: {}),
	};
}
