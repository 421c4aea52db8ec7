import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { readCredential, readRefreshTokenExpiry } from '../../core';
import { CREDENTIAL_TYPE, REFRESH_STARTED_FIELD } from '../../helpers/n8nAdapter';
import { iso, secondsLeft } from './tokenOutput';

export const description: INodeProperties[] = [];

/** What is known about the stored tokens, without any secret or request. */
export async function execute(this: IExecuteFunctions): Promise<IDataObject> {
	const data = await this.getCredentials(CREDENTIAL_TYPE);
	const settings = readCredential(data);
	const refreshTokenExpiresAt = readRefreshTokenExpiry(settings.refreshToken);
	return {
		clientId: settings.clientId,
		clientIdSource: settings.clientIdSource,
		issuer: settings.issuer,
		issuerSource: settings.issuerSource,
		issuerPolicy: settings.isAacIdentityHost
			? 'AAC identity host'
			: 'custom issuer (allowed by the credential)',
		tokenEndpoint: settings.tokenEndpoint,
		apiBaseUrl: settings.apiBaseUrl,
		accessTokenExpiresAt: iso(settings.accessTokenExpiresAt),
		accessTokenExpiresIn: secondsLeft(settings.accessTokenExpiresAt),
		accessTokenExpired: settings.accessTokenExpiresAt <= Date.now(),
		accessTokenExpiryMeasured:
			settings.accessTokenExpirySource === 'received'
				? 'on this clock when received'
				: "from the token's exp claim",
		clockBehindSeconds:
			settings.clockBehindMs === undefined ? null : Math.round(settings.clockBehindMs / 1000),
		refreshTokenFormat:
			refreshTokenExpiresAt === undefined ? 'opaque (expiry not readable)' : 'JWT',
		refreshTokenExpiresAt: iso(refreshTokenExpiresAt),
		lastRotatedAt: settings.lastRotatedAt ?? null,
		// Set only while a refresh's outcome is unknown (see helpers/tokens.ts). Read from the data
		// itself: readCredential's settings are shared while the token fields are the same, and
		// this record is not one of them.
		unsavedRefreshStartedAt:
			typeof data[REFRESH_STARTED_FIELD] === 'string' && data[REFRESH_STARTED_FIELD]
				? data[REFRESH_STARTED_FIELD]
				: null,
		refreshMode: settings.refreshMode,
		refreshMarginSeconds: settings.refreshMarginMs / 1000,
	};
}
