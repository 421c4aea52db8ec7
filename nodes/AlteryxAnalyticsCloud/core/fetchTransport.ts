import type { TokenTransport } from './tokenRequest';

/**
 * A TokenTransport over the web-standard fetch (Node 20+, Deno, browsers' workers): no redirects
 * followed, aborted after the timeout. Used outside n8n; inside n8n the credential and the node
 * use n8n's own HTTP helper so proxies and n8n's request settings apply.
 */
export function createFetchTransport(fetchImpl: typeof fetch = fetch): TokenTransport {
	return async (request) => {
		const response = await fetchImpl(request.url, {
			method: 'POST',
			headers: request.headers,
			body: request.body,
			redirect: 'manual',
			signal: AbortSignal.timeout(request.timeoutMs),
		});
		const headers: Record<string, string | undefined> = {};
		response.headers.forEach((value, name) => {
			headers[name.toLowerCase()] = value;
		});
		return { status: response.status, headers, body: await response.text() };
	};
}
