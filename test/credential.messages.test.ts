// The token hardening, where a user meets it: what messages say. No piece of a secret in any
// message or output, and fields named as the credential form shows them.
import {
	AacTokenError,
	FIELD,
	FIELD_LABEL,
	readCredential,
	requestNewTokens,
	type TokenTransport,
} from '../nodes/AlteryxAnalyticsCloud/core';
import {
	useTokenServers,
	credentialType,
	standIn,
	fake,
	madeUpRefreshToken,
	nowSeconds,
	fakeAccessToken,
	setUp,
	aacNode,
	get,
	fetchDeps,
	rejection,
	fakeSettings,
	leakedPieces,
	errorText,
} from './helpers/credentialHardening';

useTokenServers();

describe('no piece of a secret in any message or output', () => {
	test("a server echoing 30 characters of the refresh token: no 12-character piece of it in the core's error", async () => {
		fake.setScript(['echoRefreshPrefix']);
		const settings = fakeSettings();
		const { deps } = fetchDeps();
		const error = await rejection(requestNewTokens(settings, deps));
		expect(error.code).toBe('REFRESH_TOKEN_REJECTED');
		expect(error.message).toMatch(/unknown token/); // the server's text is shown, redacted
		expect(leakedPieces(errorText(error), settings.refreshToken)).toEqual([]);
		expect(leakedPieces(errorText(error), settings.accessToken)).toEqual([]);
	});

	test.each(['n8n1', 'n8n2'] as const)(
		"%s: the same echo leaves no piece in the node's error, nor in its error output",
		async (semantics) => {
			for (const continueOnFail of [false, true]) {
				fake.setScript(['echoRefreshPrefix']);
				const original = madeUpRefreshToken();
				const accessToken = fakeAccessToken();
				const { run, logs } = setUp(semantics, { accessToken, refreshToken: original });
				const result = await run(aacNode('get', continueOnFail));
				const observed = continueOnFail
					? JSON.stringify(result.output('AAC'))
					: `${errorText(result.error)}\n${errorText(result.nodeError('AAC'))}`;
				expect(observed).toMatch(/rejected the refresh token/);
				expect(leakedPieces(logs.join('\n'), original)).toEqual([]);
				expect(leakedPieces(observed, original)).toEqual([]);
				expect(leakedPieces(observed, accessToken)).toEqual([]);
			}
		},
	);

	test('two overlapping secrets in one server text: no 12-character piece of either', async () => {
		// A HAND-WRITTEN transport: an answer no real server gives on purpose, a text holding the
		// refresh token sent and, overlapping it by 21 characters, a token of the answer itself.
		const settings = fakeSettings();
		const sent = settings.refreshToken;
		const other = `${sent.slice(32)}${'y'.repeat(32)}`;
		const transport: TokenTransport = async () => ({
			status: 400,
			headers: {},
			body: JSON.stringify({
				error: 'invalid_grant',
				error_description: `seen ${sent}${'y'.repeat(32)}`,
				refresh_token: other,
			}),
		});
		const error = await rejection(
			requestNewTokens(settings, { transport, sleep: async () => undefined }),
		);
		expect(error.message).toMatch(/seen/);
		expect(leakedPieces(errorText(error), sent)).toEqual([]);
		expect(leakedPieces(errorText(error), other)).toEqual([]);
	});

	test.each(['refresh token', 'access token'] as const)(
		'a %s pasted into Client ID is a field error naming "Client ID", and no output carries it',
		async (which) => {
			const pair = await standIn.mint();
			const pasted = which === 'refresh token' ? pair.refreshToken : pair.accessToken;
			expect(() => readCredential({ ...pair, clientId: pasted, allowCustomIssuer: true })).toThrow(
				/Credential field "Client ID" holds a token/,
			);
			for (const semantics of ['n8n1', 'n8n2'] as const) {
				const { run, store } = setUp(semantics, { ...pair, clientId: pasted });
				for (const operation of ['get', 'inspect'] as const) {
					for (const continueOnFail of [false, true]) {
						const result = await run(aacNode(operation, continueOnFail));
						const observed = `${JSON.stringify(result.output('AAC'))}\n${errorText(result.error)}\n${errorText(result.nodeError('AAC'))}`;
						expect(observed).toMatch(/Client ID.{0,2} holds a token/);
						expect(leakedPieces(observed, pair.refreshToken)).toEqual([]);
						expect(leakedPieces(observed, pair.accessToken)).toEqual([]);
					}
				}
				expect(store.saves).toHaveLength(0);
			}
			expect(await standIn.stats()).toMatchObject({ tokenRequests: 0 });
		},
	);
});

describe('messages name fields as the credential form shows them', () => {
	const valid = () => ({
		accessToken: fakeAccessToken({ exp: nowSeconds() + 600 }),
		refreshToken: 'fake-refresh-field-names',
		allowCustomIssuer: true,
	});
	test.each([
		{ field: 'Access Token', data: { accessToken: '' } },
		{ field: 'Refresh Token', data: { refreshToken: '  ' } },
		{ field: 'Refresh Margin (Seconds)', data: { refreshMarginSeconds: 'soon' } },
		{ field: 'Token Request Timeout (Seconds)', data: { requestTimeoutSeconds: 0 } },
		{ field: 'API Base URL', data: { apiBaseUrl: 'not a url' } },
	])('a bad $field names "$field"', ({ field, data }) => {
		let error: unknown;
		try {
			readCredential({ ...valid(), ...data });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(AacTokenError);
		expect((error as AacTokenError).message).toContain(`Credential field "${field}"`);
	});

	test("the labels messages use are the credential form's display names", () => {
		const shown = new Map(
			credentialType.properties.map((property) => [property.name, property.displayName]),
		);
		for (const [key, label] of Object.entries(FIELD_LABEL))
			expect([key, shown.get(FIELD[key as keyof typeof FIELD_LABEL])]).toEqual([key, label]);
		expect(Object.keys(FIELD_LABEL).length).toBeGreaterThanOrEqual(7);
	});

	test('in n8n, a missing refresh token names "Refresh Token"', async () => {
		const { run } = setUp('n8n2', {
			accessToken: fakeAccessToken({ exp: nowSeconds() + 600 }),
			refreshToken: '',
		});
		const result = await run(get);
		expect(result.error?.message).toMatch(/^Credential field "Refresh Token" is empty/);
	});
});
