/**
 * Every failure the token core reports. The message says what went wrong, the description says
 * what to do about it. Neither ever contains a token: callers build them from fixed text plus
 * values that are public (field labels, client id, issuer, HTTP status), and server text passes
 * through redact.ts first.
 */
export type AacErrorCode =
	| 'INVALID_FIELD' // a credential field is missing or malformed
	| 'ISSUER_NOT_ALLOWED' // the issuer fails the issuer policy: nothing was sent
	| 'ACCESS_TOKEN_EXPIRED' // refresh-operation-only mode and the access token has expired
	| 'ACCESS_TOKEN_REJECTED' // AAC rejected an access token that looked valid, and this caller may not refresh
	| 'REFRESH_TOKEN_REJECTED' // invalid_grant: the family is gone, a person must generate new tokens
	| 'CLIENT_REJECTED' // invalid_client / unauthorized_client
	| 'TOKEN_ENDPOINT_ERROR' // any other error answer from the token endpoint
	| 'TOKEN_ENDPOINT_UNREACHABLE' // no answer: refused, reset, timed out
	| 'BAD_TOKEN_RESPONSE' // an answer we cannot use (HTML, not JSON, no access_token)
	| 'ROTATION_NOT_SAVED'; // a refresh token this process rotated long ago came back: the save never landed

export interface AacTokenErrorDetails {
	/** HTTP status of the token endpoint's answer, when there was one. */
	httpStatus?: number;
	/**
	 * True when the refresh request may have reached AAC and AAC may have rotated the refresh token
	 * (a 2xx we could not use, 500/502/504, a timeout or reset after sending): the stored refresh
	 * token may be spent, so it is never sent again automatically.
	 */
	refreshTokenMaybeSpent?: boolean;
	/**
	 * True when AAC surely did not process the request (it never left this process, or the server
	 * answered 429/503) and a later attempt may succeed: the refresh token is unspent.
	 */
	transient?: boolean;
}

export class AacTokenError extends Error {
	readonly code: AacErrorCode;
	/** What the user should do; n8n shows it under the message. */
	readonly description: string;
	readonly httpStatus?: number;
	readonly refreshTokenMaybeSpent: boolean;
	readonly transient: boolean;

	constructor(
		code: AacErrorCode,
		message: string,
		description: string,
		details: AacTokenErrorDetails = {},
	) {
		super(message);
		this.name = 'AacTokenError';
		this.code = code;
		this.description = description;
		this.httpStatus = details.httpStatus;
		this.refreshTokenMaybeSpent = details.refreshTokenMaybeSpent === true;
		this.transient = details.transient === true;
	}
}

export const GENERATE_NEW_TOKENS =
	'Generate a new token pair in Alteryx Analytics Cloud (User Preferences → OAuth 2.0 API Tokens → Generate) and paste the access token and the refresh token into this credential.';

/** `label` is the field's name as the credential form shows it (see FIELD_LABEL). */
export function invalidField(label: string, problem: string, remedy: string): AacTokenError {
	return new AacTokenError('INVALID_FIELD', `Credential field "${label}" ${problem}`, remedy);
}

/** The same refresh token came back after its rotation: the new pair was never saved. */
export function rotationNotSaved(spentAt: number | undefined): AacTokenError {
	const when = spentAt === undefined ? '' : ` at ${new Date(spentAt).toISOString()}`;
	return new AacTokenError(
		'ROTATION_NOT_SAVED',
		`The rotated tokens could not be saved into the credential: it still holds a refresh token that was rotated${when}. Nothing was sent.`,
		`n8n did not store the new pair. This happens when the Access Token or Refresh Token field holds an expression: n8n keeps the expression in place of the new value. The newest pair exists only in this n8n process's memory and cannot be written into the credential, and the stored refresh token is spent. Replace the expressions with plain values: ${GENERATE_NEW_TOKENS}`,
	);
}

/** A refresh token AAC rejected earlier (this process, or the credential's rejection field). */
export function rejectedBefore(at: number): AacTokenError {
	return new AacTokenError(
		'REFRESH_TOKEN_REJECTED',
		`Alteryx Analytics Cloud rejected this refresh token at ${new Date(at).toISOString()}, so it is not sent again. Nothing was sent.`,
		`AAC answered invalid_grant: the refresh token expired, was revoked or was already used, and its whole token family is dead. ${GENERATE_NEW_TOKENS}`,
	);
}
