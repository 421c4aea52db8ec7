// The runtime-agnostic core on its own, part 1: parsing what the user pastes, and the issuer policy
// (core.refresh.test.ts has the refresh policy and the token-endpoint faults). No server is needed:
// these tests send no request (countingDeps counts that), so no token is issued that the secrets
// check of core.refresh.test.ts could look for.
import {
	AacTokenError,
	RefreshCoordinator,
	decodeJwtPayload,
	normalizeToken,
	readCredential,
} from '../nodes/AlteryxAnalyticsCloud/core';
import { fakeJwt } from './fakes/faultyTokenEndpoint';
import { countingDeps, rejection } from './helpers/coreServers';

describe('pasted values', () => {
	test('tolerate whitespace, line breaks and a leading Bearer', () => {
		expect(normalizeToken('  Bearer abc.def.ghi \n')).toBe('abc.def.ghi');
		expect(normalizeToken('abc.\r\ndef.\n ghi')).toBe('abc.def.ghi');
		expect(normalizeToken('bearer\tabc')).toBe('abc');
		expect(normalizeToken(undefined)).toBe('');
	});

	test('malformed JWTs and missing claims name the field and the problem', () => {
		const expectField = (data: Record<string, unknown>, field: string, problem: RegExp) => {
			const error = (() => {
				try {
					readCredential(data);
				} catch (e) {
					return e as AacTokenError;
				}
				throw new Error('expected an error');
			})();
			expect(error.code).toBe('INVALID_FIELD');
			expect(error.message).toContain(`"${field}"`);
			expect(error.message).toMatch(problem);
			expect(error.description.length).toBeGreaterThan(10);
		};
		const exp = Math.floor(Date.now() / 1000) + 300;
		expectField({ accessToken: '', refreshToken: 'r' }, 'Access Token', /empty/);
		expectField({ accessToken: fakeJwt({ exp }), refreshToken: ' ' }, 'Refresh Token', /empty/);
		expectField({ accessToken: 'not-a-jwt', refreshToken: 'r' }, 'Access Token', /not a JWT/);
		expectField({ accessToken: 'a.%%%.c', refreshToken: 'r' }, 'Access Token', /not a JWT/);
		expectField(
			{
				accessToken: fakeJwt({ iss: 'https://pingauth.alteryxcloud.com/as', client_id: 'c' }),
				refreshToken: 'r',
			},
			'Access Token',
			/exp/,
		);
		expectField(
			{
				accessToken: fakeJwt({ iss: 'https://pingauth.alteryxcloud.com/as', exp }),
				refreshToken: 'r',
			},
			'Client ID',
			/client_id/,
		);
		expectField(
			{ accessToken: fakeJwt({ client_id: 'c', exp }), refreshToken: 'r' },
			'Issuer',
			/iss/,
		);
		expectField(
			{ accessToken: fakeJwt({ client_id: 'c', exp }), refreshToken: 'r', issuer: 'pingauth' },
			'Issuer',
			/not an http/,
		);
		expectField(
			{
				accessToken: fakeJwt({ client_id: 'c', iss: 'https://pingauth.alteryxcloud.com/as', exp }),
				refreshToken: 'r',
				refreshMarginSeconds: -5,
			},
			'Refresh Margin (Seconds)',
			/number/,
		);
		expect(decodeJwtPayload('a.W10.c')).toBeUndefined(); // a JSON array is not a payload
	});

	test('typed client id and issuer win over the claims; AAC regions map to API hosts', () => {
		const exp = Math.floor(Date.now() / 1000) + 300;
		const eu = readCredential({
			accessToken: fakeJwt({
				iss: 'https://pingauth-eu1.alteryxcloud.com/as',
				client_id: 'from-token',
				exp,
			}),
			refreshToken: 'r',
		});
		expect(eu).toMatchObject({
			clientId: 'from-token',
			clientIdSource: 'access token',
			issuer: 'https://pingauth-eu1.alteryxcloud.com/as',
			tokenEndpoint: 'https://pingauth-eu1.alteryxcloud.com/as/token',
			apiBaseUrl: 'https://eu1.alteryxcloud.com',
			refreshMode: 'automatic',
			refreshMarginMs: 60_000,
			timeoutMs: 30_000,
		});
		const typed = readCredential({
			accessToken: fakeJwt({
				iss: 'https://pingauth-eu1.alteryxcloud.com/as',
				client_id: 'from-token',
				exp,
			}),
			refreshToken: 'r',
			clientId: ' typed ',
			issuer: 'https://pingauth.alteryxcloud.com/as/',
		});
		expect(typed).toMatchObject({
			clientId: 'typed',
			clientIdSource: 'field',
			issuer: 'https://pingauth.alteryxcloud.com/as',
			apiBaseUrl: 'https://us1.alteryxcloud.com',
		});
	});
});

describe('issuer policy', () => {
	const hostile = [
		'https://evil.example/as',
		'https://pingauth.alteryxcloud.com.evil.example/as',
		'https://evilpingauth.alteryxcloud.com/as',
		'https://pingauth.alteryxcloud.com@evil.example/as',
		'https://evil.example@pingauth.alteryxcloud.com/as',
		'https://user:pass@pingauth.alteryxcloud.com/as',
		'http://pingauth.alteryxcloud.com/as',
		'https://pingauth.alteryxcloud.com:8443/as',
		'https://pingauth.alteryxcloud.com/as?next=https://evil.example',
		'https://pingauth.alteryxcloud.com/as#@evil.example',
		'https://pingauth.alteryxcloud.com/evil',
		'https://pingauth.alteryxcloud.com/as/../../evil',
		'https://pingauth.alteryxcloud.com./as',
		'https://pingauth.alteryxcloud.com\\@evil.example/as',
		'https://p\u0456ngauth.alteryxcloud.com/as', // Cyrillic i
		'https://pingauth.alteryxcloud.co/as',
		'https://alteryxcloud.com/as',
		'https://pingauth-.alteryxcloud.com/as',
		'https://127.0.0.1/as',
		'javascript:alert(1)',
		'file:///etc/passwd',
		'//pingauth.alteryxcloud.com/as',
		'pingauth.alteryxcloud.com/as',
	];

	test.each(hostile)('%s gets an error and no request', async (issuer) => {
		const { deps, sent } = countingDeps();
		const attempt = async () => {
			const settings = readCredential({
				accessToken: fakeJwt({ iss: issuer, client_id: 'c', exp: 1 }),
				refreshToken: 'r',
			});
			return new RefreshCoordinator().obtain(settings, deps, { intent: 'refreshIfDue' });
		};
		const error = await rejection(attempt());
		expect(['ISSUER_NOT_ALLOWED', 'INVALID_FIELD']).toContain(error.code);
		expect(error.message).not.toContain('"r"');
		expect(sent).toHaveLength(0);
	});

	const hostileEvenWithOptIn = [
		'http://evil.example/as',
		'http://169.254.169.254/latest',
		'http://10.0.0.1/as',
		'https://u:p@own.example/as',
		'https://own.example/as?x=1',
	];
	test.each(hostileEvenWithOptIn)('%s is refused even with Allow Custom Issuer', async (issuer) => {
		const { deps, sent } = countingDeps();
		const attempt = async () => {
			const settings = readCredential({
				accessToken: fakeJwt({ iss: issuer, client_id: 'c', exp: 1 }),
				refreshToken: 'r',
				allowCustomIssuer: true,
			});
			return new RefreshCoordinator().obtain(settings, deps, { intent: 'refreshIfDue' });
		};
		expect((await rejection(attempt())).code).toBe('ISSUER_NOT_ALLOWED');
		expect(sent).toHaveLength(0);
	});

	test('AAC identity hosts pass; custom https and loopback http pass only with the opt-in', () => {
		const exp = Math.floor(Date.now() / 1000) + 300;
		const settingsFor = (iss: string, allowCustomIssuer = false) =>
			readCredential({
				accessToken: fakeJwt({ iss, client_id: 'c', exp }),
				refreshToken: 'r',
				allowCustomIssuer,
			});
		expect(settingsFor('https://pingauth.alteryxcloud.com/as').isAacIdentityHost).toBe(true);
		expect(settingsFor('https://PINGAUTH-AU1.alteryxcloud.com/as').apiBaseUrl).toBe(
			'https://au1.alteryxcloud.com',
		);
		expect(() => settingsFor('https://auth.own.example/oauth')).toThrow(AacTokenError);
		expect(settingsFor('https://auth.own.example/oauth', true)).toMatchObject({
			isAacIdentityHost: false,
			tokenEndpoint: 'https://auth.own.example/oauth/token',
			apiBaseUrl: 'https://auth.own.example',
		});
		expect(settingsFor('http://localhost:8080/as', true).tokenEndpoint).toBe(
			'http://localhost:8080/as/token',
		);
	});
});
