// Token-shaped values in text a server sends (issue #19, item 21): a token the package never saw
// (another client's, a proxy's session token, a token the server minted by mistake) is redacted
// wherever the package shows server text: the token endpoint's error_description and error code,
// and AAC's API error texts (the transport passes them through the same redactServerText).
import {
	AacTokenError,
	RefreshCoordinator,
	readCredential,
	redactServerText,
	type RefreshDependencies,
	type TokenHttpResponse,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { aacNode, credentialChain } from './helpers/chain';
import { fakeJwt } from './fakes/faultyTokenEndpoint';
import { startStandIn, type StandIn } from './helpers/standin';
import { standInApi } from './helpers/standinApi';

/** 43 characters of base64url, the shape of an opaque OAuth token (oidc-provider's, for one). */
const OPAQUE = 'Qm9n7Xy2kPz0aLq4RtVw8sEe1HcJdF6uNbM3oIgKlYZ';
/** A JWT nobody in this test issued, from another issuer. */
const FOREIGN_JWT = fakeJwt({ iss: 'https://elsewhere.example/as', sub: 'someone', exp: 2e9 });
/** Hex, the shape of many API keys and session ids. */
const HEX = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

function settings() {
	return readCredential({
		accessToken: fakeJwt({
			iss: 'https://issuer.example/as',
			client_id: 'client-1',
			exp: Math.floor(Date.now() / 1000) - 10,
		}),
		refreshToken: ['refresh', 'token', 'of', 'this', 'credential', '0001'].join('-'),
		allowCustomIssuer: true,
	});
}

async function errorFor(answer: TokenHttpResponse): Promise<AacTokenError> {
	const deps: RefreshDependencies = {
		transport: async () => answer,
		sleep: async () => undefined,
	};
	try {
		await new RefreshCoordinator().obtain(settings(), deps, { intent: 'rotate' });
	} catch (error) {
		expect(error).toBeInstanceOf(AacTokenError);
		return error as AacTokenError;
	}
	throw new Error('expected the refresh to fail');
}

describe('token-shaped values in server text are never shown', () => {
	test.each([
		['an opaque token', OPAQUE],
		['a JWT', FOREIGN_JWT],
		['a long hex string', HEX],
	])(
		"%s the package never saw, inside invalid_grant's error_description: not in the message",
		async (_name, foreign) => {
			const error = await errorFor({
				status: 400,
				headers: {},
				body: {
					error: 'invalid_grant',
					error_description: `refresh token ${foreign} was revoked`,
				},
			});
			expect(error.code).toBe('REFRESH_TOKEN_REJECTED');
			const shown = `${error.message}\n${error.description}`;
			expect(shown).not.toContain(foreign);
			// Not a piece of it either: no 12 characters in a row.
			for (let start = 0; start + 12 <= foreign.length; start++)
				expect(shown).not.toContain(foreign.slice(start, start + 12));
			// What the server said around it is still shown.
			expect(error.message).toContain('refresh token [redacted] was revoked');
		},
	);

	test('in an error code, an HTTP error answer and a gateway text: redacted too', async () => {
		const inCode = await errorFor({
			status: 400,
			headers: {},
			body: { error: `bad_${OPAQUE}` },
		});
		expect(inCode.message).not.toContain(OPAQUE.slice(0, 12));
		const in500 = await errorFor({
			status: 500,
			headers: {},
			body: { error: 'server_error', error_description: `session ${HEX} expired` },
		});
		expect(in500.message).not.toContain(HEX.slice(0, 12));
		expect(in500.message).toContain('session [redacted] expired');
	});

	test('ordinary server text stays readable: words, ids, URLs, dates, short codes', () => {
		const texts = [
			'grant request is invalid',
			'refresh_token_reuse_detected_by_the_authorization_server',
			'plan 12345 not found (x-trifacta-request-id 7f3a2c1d)',
			'see https://pingauth.alteryxcloud.com/as/token for details',
			'expired at 2026-12-02T08:23:21.000Z',
			'flowNodeId 1234567890, jobGroupId 987654321',
			'ValidationError: limit must be at most 100',
		];
		for (const text of texts) expect(redactServerText(text, [])).toBe(text);
	});

	test('redactServerText (the one the transport uses for AAC API errors) redacts them too', () => {
		expect(redactServerText(`bad token ${OPAQUE}`, [])).toBe('bad token [redacted]');
		expect(redactServerText(`Bearer ${FOREIGN_JWT} rejected`, [])).toBe(
			'Bearer [redacted] rejected',
		);
		expect(redactServerText(`key=${HEX}`, [])).toBe('key=[redacted]');
	});
});

describe("AAC's API error texts (the node's transport)", () => {
	let standIn: StandIn;
	beforeAll(async () => {
		standIn = await startStandIn();
	});
	afterAll(async () => {
		await standIn?.stop();
	});

	test.each(['n8n1', 'n8n2'] as const)(
		'%s: a 403 whose message carries a token nobody here issued: the node error shows [redacted]',
		async (semantics) => {
			const api = standInApi(standIn);
			await api.addFault({
				endpoint: 'getCurrentPerson',
				status: 403,
				phase: 'before',
				times: 1,
				message: `session ${OPAQUE} may not read this`,
			});
			const pair = await standIn.mint();
			const { run } = credentialChain(semantics, {
				...pair,
				allowCustomIssuer: true,
				apiBaseUrl: standIn.apiBaseUrl,
			});
			const result = await run(1, aacNode({ resource: 'user', operation: 'getCurrent' }));
			const error = result.error as { message?: string; description?: string } | undefined;
			expect(error?.message).toContain('AAC answered 403');
			expect(error?.message).toContain('session [redacted] may not read this');
			expect(JSON.stringify(result.run.data.resultData)).not.toContain(OPAQUE.slice(0, 12));
		},
	);
});
