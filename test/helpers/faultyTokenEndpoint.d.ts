// Types of faultyTokenEndpoint.js (a hand-written fake, for faults a real server cannot produce).
// The names are the fault proxy's (faultProxy.js) where both make the fault.
export type FaultStep =
	/** A new pair. */
	| 'pass'
	| 'noRefreshToken'
	| 'noAccessToken'
	/** 200: a sign-in page passed off as success; 500/502/504: a gateway's error page. */
	| `htmlPage:${200 | 500 | 502 | 504}`
	| 'nonJson'
	| 'truncatedJson'
	| 'invalidGrant'
	| 'invalidClient'
	/** JSON error with Retry-After: <seconds>. */
	| `status:${429 | 503}:${number}`
	| 'reset'
	| 'stall'
	/** Headers at once, then one byte every 500 ms for 30 s: an idle timeout never fires. */
	| 'trickle'
	/** invalid_grant whose error_description echoes the first 30 characters of the refresh token sent. */
	| 'echoRefreshPrefix'
	/** Unusual but complete answers. */
	| 'noIss'
	| 'noClientId'
	| 'expAsString'
	| 'opaqueAccessToken'
	/** Answers that the next run could not use. */
	| 'foreignIss'
	| 'spacedRefreshToken'
	| 'alreadyExpired'
	/** A new pair whose access token names another issuer (http://127.0.0.1:1/as), one the custom-issuer policy allows. */
	| 'issElsewhere'
	/** A new pair whose iat/exp are on a clock 10 minutes ahead of this machine's. */
	| 'clockAhead10min';

export interface FaultyTokenEndpoint {
	/** Milliseconds added to this machine's clock for the tokens' iat/exp (default 0). */
	clockOffsetMs: number;
	issuer: string;
	requests: Array<{ path: string; contentType: string; form: Record<string, string> }>;
	/** Every refresh token this fake handed out. */
	issuedRefreshTokens: string[];
	fakeJwt(claims: Record<string, unknown>): string;
	setScript(steps: FaultStep[]): void;
	close(): Promise<void>;
}

export function startFaultyTokenEndpoint(): Promise<FaultyTokenEndpoint>;
export function refusedIssuer(): Promise<string>;
export function fakeJwt(claims: Record<string, unknown>): string;
