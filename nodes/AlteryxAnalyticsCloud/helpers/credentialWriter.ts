import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IPollFunctions,
	IWebhookFunctions,
} from 'n8n-workflow';

import {
	FIELD,
	fieldsToStore,
	normalizeToken,
	sharedCoordinator,
	type TokenSettings,
} from '../core';
import { CREDENTIAL_TYPE, EXPIRY_CHECK_FIELD } from './n8nAdapter';

/** Every n8n context that calls AAC: operations, list searches, the polling trigger, the flow trigger's webhook methods and deliveries. */
export type AacNodeContext =
	| IExecuteFunctions
	| ILoadOptionsFunctions
	| IPollFunctions
	| IHookFunctions
	| IWebhookFunctions;

/*
 * The one module that writes the credential from the node.
 *
 * A node has no supported way to write its credential; n8n persists credential data only when
 * preAuthentication returns it during an authenticated request. So the node makes one
 * authenticated "request" marked as persist-only, handing n8n the credential data itself
 * (`credentialsDecrypted`) with the fields to write attached under a symbol: preAuthentication
 * returns exactly those fields, n8n saves them, and `authenticate` stops the request before
 * anything is sent. The symbol never reaches the database (JSON ignores symbol keys), and no
 * other request can carry it.
 */
const PERSIST_ONLY = Symbol('aac.persistOnly');
const FIELDS_TO_WRITE = Symbol('aac.fieldsToWrite');

const PERSIST_ONLY_STOP_MESSAGE =
	'Alteryx Analytics Cloud tokens saved; the persist-only request is never sent.';

export class PersistOnlyStop extends Error {
	constructor() {
		super(PERSIST_ONLY_STOP_MESSAGE);
		this.name = 'PersistOnlyStop';
	}
}

function persistOnlyRequest(): IHttpRequestOptions {
	// `.invalid` never resolves: should the marker ever be lost, the request fails locally.
	const options: IHttpRequestOptions = { method: 'GET', url: 'https://persist-only.invalid/' };
	Object.defineProperty(options, PERSIST_ONLY, { value: true, enumerable: true });
	return options;
}

/** The fields a persist-only request asks preAuthentication to return, if this is one. */
export function fieldsToWrite(credentials: object): IDataObject | undefined {
	return (credentials as Record<symbol, IDataObject | undefined>)[FIELDS_TO_WRITE];
}

export function isPersistOnlyRequest(options: object): boolean {
	return (options as Record<symbol, unknown>)[PERSIST_ONLY] === true;
}

/**
 * True when the error is the stop thrown for a persist-only request, as n8n hands it back:
 * 2.x wraps it in a NodeApiError whose `cause` is the stop; 1.x's wrapper loses the cause (a
 * class field resets it) and keeps only the message, so the message identifies it there.
 */
export function isPersistOnlyStop(error: unknown): boolean {
	let current = error as { name?: unknown; message?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		if (current instanceof PersistOnlyStop || current.name === 'PersistOnlyStop') return true;
		if (current.message === PERSIST_ONLY_STOP_MESSAGE) return true;
		current = current.cause as typeof current;
	}
	return false;
}

/**
 * The pair every write carries: the newest this process knows in the credential's family. n8n's
 * save has no lock (2.x lays the returned keys over the stored data, 1.x writes the whole object),
 * so a write built from the data read at the start of the execution could otherwise put back a
 * refresh token that another execution rotated and saved meanwhile.
 */
function newestPairFields(settings: TokenSettings): IDataObject {
	const newest = sharedCoordinator.newestKnown(settings.refreshToken);
	if (newest?.receivedAt === undefined)
		return {
			[FIELD.accessToken]: settings.accessToken,
			[FIELD.refreshToken]: settings.refreshToken,
		};
	return fieldsToStore({ ...newest, receivedAt: newest.receivedAt }, settings);
}

/**
 * Saves `fields`, with the newest known pair, into the node's credential through a persist-only
 * request. Errors other than the expected stop are thrown as n8n reported them.
 */
export async function writeCredential(
	context: AacNodeContext,
	data: ICredentialDataDecryptedObject,
	settings: TokenSettings,
	fields: IDataObject,
): Promise<void> {
	const reference = context.getNode().credentials?.[CREDENTIAL_TYPE];
	const toWrite: IDataObject = {
		...newestPairFields(settings),
		...fields,
		[EXPIRY_CHECK_FIELD]: '',
	};
	const copy = { ...data };
	// The expirable field is always among the fields: n8n saves a preAuthentication result only then.
	Object.defineProperty(copy, FIELDS_TO_WRITE, { value: toWrite, enumerable: false });
	const credentialsDecrypted: ICredentialsDecrypted = {
		id: reference?.id ?? '',
		name: reference?.name ?? '',
		type: CREDENTIAL_TYPE,
		data: copy,
	};
	await context.helpers.httpRequestWithAuthentication
		.call(context, CREDENTIAL_TYPE, persistOnlyRequest(), { credentialsDecrypted })
		.then(
			() => undefined,
			(error: unknown) => {
				if (!isPersistOnlyStop(error)) throw error; // the caller turns it into a node error
			},
		);
}

/**
 * After a save, reads the credential back: a rotated refresh token that is not stored would kill
 * the token family at the next refresh, so a failed save must not pass silently. True when the
 * stored refresh token is the newest this process knows.
 */
export async function savedRefreshTokenIsNewest(
	context: AacNodeContext,
	settings: TokenSettings,
): Promise<boolean> {
	const stored = normalizeToken(
		(await context.getCredentials(CREDENTIAL_TYPE))[FIELD.refreshToken],
	);
	return (
		stored ===
		(sharedCoordinator.newestKnown(settings.refreshToken)?.refreshToken ?? settings.refreshToken)
	);
}
