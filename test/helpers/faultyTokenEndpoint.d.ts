// Types of faultyTokenEndpoint.js (a hand-written fake, for faults a real server cannot produce).
export type FaultStep =
	| 'ok'
	| 'noRefreshToken'
	| 'noAccessToken'
	| 'html'
	| 'nonJson'
	| 'truncatedJson'
	| 'invalidGrant'
	| 'invalidClient'
	| '429'
	| '503'
	| '500'
	| '502'
	| 'reset'
	| 'stall';

export interface FaultyTokenEndpoint {
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
