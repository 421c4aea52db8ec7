// Deno 2 runs the built package: it loads the credential and node classes from dist (CommonJS,
// through createRequire, as n8n's own loader would require them) and runs the core's refresh,
// via index.js, against the real oidc-provider stand-in, started inside Deno itself.
// Run from the package root: deno test --allow-all test/deno/package.deno.mjs
// (a .mjs file: n8n's lint rules cover every .ts file and forbid the Node built-ins used here)
import { createRequire } from 'node:module';
import { assert, assertEquals, assertMatch, assertNotEquals } from './assert.mjs';
import { startStandIn } from '../standin/aac-standin.mjs';

const require = createRequire(import.meta.url);

Deno.test('the built credential and node load in Deno', () => {
	const { AlteryxAnalyticsCloudOAuth2Api } = require('../../dist/credentials/AlteryxAnalyticsCloudOAuth2Api.credentials.js');
	const { AlteryxAnalyticsCloud } = require('../../dist/nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node.js');
	const credential = new AlteryxAnalyticsCloudOAuth2Api();
	const node = new AlteryxAnalyticsCloud();
	assertEquals(credential.name, 'alteryxAnalyticsCloudOAuth2Api');
	assertEquals(typeof credential.preAuthentication, 'function');
	assertEquals(node.description.name, 'alteryxAnalyticsCloud');
	assertEquals(
		node.description.properties.find((p) => p.name === 'operation').options.map((o) => o.value),
		['get', 'inspect', 'refresh'],
	);
});

Deno.test('the core refreshes once, rotates, and remembers the rotation (real OAuth server)', async () => {
	const standIn = await startStandIn({ port: 0 });
	try {
		const { createRefreshClient, RefreshCoordinator } = require('../../index.js');
		const client = createRefreshClient({ coordinator: new RefreshCoordinator() });
		const pair = await standIn.mint({ accessTokenExpired: true });
		const credential = { ...pair, allowCustomIssuer: true };

		const results = await Promise.all(Array.from({ length: 20 }, () => client.getAccessToken(credential)));
		const first = results[0];
		assert(first.refreshed && first.changed);
		assertNotEquals(first.refreshToken, pair.refreshToken);
		assertEquals(new Set(results.map((r) => r.refreshToken)).size, 1);

		// A caller still holding the spent pair gets the newest one, without a request.
		const stale = await client.getAccessToken(credential);
		assertEquals(stale.refreshToken, first.refreshToken);
		assertEquals(stale.refreshed, false);

		const stats = standIn.stats();
		assertEquals(stats.tokenRequests, 1);
		assertEquals(stats.reuseDetections, 0);
		assert(await standIn.familyAlive(first.refreshToken));

		const api = await fetch(`${standIn.apiBaseUrl}/v4/people/current`, { headers: { authorization: `Bearer ${first.accessToken}` } });
		assertEquals(api.status, 200);
		await api.body?.cancel();
	} finally {
		await standIn.close();
	}
});

Deno.test('a hostile issuer is refused in Deno too, before any request', async () => {
	const { createRefreshClient, RefreshCoordinator } = require('../../index.js');
	let sent = 0;
	const client = createRefreshClient({
		coordinator: new RefreshCoordinator(),
		transport: () => {
			sent += 1;
			throw new Error('must not be called');
		},
	});
	const payload = btoa(JSON.stringify({ iss: 'https://pingauth.alteryxcloud.com.evil.example/as', client_id: 'c', exp: 1 }))
		.replace(/=+$/, '')
		.replace(/\+/g, '-')
		.replace(/\//g, '_');
	let error;
	try {
		await client.getAccessToken({ accessToken: `e30.${payload}.sig`, refreshToken: 'some-refresh-token' });
	} catch (caught) {
		error = caught;
	}
	assertEquals(error?.code, 'ISSUER_NOT_ALLOWED');
	assertMatch(error.message, /Nothing was sent/);
	assertEquals(sent, 0);
});
