import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	ICredentialsDecrypted,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { readCredential, type AacTokenError, type TokenSettings } from '../core';

/** The identity call the test makes: cheap, read-only, answers 200 for any valid token. */
const WHO_AM_I = '/v4/people/current';

interface TestResponse {
	status: number;
}

/**
 * The credential's "Allowed HTTP Request Domains" (n8n 1.x and 2.x add the two fields to every
 * credential type with `authenticate`). For a request the credential makes on its own, n8n applies
 * only a "Specific Domains" list (2.x `getCredentialOwnRequestAllowedDomains`; "None" blocks the
 * credential in the HTTP Request node, not the credential's own calls); the test does the same.
 * Returns the list, undefined when unrestricted, or throws when the list is empty.
 */
function ownRequestAllowedDomains(data: ICredentialDataDecryptedObject): string | undefined {
	if (data.allowedHttpRequestDomains !== 'domains') return undefined;
	const list = typeof data.allowedDomains === 'string' ? data.allowedDomains.trim() : '';
	if (!list)
		throw new Error(
			'Allowed HTTP Request Domains is "Specific Domains" but Allowed Domains is empty. Nothing was sent.',
		);
	return list;
}

/** n8n's matching (n8n-workflow `isDomainAllowed`): exact host, or `*.suffix` for subdomains only. */
function hostAllowed(hostname: string, allowedDomains: string): boolean {
	const host = hostname.toLowerCase().replace(/\.$/, '');
	return allowedDomains
		.split(',')
		.map((domain) => domain.trim().toLowerCase().replace(/\.$/, ''))
		.filter(Boolean)
		.some((domain) =>
			domain.startsWith('*.')
				? domain.length > 2 && host.endsWith(domain.slice(1))
				: host === domain,
		);
}

/**
 * Sends the identity call through n8n's own request helper when the test context has one. n8n
 * 1.x and 2.x give the credential-test context only `helpers.request` (n8n-core
 * `CredentialTestContext`): no `httpRequest`, and no `httpRequestWithAuthentication`, so the
 * Authorization header is set here. That helper applies n8n's proxy settings, in 2.x its SSRF
 * protection, and the `allowedDomains` it is given. No redirects: the token must not follow one.
 */
async function getStatus(
	context: ICredentialTestFunctions,
	url: string,
	settings: TokenSettings,
	allowedDomains: string | undefined,
): Promise<TestResponse> {
	const headers = { Authorization: `Bearer ${settings.accessToken}`, Accept: 'application/json' };
	const request = (context as Partial<ICredentialTestFunctions> | undefined)?.helpers?.request;
	if (typeof request === 'function') {
		const response = (await request({
			uri: url,
			method: 'GET',
			headers,
			json: false,
			simple: false,
			resolveWithFullResponse: true,
			followRedirect: false,
			followAllRedirects: false,
			timeout: settings.timeoutMs,
			...(allowedDomains === undefined ? {} : { allowedDomains }),
		})) as { statusCode?: unknown } | undefined;
		return { status: Number(response?.statusCode) };
	}
	// Fallback for a context without n8n's helper (no n8n release we support: both pass
	// `request`; a stripped-down host or an older n8n might not). fetch bypasses n8n's proxy and
	// SSRF settings, which is why it is only the fallback; the allowed domains were checked above.
	const response = await fetch(url, {
		headers,
		redirect: 'manual',
		signal: AbortSignal.timeout(settings.timeoutMs),
	});
	return { status: response.status };
}

/** Why the helper refused: n8n's own refusals (SSRF protection, allowed domains) say it best and carry no secret. */
function reachError(error: unknown): string {
	const problem = error as { name?: unknown; message?: unknown } | undefined;
	const name = typeof problem?.name === 'string' ? problem.name : 'Error';
	const message = typeof problem?.message === 'string' ? problem.message : '';
	if (name.startsWith('Ssrf') || message.startsWith('Domain not allowed'))
		return `${name}: ${message.split('\n')[0].slice(0, 300)}`;
	return name;
}

/**
 * The credential test (the node's `testedBy`). Checks structure, claims, the issuer policy and
 * the API host rule offline, then asks AAC who we are, but only while the access token is valid:
 * a test never spends the refresh token, since a credential that is not saved yet could not store
 * the rotated pair.
 */
export async function alteryxAnalyticsCloudTokenTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	let settings: TokenSettings;
	let allowedDomains: string | undefined;
	try {
		settings = readCredential(data);
		allowedDomains = ownRequestAllowedDomains(data);
	} catch (error) {
		const problem = error as AacTokenError;
		return { status: 'Error', message: `${problem.message}. ${problem.description ?? ''}`.trim() };
	}
	if (settings.accessTokenExpiresAt <= Date.now()) {
		return {
			status: 'OK',
			message: `Tokens are well-formed and the issuer ${settings.issuer} is allowed. The access token expired at ${new Date(settings.accessTokenExpiresAt).toISOString()}, so no API call was made (a test never spends the refresh token); the first run refreshes it.`,
		};
	}
	const url = `${settings.apiBaseUrl}${WHO_AM_I}`;
	const host = new URL(url).hostname;
	if (allowedDomains !== undefined && !hostAllowed(host, allowedDomains)) {
		return {
			status: 'Error',
			message: `The API host ${host} is not in this credential's Allowed Domains (${allowedDomains}). Nothing was sent. Add it there, or check the API Base URL field.`,
		};
	}
	let status: number;
	try {
		status = (await getStatus(this, url, settings, allowedDomains)).status;
	} catch (error) {
		return {
			status: 'Error',
			message: `Could not reach ${settings.apiBaseUrl} (${reachError(error)}). Check the API Base URL field and n8n's network access.`,
		};
	}
	if (status !== 200) {
		const hint =
			status === 401
				? 'AAC rejected the access token: generate a new token pair in AAC.'
				: status === 403
					? 'The token lacks permission or belongs to another workspace.'
					: 'Check the API Base URL field.';
		return { status: 'Error', message: `GET ${url} answered HTTP ${status}. ${hint}` };
	}
	return {
		status: 'OK',
		message: `Connection successful: AAC at ${settings.apiBaseUrl} accepted the access token.`,
	};
}
