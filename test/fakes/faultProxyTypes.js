'use strict';
// The fault proxy's types (faultProxy.js re-exports the ones its users name). Typed by JSDoc,
// checked by checkJs (test/tsconfig.json); no code.

/**
 * One step by name (listed in faultProxy.js), its arguments after colons: `status:503:1`, `stall:2000`.
 * @typedef {string} FaultStep
 */

/**
 * @typedef {object} TokenRequestEvent
 * @property {string} case The label its refresh token was planned with; 'unplanned' if none.
 * @property {FaultStep} step
 * @property {boolean} forwarded True when the stand-in received this token request.
 * @property {number} [upstreamStatus] The stand-in's status for a forwarded request.
 * @property {number} receivedAt Epoch ms.
 * @property {number} [answeredAt] When the relayed answer was sent (pass, slow).
 * @property {number} [rotatedAt] When the stand-in's answer to a holdAnswer request came back.
 * @property {number} [clientGone] When the client closed a held or stalled connection.
 */

/**
 * @typedef {object} ApiRequestEventFields
 * @property {string} method
 * @property {string} path
 * @property {string} [executionId] The x-execution-id header the request carried.
 */

/** @typedef {TokenRequestEvent & ApiRequestEventFields} ApiRequestEvent */

/**
 * Which API requests of a planned access token the steps apply to; the others pass.
 * @typedef {object} ApiMatch
 * @property {string} [method]
 * @property {RegExp} [path]
 */

/**
 * A time the proxy stopped listening (epoch ms).
 * @typedef {{ from: number, until: number, reopenedAt?: number }} Refusal
 */

/**
 * @typedef {object} FaultProxyControls
 * @property {string} origin
 * @property {string} issuer The issuer to type into the credential: the stand-in's issuer path, on the proxy.
 * @property {(refreshToken: string, steps: FaultStep[], label: string) => void} plan Plans the steps for token requests presenting `refreshToken`, labelled `label` in the events.
 * @property {(accessToken: string, steps: FaultStep[], label: string, match?: ApiMatch) => void} planApi Plans the steps for API requests carrying `accessToken` that match.
 * @property {(token: string, label: string) => void} label Labels the API requests carrying `token` (they pass).
 * @property {(steps: FaultStep[]) => void} setApiScript Steps for API requests that no planApi matches (default pass); the last step repeats.
 * @property {{ readonly now: number, readonly peak: number, reset(): void }} apiInFlight API requests received and not yet answered: now, the most at once, reset() to count anew.
 * @property {(steps: FaultStep[]) => void} setScript Steps for token requests whose refresh token is not planned; clears the token log (jest).
 * @property {(path: string) => void} holdRequestsTo GET/POST requests to this path are held like `hold` (crash after the save).
 * @property {(ms: number) => Refusal} refuseConnections Closes the listening socket for `ms` (open connections stay), then listens on the same port again.
 * @property {Refusal[]} refusals Every refusal so far.
 * @property {TokenRequestEvent[]} events Token requests since the last setScript.
 * @property {(label: string) => TokenRequestEvent[]} eventsOf
 * @property {ApiRequestEvent[]} apiEvents
 * @property {(label: string) => ApiRequestEvent[]} apiEventsOf
 * @property {string[]} madeUpTokens Tokens in the proxy's own answers, for the secrets check.
 * @property {() => Promise<TokenRequestEvent | ApiRequestEvent>} nextHeld Resolves with the next held request's event.
 * @property {(label: string, test?: (event: ApiRequestEvent) => boolean) => Promise<ApiRequestEvent>} nextApi Resolves with the next API request of `label` for which `test(event)` holds.
 * @property {() => void} releaseAll Lets every held request go (their connections are dropped).
 * @property {() => Promise<void>} close
 */

/**
 * The proxy's handle; `requests` (the same as events) and `forwarded` (how many of them the
 * stand-in received) are getters.
 * @typedef {FaultProxyControls & {
 *   readonly requests: TokenRequestEvent[],
 *   readonly forwarded: number,
 * }} FaultProxy
 */

/** @typedef {{ status: number, headers: import('node:http').IncomingHttpHeaders, body: Buffer }} UpstreamAnswer */
/** @typedef {import('node:http').IncomingMessage} Request */
/** @typedef {import('node:http').ServerResponse} Response */

module.exports = {};
