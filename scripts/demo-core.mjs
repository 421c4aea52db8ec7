// The package's core doing its main job against the local AAC stand-in (real oidc-provider):
// five runs a few seconds apart with access tokens that live 4 s. Prints, per run, whether a
// refresh happened, a fingerprint of the refresh token in use (never the token), and the result
// of an AAC API call. Usage: node scripts/demo-core.mjs (after npm run build).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as wait } from 'node:timers/promises';
import { startStandIn } from '../standin/aac-standin.mjs';

const require = createRequire(import.meta.url);
const { createRefreshClient } = require('../index.js');
const fingerprint = (token) => createHash('sha256').update(token).digest('hex').slice(0, 10);

const standIn = await startStandIn({ accessTokenTtlSeconds: 4 });
try {
	const client = createRefreshClient();
	let credential = {
		...(await standIn.mint({ accessTokenExpired: true })),
		allowCustomIssuer: true,
		refreshMarginSeconds: 1,
	};
	console.log(`AAC stand-in: issuer ${standIn.issuer}, client ${standIn.clientId}`);
	console.log('run  refreshed  refresh token (sha256)  AAC GET /v4/people/current');
	for (let run = 1; run <= 5; run++) {
		const result = await client.getAccessToken(credential);
		// What n8n does for the credential: save the rotated pair before anything else uses it.
		if (result.changed)
			credential = {
				...credential,
				accessToken: result.accessToken,
				refreshToken: result.refreshToken,
			};
		const api = await fetch(`${standIn.apiBaseUrl}/v4/people/current`, {
			headers: { authorization: `Bearer ${result.accessToken}` },
		});
		console.log(
			`${String(run).padEnd(5)}${(result.refreshed ? 'yes' : 'no').padEnd(11)}${fingerprint(result.refreshToken).padEnd(24)}HTTP ${api.status}`,
		);
		await api.body?.cancel();
		await wait(1500);
	}
	const stats = standIn.stats();
	const alive = await standIn.familyAlive(credential.refreshToken);
	console.log(
		`token requests ${stats.tokenRequests}, reuse detections ${stats.reuseDetections}, max uses of one refresh token ${stats.maxUsesOfOneRefreshToken}, family alive: ${alive}`,
	);
	process.exitCode = stats.reuseDetections === 0 && alive ? 0 : 1;
} finally {
	await standIn.close();
}
