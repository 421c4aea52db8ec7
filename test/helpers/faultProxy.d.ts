// Types of faultProxy.js (the hand-written proxy in front of the real stand-in that misbehaves on
// purpose; the step names are listed there).
export type FaultStep = string;

export interface TokenRequestEvent {
	case: string;
	step: FaultStep;
	/** True when the stand-in received this token request. */
	forwarded: boolean;
	/** The stand-in's status for a forwarded request. */
	upstreamStatus?: number;
	receivedAt: number;
	answeredAt?: number;
}

export interface ApiRequestEvent {
	case: string;
	method: string;
	path: string;
	step: FaultStep;
	forwarded: boolean;
	upstreamStatus?: number;
	receivedAt: number;
	executionId?: string;
}

export interface FaultProxy {
	origin: string;
	/** The issuer to type into the credential: the stand-in's issuer path, on the proxy. */
	issuer: string;
	plan(refreshToken: string, steps: FaultStep[], label: string): void;
	planApi(
		accessToken: string,
		steps: FaultStep[],
		label: string,
		match?: { method?: string; path?: RegExp },
	): void;
	label(token: string, label: string): void;
	/** Steps for API requests that no planApi matches (default pass); the last step repeats. */
	setApiScript(steps: FaultStep[]): void;
	/** API requests received and not yet answered: now, the most at once, reset() to count anew. */
	apiInFlight: { readonly now: number; readonly peak: number; reset(): void };
	/** Steps for token requests whose refresh token is not planned; clears the token log. */
	setScript(steps: FaultStep[]): void;
	holdRequestsTo(path: string): void;
	refuseConnections(ms: number): { from: number; until: number; reopenedAt?: number };
	refusals: Array<{ from: number; until: number; reopenedAt?: number }>;
	events: TokenRequestEvent[];
	/** Token requests since the last setScript. */
	readonly requests: TokenRequestEvent[];
	/** Token requests passed on to the stand-in since the last setScript. */
	readonly forwarded: number;
	eventsOf(label: string): TokenRequestEvent[];
	apiEvents: ApiRequestEvent[];
	apiEventsOf(label: string): ApiRequestEvent[];
	madeUpTokens: string[];
	nextHeld(): Promise<TokenRequestEvent>;
	nextApi(label: string, test?: (event: ApiRequestEvent) => boolean): Promise<ApiRequestEvent>;
	releaseAll(): void;
	close(): Promise<void>;
}

export function startFaultProxy(options: { upstream: string; port?: number }): Promise<FaultProxy>;
