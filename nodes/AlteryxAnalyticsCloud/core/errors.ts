/**
 * Every failure the token core reports. The message says what went wrong, the description says
 * what to do about it. Neither ever contains a token: callers build them from fixed text plus
 * values that are public (field names, client id, issuer, HTTP status).
 */
export type AacErrorCode =
	| 'INVALID_FIELD' // a credential field is missing or malformed
	| 'ISSUER_NOT_ALLOWED' // the issuer fails the issuer policy: nothing was sent
	| 'ACCESS_TOKEN_EXPIRED' // refresh-operation-only mode and the access token has expired
	| 'REFRESH_TOKEN_REJECTED' // invalid_grant: the family is gone, a person must generate new tokens
	| 'CLIENT_REJECTED' // invalid_client / unauthorized_client
	| 'TOKEN_ENDPOINT_ERROR' // any other error answer from the token endpoint
	| 'TOKEN_ENDPOINT_UNREACHABLE' // no answer: refused, reset, timed out
	| 'BAD_TOKEN_RESPONSE'; // an answer we cannot use (HTML, not JSON, no access_token)

export class AacTokenError extends Error {
	readonly code: AacErrorCode;
	/** What the user should do; n8n shows it under the message. */
	readonly description: string;
	/** HTTP status of the token endpoint's answer, when there was one. */
	readonly httpStatus?: number;
	/**
	 * True when the refresh request may have reached AAC and AAC may have rotated the refresh token
	 * (timeout or reset after sending, or a 2xx answer we could not use): the stored refresh token
	 * may be spent. False when AAC surely did not rotate (never sent, or an error answer).
	 */
	readonly refreshTokenMaybeSpent: boolean;

	constructor(code: AacErrorCode, message: string, description: string, httpStatus?: number, refreshTokenMaybeSpent = false) {
		super(message);
		this.name = 'AacTokenError';
		this.code = code;
		this.description = description;
		this.httpStatus = httpStatus;
		this.refreshTokenMaybeSpent = refreshTokenMaybeSpent;
	}
}

export const GENERATE_NEW_TOKENS =
	'Generate a new token pair in Alteryx Analytics Cloud (User Preferences → OAuth 2.0 API Tokens → Generate) and paste the access token and the refresh token into this credential.';

export function invalidField(field: string, problem: string, remedy: string): AacTokenError {
	return new AacTokenError('INVALID_FIELD', `Credential field "${field}" ${problem}`, remedy);
}
