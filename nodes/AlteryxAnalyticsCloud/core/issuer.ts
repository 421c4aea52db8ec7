import { AacTokenError, invalidField } from './errors';

/**
 * The refresh token is the key to the whole integration, and the issuer we send it to comes from
 * an unverified JWT claim (or a typed field). So by default it may only go to AAC's own identity
 * hosts: https, no port, no userinfo, no query or fragment, path /as, and a host of the
 * `pingauth[-<region>].alteryxcloud.com` family matched exactly (no suffix tricks).
 */
const AAC_IDENTITY_HOST = /^pingauth(?:-([a-z0-9]+))?\.alteryxcloud\.com$/;

export interface IssuerInfo {
	/** The issuer without a trailing slash, as AAC puts it in `iss`. */
	issuer: string;
	tokenEndpoint: string;
	/** True when the issuer is one of AAC's identity hosts. */
	isAacIdentityHost: boolean;
	/** AAC API host that belongs to this issuer's region (the issuer's origin for custom issuers). */
	defaultApiBaseUrl: string;
}

function isLoopbackHost(hostname: string): boolean {
	return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

const policyCache = new Map<string, IssuerInfo>();
const POLICY_CACHE_LIMIT = 64;

/**
 * Checks an issuer against the policy and returns where its token endpoint is, or throws before
 * anything is sent. `field` names the credential field the value came from.
 */
export function checkIssuer(
	rawIssuer: string,
	allowCustomIssuer: boolean,
	field: string,
): IssuerInfo {
	const cacheKey = `${allowCustomIssuer ? 1 : 0}${rawIssuer}`;
	const cached = policyCache.get(cacheKey);
	if (cached) return cached;

	// The WHATWG URL parser silently repairs backslashes, tabs and the like; a value that needs
	// repairing is not one we want to interpret.
	let url: URL | undefined;
	if (/^[\x21-\x7e]+$/.test(rawIssuer) && !rawIssuer.includes('\\')) {
		try {
			url = new URL(rawIssuer);
		} catch {
			url = undefined;
		}
	}
	if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
		throw invalidField(
			field,
			'is not an http(s) URL',
			'The issuer looks like https://pingauth.alteryxcloud.com/as. Leave the field empty to read it from the access token.',
		);
	}

	const reject = (why: string): AacTokenError =>
		new AacTokenError(
			'ISSUER_NOT_ALLOWED',
			`Issuer "${url.origin}" is not allowed: ${why}. Nothing was sent.`,
			allowCustomIssuer
				? 'Custom issuers must use https (http only on localhost) and carry no user name, password, query or fragment.'
				: 'The refresh token is only sent to Alteryx Analytics Cloud identity hosts (https://pingauth.alteryxcloud.com/as, https://pingauth-eu1.alteryxcloud.com/as, …). If the access token was not issued by AAC, paste the right one; to use your own OAuth server on purpose, turn on "Allow Custom Issuer".',
		);

	if (url.username || url.password) throw reject('it contains a user name or password');
	if (url.search || url.hash || rawIssuer.includes('?') || rawIssuer.includes('#')) {
		throw reject('it contains a query or fragment');
	}

	const path = url.pathname.replace(/\/+$/, '');
	const issuer = `${url.origin}${path}`;
	const aacMatch = AAC_IDENTITY_HOST.exec(url.hostname);
	const isAacIdentityHost =
		aacMatch !== null && url.protocol === 'https:' && url.port === '' && path === '/as';

	if (!isAacIdentityHost) {
		if (!allowCustomIssuer) {
			if (!aacMatch) throw reject('its host is not an AAC identity host');
			if (url.protocol !== 'https:') throw reject('it does not use https');
			if (url.port !== '') throw reject('it names a port');
			throw reject('its path is not /as');
		}
		if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
			throw reject('plain http is only allowed on localhost');
		}
	}

	const region = aacMatch?.[1] ?? 'us1';
	const info: IssuerInfo = {
		issuer,
		tokenEndpoint: `${issuer}/token`,
		isAacIdentityHost,
		defaultApiBaseUrl: isAacIdentityHost ? `https://${region}.alteryxcloud.com` : url.origin,
	};
	if (policyCache.size >= POLICY_CACHE_LIMIT) policyCache.clear();
	policyCache.set(cacheKey, info);
	return info;
}

/**
 * The access token goes to the API base URL (the credential test calls it, and the node hands it
 * to downstream nodes as apiBaseUrl). With an AAC issuer it must be one of AAC's API hosts,
 * `https://<region>.alteryxcloud.com` or `https://api.<region>.alteryxcloud.com`, matched
 * exactly like the issuer (one label of letters and digits, no suffix tricks).
 */
const AAC_API_HOST = /^(?:api\.)?[a-z0-9]+\.alteryxcloud\.com$/;

export interface ApiBaseUrlContext {
	/** The issuer is one of AAC's identity hosts (IssuerInfo.isAacIdentityHost). */
	isAacIdentityHost: boolean;
	allowCustomIssuer: boolean;
}

/**
 * Checks a typed API base URL, or throws before anything is sent. With an AAC issuer (and Allow
 * Custom Issuer off) only an AAC API host: https, no port, no user name or password, no query or
 * fragment, no path. With Allow Custom Issuer: https anywhere, or http on localhost, with a path.
 * `field` names the field as the form shows it.
 */
export function checkApiBaseUrl(raw: string, field: string, context: ApiBaseUrlContext): string {
	const aacOnly = context.isAacIdentityHost && !context.allowCustomIssuer;
	let url: URL | undefined;
	// As for the issuer: a value the URL parser would have to repair (backslashes, spaces, tabs,
	// non-ASCII) is not one we interpret.
	if (/^[\x21-\x7e]+$/.test(raw) && !raw.includes('\\')) {
		try {
			url = new URL(raw);
		} catch {
			url = undefined;
		}
	}
	const clean =
		url !== undefined &&
		!url.username &&
		!url.password &&
		!url.search &&
		!url.hash &&
		!raw.includes('?') &&
		!raw.includes('#');
	if (aacOnly) {
		// The parser drops a default port (:443); the rule says no port at all, so look at the raw authority too.
		const authority = raw.replace(/^[a-z]+:\/\//i, '').split('/')[0];
		if (
			!url ||
			!clean ||
			url.protocol !== 'https:' ||
			url.port !== '' ||
			authority.includes(':') ||
			url.pathname !== '/' ||
			!AAC_API_HOST.test(url.hostname)
		) {
			throw invalidField(
				field,
				'is not an Alteryx Analytics Cloud API host',
				'The access token is only sent to AAC API hosts: https://<region>.alteryxcloud.com or https://api.<region>.alteryxcloud.com (for example https://us1.alteryxcloud.com), without port, path or query. Leave the field empty to derive it from the issuer; for your own API server on purpose, turn on "Allow Custom Issuer".',
			);
		}
		return url.origin;
	}
	if (
		!url ||
		!clean ||
		!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))
	) {
		throw invalidField(
			field,
			'is not a valid API base URL',
			'Use https (http only on localhost), without user name, password, query or fragment, or leave it empty to derive it from the issuer.',
		);
	}
	return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
