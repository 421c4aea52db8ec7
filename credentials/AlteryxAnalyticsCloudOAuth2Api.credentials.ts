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
	type TokenSettings,
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
	accessTokenRejected,
	credentialUpdate,
	explainRejection,
	n8nRefreshDependencies,
} from '../nodes/AlteryxAnalyticsCloud/helpers/n8nAdapter';

/**
 * The credential objects this preAuthentication has authenticated a request with. n8n hands the
 * same object to it again when that request failed (the HTTP Request node's helper after any
 * error, httpRequestWithAuthentication after a 401): that second call is the only sign of a
 * failure preAuthentication gets.
 */
const authenticated = new WeakSet<object>();

/** One probe-and-refresh per rejected access token, shared by every request that saw it fail. */
const afterRejection = new Map<string, Promise<boolean>>();

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
						'Any request through this credential refreshes when due. Safe within one n8n process. A Token Keeper refreshes a refresh token nobody used for a day.',
				},
				{
					name: 'Refresh Operation Only',
					value: 'refreshOperationOnly',
					description:
						'For several n8n processes or queue mode: only an active Alteryx Analytics Cloud Token Keeper (or a scheduled Alteryx Analytics Cloud → Refresh) spends the refresh token; requests fail clearly if the access token has expired.',
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
		{
			// AAC rejected the refresh token with this fingerprint (and when): no process sends it again.
			displayName: 'Refresh Token Rejection',
			name: FIELD.refreshTokenRejection,
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
		if (authenticated.has(credentials)) {
			authenticated.delete(credentials);
			const replaced = await refreshIfRejected(this, credentials, settings);
			if (replaced) return replaced;
		}
		if (sharedCoordinator.isCurrent(settings)) {
			authenticated.add(credentials);
			return {};
		}
		const intent = refreshIntent(settings, 'use');
		try {
			const result = await sharedCoordinator.obtain(
				settings,
				n8nRefreshDependencies(this.helpers.httpRequest),
				{ intent },
			);
			authenticated.add(credentials);
			// In Refresh Operation Only mode only the writer writes (the Token Keeper, or the Refresh
			// operation). A reader that read the credential just before this process's writer saved
			// could otherwise store a pair that another worker has rotated since; its own (older)
			// access token is still valid.
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

/**
 * n8n calls preAuthentication a second time when the request it authenticated failed. Only a
 * rejected access token calls for a refresh, and n8n does not say why the request failed: so, in
 * Automatic mode, AAC is asked whether it rejects the token the request carried (one probe for all
 * requests that carried it). If so, one refresh shared by all of them, as after any 401; an error
 * that is not a rejection (a 404, a timeout) refreshes nothing and n8n reports it as it is. This is
 * what makes a token AAC refuses before its `exp` (n8n's clock behind AAC's) get replaced.
 * Undefined when nothing was replaced: the usual checks then run as for a first call.
 */
async function refreshIfRejected(
	helper: IHttpRequestHelper,
	credentials: ICredentialDataDecryptedObject,
	settings: TokenSettings,
): Promise<IDataObject | undefined> {
	if (settings.refreshMode !== 'automatic') return undefined;
	const used = settings.accessToken;
	const deps = n8nRefreshDependencies(helper.helpers.httpRequest);
	const rotate = () =>
		sharedCoordinator.obtain(settings, deps, { intent: 'rotate', rejectedAccessToken: used });
	try {
		const newest = sharedCoordinator.newestKnown(settings.refreshToken);
		if (!newest || newest.accessToken === used) {
			let shared = afterRejection.get(used);
			if (!shared) {
				shared = (async () => {
					if (!(await accessTokenRejected(helper.helpers.httpRequest, settings, used)))
						return false;
					await rotate();
					return true;
				})();
				afterRejection.set(used, shared);
				const forget = () => afterRejection.delete(used);
				shared.then(forget, forget);
			}
			if (!(await shared)) return undefined;
		}
		// Replaced by now (by this call's shared refresh, or another caller's): the newest pair.
		const result = await rotate();
		return result.changed ? credentialUpdate(result) : undefined;
	} catch (error) {
		throw explainRejection(error, credentials[REFRESH_STARTED_FIELD]);
	}
}
