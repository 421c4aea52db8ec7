'use strict';
// Child process for bench/footprint.mjs (run with --expose-gc): heap held by the rotation memory of
// a RefreshCoordinator from dist after 10,000 distinct credentials have each refreshed once,
// through an in-memory token endpoint (no network). Token sizes like AAC's: RS256 JWTs of about
// 1 kB for the access token; the refresh tokens are JWT-sized too (the conservative case).
// Prints one JSON line with heap checkpoints and coordinator.size.
const { join } = require('node:path');

if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
const root = join(__dirname, '../..');
const { RefreshCoordinator, readCredential } = require(
	join(root, 'dist/nodes/AlteryxAnalyticsCloud/core/index.js'),
);

const total = Number(process.argv[2] ?? 10_000);
const checkpoints = new Set([0, 1_000, 2_000, 5_000, total]);
const ISSUER = 'https://pingauth.alteryxcloud.com/as';
const CLIENT_ID = '0oa1b2c3d4e5f6g7h8i9';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
let serial = 0;
/** A JWT-shaped token of about 1 kB: unique payload, 342-character RS256-sized signature. */
function jwt(expSeconds, kind) {
	serial += 1;
	const payload = {
		iss: ISSUER,
		sub: `user-${serial}@example.com`,
		aud: 'https://us1.alteryxcloud.com',
		client_id: CLIENT_ID,
		scope: 'openid profile email offline_access',
		token_use: kind,
		jti: `${kind}-${serial}-${Math.random().toString(36).slice(2)}`,
		iat: Math.floor(Date.now() / 1000) - 10,
		exp: expSeconds,
		workspace: `ws-${serial % 97}`,
		roles: ['member', 'flow-designer'],
	};
	const signature = Buffer.from(`${serial}`.padEnd(256, '#')).toString('base64url').slice(0, 342);
	return `${b64({ alg: 'RS256', typ: 'JWT', kid: 'aac-signing-key-1' })}.${b64(payload)}.${signature}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const deps = {
	sleep: async () => {},
	transport: async () => ({
		status: 200,
		headers: {},
		body: JSON.stringify({
			access_token: jwt(nowSeconds() + 300, 'access'),
			refresh_token: jwt(nowSeconds() + 30 * 86400, 'refresh'),
			token_type: 'Bearer',
			expires_in: 300,
		}),
	}),
};

function heapUsed() {
	for (let i = 0; i < 3; i++) global.gc();
	return process.memoryUsage().heapUsed;
}

(async () => {
	const coordinator = new RefreshCoordinator();
	const sampleAccess = jwt(nowSeconds() - 60, 'access');
	const points = [];
	const baseline = heapUsed();
	points.push({ credentials: 0, heapUsed: baseline, size: coordinator.size });
	for (let i = 1; i <= total; i++) {
		// A distinct credential with an expired access token: each one refreshes exactly once.
		const settings = readCredential({
			accessToken: jwt(nowSeconds() - 60, 'access'),
			refreshToken: jwt(nowSeconds() + 86400, 'refresh'),
		});
		const result = await coordinator.obtain(settings, deps, { intent: 'refreshIfDue' });
		if (!result.refreshed) throw new Error('expected a refresh');
		if (checkpoints.has(i))
			points.push({ credentials: i, heapUsed: heapUsed(), size: coordinator.size });
	}
	process.stdout.write(
		`${JSON.stringify({ points, baseline, accessTokenLength: sampleAccess.length, refreshTokenLength: jwt(0, 'refresh').length })}\n`,
	);
})().catch((error) => {
	process.stderr.write(`${error.stack}\n`);
	process.exit(1);
});
