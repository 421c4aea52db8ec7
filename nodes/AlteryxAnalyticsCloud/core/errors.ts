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
