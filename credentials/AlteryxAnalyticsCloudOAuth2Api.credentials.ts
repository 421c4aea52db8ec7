import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import {
	DEFAULT_REFRESH_MARGIN_SECONDS,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	FIELD,
	normalizeToken,
	readCredential,
	refreshIntent,
	sharedCoordinator,
} from '../nodes/AlteryxAnalyticsCloud/core';
import {
	PersistOnlyStop,
	fieldsToWrite,
	isPersistOnlyRequest,
} from '../nodes/AlteryxAnalyticsCloud/helpers/credentialWriter';
import {
	CREDENTIAL_TYPE,
	EXPIRY_CHECK_FIELD,
	REFRESH_STARTED_FIELD,
	credentialUpdate,
	explainRejection,
	n8nRefreshDependencies,
} from '../nodes/AlteryxAnalyticsCloud/n8nAdapter';

/**
 * Alteryx Analytics Cloud OAuth 2.0 API tokens, as AAC generates them (User Preferences → OAuth
 * 2.0 API Tokens). Works with this package's node and with the HTTP Request node's "Predefined
 * Credential Type": both refresh through preAuthentication and n8n saves every rotated pair.
 * The credential test lives on the node (`testedBy`) so that a test never spends the refresh token.
 */
export class AlteryxAnalyticsCloudOAuth2Api implements ICredentialType {
	name = CREDENTIAL_TYPE;

	displayName = 'Alteryx Analytics Cloud OAuth2 API';

	icon: Icon = {
		light: 'file:../nodes/AlteryxAnalyticsCloud/alteryx.svg',
		dark: 'file:../nodes/AlteryxAnalyticsCloud/alteryx.dark.svg',
	};

	documentationUrl = 'https://www.npmjs.com/package/n8n-nodes-alteryx-analytics-cloud#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: FIELD.accessToken,
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'The "API Access Token" AAC showed when you generated the tokens. Paste it as a plain value, not an expression: n8n replaces it after every refresh.',
		},
		{
			displayName: 'Refresh Token',
			name: FIELD.refreshToken,
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'The "API Refresh Token" AAC showed with it. Every refresh replaces it, and n8n saves the new one here. Paste it as a plain value, not an expression.',
		},
		{
			displayName: 'Client ID',
			name: FIELD.clientId,
			type: 'string',
			default: '',
			description:
				'Leave empty to read it from the access token (its client_id claim). A value typed here wins.',
		},
		{
			displayName: 'Issuer',
			name: FIELD.issuer,
			type: 'string',
			default: '',
			placeholder: 'https://pingauth.alteryxcloud.com/as',
			description:
				'Leave empty to read it from the access token (its iss claim). Tokens are refreshed at the issuer + /token. A value typed here wins.',
		},
		{
			displayName: 'Allow Custom Issuer',
			name: FIELD.allowCustomIssuer,
			type: 'boolean',
			default: false,
			description:
				'Whether the refresh token may be sent to an issuer that is not an Alteryx Analytics Cloud identity host (pingauth*.alteryxcloud.com). Only for your own test servers: https, or http on localhost.',
		},
		{
			displayName: 'API Base URL',
			name: FIELD.apiBaseUrl,
			type: 'string',
			default: '',
			placeholder: 'https://us1.alteryxcloud.com',
			description:
				"Leave empty to derive it from the issuer's region (pingauth → us1, pingauth-eu1 → eu1). With an AAC issuer only https://<region>.alteryxcloud.com or https://api.<region>.alteryxcloud.com. The credential test sends the access token there; downstream nodes get it as apiBaseUrl.",
		},
		{
			displayName: 'Refresh Mode',
			name: FIELD.refreshMode,
			type: 'options',
			default: 'automatic',
			options: [
				{
					name: 'Automatic',
					value: 'automatic',
					description:
						'Any request through this credential refreshes when due. Safe within one n8n process.',
				},
				{
					name: 'Refresh Operation Only',
					value: 'refreshOperationOnly',
					description:
						'For several n8n processes or queue mode: only a scheduled Alteryx Analytics Cloud → Refresh node spends the refresh token; requests fail clearly if the access token has expired.',
				},
			],
		},
		{
			displayName: 'Refresh Margin (Seconds)',
			name: FIELD.refreshMarginSeconds,
			type: 'number',
			default: DEFAULT_REFRESH_MARGIN_SECONDS,
			typeOptions: { minValue: 0, maxValue: 3600 },
			description: 'Refresh when the access token expires within this many seconds',
		},
		{
			displayName: 'Token Request Timeout (Seconds)',
			name: FIELD.requestTimeoutSeconds,
			type: 'number',
			default: DEFAULT_REQUEST_TIMEOUT_SECONDS,
			typeOptions: { minValue: 1, maxValue: 300 },
			description: 'How long to wait for the token endpoint',
		},
		{
			displayName: 'Expiry Check',
			name: EXPIRY_CHECK_FIELD,
			type: 'hidden',
			typeOptions: { expirable: true },
			default: '',
		},
		{
			displayName: 'Last Rotated At',
			name: FIELD.lastRotatedAt,
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Refresh Started At',
			name: REFRESH_STARTED_FIELD,
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Access Token Timing',
			name: FIELD.accessTokenTiming,
			type: 'hidden',
			default: '',
		},
		{
			// The fingerprint (SHA-256) of the refresh token the last rotation spent, never the token.
			displayName: 'Spent Refresh Token Hash',
			name: FIELD.spentRefreshTokenHash,
			type: 'hidden',
			default: '',
		},
	];

	/**
	 * Runs before every request that uses this credential (the expiry check field stays empty).
	 * Returns nothing while the stored pair is current, so n8n saves nothing; returns the new pair
	 * after a refresh (or when this process already rotated the stored refresh token), and n8n
	 * saves it before the request goes out.
	 */
	async preAuthentication(
		this: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
	): Promise<IDataObject> {
		// The node's persist-only request: save exactly what it asks for, refresh nothing.
		const write = fieldsToWrite(credentials);
		if (write) return write;
		const settings = readCredential(credentials);
		if (sharedCoordinator.isCurrent(settings)) return {};
		const intent = refreshIntent(settings, 'use');
		try {
			const result = await sharedCoordinator.obtain(
				settings,
				n8nRefreshDependencies(this.helpers.httpRequest),
				{ intent },
			);
			// In Refresh Operation Only mode only the Refresh operation writes. A reader that read the
			// credential just before this process's keep-alive saved could otherwise store a pair that
			// another worker has rotated since; its own (older) access token is still valid.
			return result.changed && intent !== 'read' ? credentialUpdate(result) : {};
		} catch (error) {
			throw explainRejection(error, credentials[REFRESH_STARTED_FIELD]);
		}
	}

	authenticate: IAuthenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => {
		if (isPersistOnlyRequest(requestOptions)) throw new PersistOnlyStop();
		requestOptions.headers = {
			...requestOptions.headers,
			Authorization: `Bearer ${normalizeToken(credentials[FIELD.accessToken])}`,
		};
		return requestOptions;
	};
}
