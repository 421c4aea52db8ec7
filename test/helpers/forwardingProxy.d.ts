// Types of forwardingProxy.js (a hand-written gateway in front of the real stand-in, which forwards
// the token request before it misbehaves).
export type ForwardingStep =
	| 'forward'
	| 'forward-then-500'
	| 'forward-then-502'
	| 'forward-then-504'
	| 'forward-then-reset'
	| 'refuse-with-503'
	| 'refuse-with-429';

export interface ForwardedRequest {
	step: ForwardingStep;
	/** True when the stand-in received this token request. */
	forwarded: boolean;
	/** The stand-in's status for a forwarded request. */
	upstreamStatus?: number;
}

export interface ForwardingProxy {
	origin: string;
	/** The issuer to type into the credential: the stand-in's issuer path, on the proxy. */
	issuer: string;
	/** Every token request since the last setScript. */
	requests: ForwardedRequest[];
	/** Token requests passed on to the stand-in since the last setScript. */
	readonly forwarded: number;
	setScript(steps: ForwardingStep[]): void;
	close(): Promise<void>;
}

export function startForwardingProxy(options: { upstream: string }): Promise<ForwardingProxy>;
