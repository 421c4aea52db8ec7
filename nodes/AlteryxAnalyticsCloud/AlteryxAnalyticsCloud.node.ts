import {
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
} from 'n8n-workflow';

import {
	AacTokenError,
	readCredential,
	readRefreshTokenExpiry,
	refreshIntent,
	sharedCoordinator,
	type ObtainResult,
	type TokenSettings,
} from './core';
import { savedRefreshTokenIsNewest, writeCredential } from './helpers/credentialWriter';
import { outputForCaller } from './helpers/tool';
import { alteryxAnalyticsCloudTokenTest } from './methods/credentialTest';
import { CREDENTIAL_TYPE, REFRESH_STARTED_FIELD, credentialUpdate, explainRejection, n8nRefreshDependencies } from './n8nAdapter';

/** Token-endpoint failures are API errors; everything else the core reports is configuration. */
function toNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (!(error instanceof AacTokenError)) {
		return error instanceof NodeApiError || error instanceof NodeOperationError
			? error
			: new NodeOperationError(node, error as Error);
	}
	const apiFailure = ['REFRESH_TOKEN_REJECTED', 'CLIENT_REJECTED', 'TOKEN_ENDPOINT_ERROR', 'TOKEN_ENDPOINT_UNREACHABLE', 'BAD_TOKEN_RESPONSE'];
	if (apiFailure.includes(error.code)) {
		const response: JsonObject = { code: error.code, message: error.message };
		return new NodeApiError(node, response, {
			message: error.message,
			description: error.description,
			httpCode: error.httpStatus === undefined ? undefined : String(error.httpStatus),
		});
	}
	return new NodeOperationError(node, error.message, { description: error.description });
}

function iso(epochMs: number | undefined): string | null {
	return epochMs === undefined ? null : new Date(epochMs).toISOString();
}

function secondsLeft(epochMs: number): number {
	return Math.max(0, Math.floor((epochMs - Date.now()) / 1000));
}

/** Get and Refresh output: what downstream nodes need, never the refresh token. */
function tokenOutput(result: ObtainResult, settings: TokenSettings): IDataObject {
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
			? { refreshWarning: `${result.refreshDeferred.message} The access token is still valid until ${iso(result.accessTokenExpiresAt)}, so it was handed out; a later run refreshes.` }
			: {}),
	};
}

/** Inspect output: what is known about the stored tokens, without any secret or request. */
function inspectOutput(settings: TokenSettings): IDataObject {
	const refreshTokenExpiresAt = readRefreshTokenExpiry(settings.refreshToken);
	return {
		clientId: settings.clientId,
		clientIdSource: settings.clientIdSource,
		issuer: settings.issuer,
		issuerSource: settings.issuerSource,
		issuerPolicy: settings.isAacIdentityHost ? 'AAC identity host' : 'custom issuer (allowed by the credential)',
		tokenEndpoint: settings.tokenEndpoint,
		apiBaseUrl: settings.apiBaseUrl,
		accessTokenExpiresAt: iso(settings.accessTokenExpiresAt),
		accessTokenExpiresIn: secondsLeft(settings.accessTokenExpiresAt),
		accessTokenExpired: settings.accessTokenExpiresAt <= Date.now(),
		accessTokenExpiryMeasured: settings.accessTokenExpirySource === 'received' ? 'on this clock when received' : 'from the token\'s exp claim',
		clockBehindSeconds: settings.clockBehindMs === undefined ? null : Math.round(settings.clockBehindMs / 1000),
		refreshTokenFormat: refreshTokenExpiresAt === undefined ? 'opaque (expiry not readable)' : 'JWT',
		refreshTokenExpiresAt: iso(refreshTokenExpiresAt),
		lastRotatedAt: settings.lastRotatedAt ?? null,
		// Set only while a refresh's outcome is unknown (see obtainAndSave).
		unsavedRefreshStartedAt: typeof settings.input[REFRESH_STARTED_FIELD] === 'string' && settings.input[REFRESH_STARTED_FIELD] ? settings.input[REFRESH_STARTED_FIELD] : null,
		refreshMode: settings.refreshMode,
		refreshMarginSeconds: settings.refreshMarginMs / 1000,
	};
}

/**
 * Get or Refresh: obtains a valid pair and saves it when it changed. Before sending a refresh,
 * the node records in the credential that one is under way (refreshStartedAt); saving the new
 * pair clears it. Should n8n die in between (AAC rotated, the new pair lost), the next run finds
 * the record and can tell the user what happened instead of a bare "invalid_grant".
 * In Refresh Operation Only mode Get only reads: it never writes (only Refresh does).
 */
async function obtainAndSave(
	context: IExecuteFunctions,
	data: ICredentialDataDecryptedObject,
	settings: TokenSettings,
	operation: 'get' | 'refresh',
): Promise<ObtainResult> {
	const intent = refreshIntent(settings, operation === 'refresh' ? 'rotate' : 'use');
	const startedRecord = data[REFRESH_STARTED_FIELD];
	let markedAsStarted = false;
	// The record as it was before this run, for when this run's refresh surely did not happen.
	const restoreRecord = () =>
		writeCredential(context, data, settings, { [REFRESH_STARTED_FIELD]: typeof startedRecord === 'string' ? startedRecord : '' }).catch(
			() => undefined,
		);
	try {
		const result = await sharedCoordinator.obtain(settings, n8nRefreshDependencies(context.helpers.httpRequest), {
			intent,
			beforeTokenRequest: async () => {
				await writeCredential(context, data, settings, { [REFRESH_STARTED_FIELD]: new Date().toISOString() });
				markedAsStarted = true;
			},
		});
		if (result.changed && intent !== 'read') {
			await writeCredential(context, data, settings, credentialUpdate(result));
			// The stored pair may be newer still (another run rotated meanwhile); it must be the newest.
			if (!(await savedRefreshTokenIsNewest(context, settings))) {
				throw new NodeOperationError(context.getNode(), 'The rotated tokens could not be saved into the credential', {
					description:
						'n8n did not store the new refresh token. If the Access Token or Refresh Token field holds an expression, replace it with the plain token: n8n cannot write into expressions. This n8n process keeps the new pair in memory until it restarts, so running the workflow again retries the save.',
				});
			}
		} else if (markedAsStarted) {
			await restoreRecord(); // the refresh was deferred: AAC surely did not rotate
		}
		return result;
	} catch (error) {
		// AAC surely did not rotate (nothing sent, or an error answer): the stored pair is still
		// good, so the record goes. It stays when the token may have been spent.
		if (markedAsStarted && error instanceof AacTokenError && !error.refreshTokenMaybeSpent) await restoreRecord();
		throw toNodeError(context.getNode(), explainRejection(error, startedRecord));
	}
}

export class AlteryxAnalyticsCloud implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Alteryx Analytics Cloud',
		name: 'alteryxAnalyticsCloud',
		icon: { light: 'file:alteryx.svg', dark: 'file:alteryx.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description:
			'Get a valid Alteryx Analytics Cloud access token for downstream nodes; refreshes it and saves the rotated refresh token',
		defaults: { name: 'Alteryx Analytics Cloud' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: CREDENTIAL_TYPE, required: true, testedBy: 'alteryxAnalyticsCloudTokenTest' }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Access Token', value: 'accessToken' }],
				default: 'accessToken',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['accessToken'] } },
				options: [
					{
						name: 'Get',
						value: 'get',
						action: 'Get a valid access token',
						description: 'Return a valid access token, refreshing first when it expires within the margin',
					},
					{
						name: 'Inspect',
						value: 'inspect',
						action: 'Inspect the stored tokens',
						description: 'Show client ID, issuer and expiry times of the stored tokens, without any request',
					},
					{
						name: 'Refresh',
						value: 'refresh',
						action: 'Refresh the tokens now',
						description:
							'Rotate the tokens now even when the access token is fresh, and save them (keep-alive; the one writer when several n8n processes share the credential)',
					},
				],
				default: 'get',
			},
		],
	};

	methods = { credentialTest: { alteryxAnalyticsCloudTokenTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as 'get' | 'refresh' | 'inspect';

		// One token decision per execution, whatever the number of items: 100 items cost at most
		// one refresh, and every item gets the same token.
		let json: IDataObject;
		try {
			const credentialData = await this.getCredentials(CREDENTIAL_TYPE);
			const settings = readCredential(credentialData);
			if (operation === 'inspect') {
				json = inspectOutput(settings);
			} else {
				const result = await obtainAndSave(this, credentialData, settings, operation);
				json = tokenOutput(result, settings);
			}
		} catch (error) {
			const nodeError = toNodeError(this.getNode(), error);
			if (!this.continueOnFail()) throw nodeError;
			return [items.map((_, index) => ({ json: { error: nodeError.message }, pairedItem: { item: index } }))];
		}
		// No token goes to an AI model: as a tool, or for n8n's Instance AI (see helpers/tool.ts).
		const out = outputForCaller(this, json);
		return [items.map((_, index) => ({ json: { ...out }, pairedItem: { item: index } }))];
	}
}
