// `npm run demo` (and `npm run dev`): the package's main job inside a real, pinned n8n (2.41.1,
// installed once into .tools/), with n8n's SQLite. Against the local AAC stand-in (the real
// oidc-provider, short-lived access tokens), or against the real AAC when AAC_ACCESS_TOKEN and
// AAC_REFRESH_TOKEN are set. Prints a report: never a raw token, only fingerprints.
//
//   node scripts/demo.mjs          run the main example a few times and report
//   node scripts/demo.mjs --dev    set up the same, then serve the n8n editor until Ctrl-C
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

import { CREDENTIAL_TYPE, ROOT, createN8n } from '../e2e/lib/n8n.mjs';
import { startServer } from '../e2e/lib/server.mjs';
import { outputOf, runError } from '../e2e/lib/workflows.mjs';
import { startStandIn } from '../test/standin/aac-standin.mjs';

const VERSION = '2.41.1';
const CREDENTIAL_ID = 'aacDemoCred';
const CREDENTIAL_NAME = 'Alteryx Analytics Cloud';
const dev = process.argv.includes('--dev');
const realAac = Boolean(process.env.AAC_ACCESS_TOKEN && process.env.AAC_REFRESH_TOKEN);
const say = (text) => process.stdout.write(`${text}\n`);
const fingerprint = (token) => (token ? createHash('sha256').update(String(token)).digest('hex').slice(0, 10) : '—');

function step(command, args) {
	const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
	if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

/** An example workflow from examples/, pointed at the demo credential. */
function example(file, id) {
	const text = readFileSync(join(ROOT, 'examples', file), 'utf8').replaceAll('REPLACE_ON_IMPORT', CREDENTIAL_ID);
	return { ...JSON.parse(text), id, active: false };
}

say('1/4 build the package and install n8n 2.41.1 (first time: a few minutes, ~2.5 GB in .tools/)');
step('npm', ['run', '--silent', 'build']);
step('node', ['e2e/install.mjs', 'node24', `n8n-${VERSION}`]);

say(`2/4 AAC: ${realAac ? 'the real Alteryx Analytics Cloud (tokens from AAC_ACCESS_TOKEN / AAC_REFRESH_TOKEN)' : 'local stand-in (real OAuth server, access tokens live 30 s)'}`);
const standIn = realAac ? undefined : await startStandIn({ accessTokenTtlSeconds: 30 });
const credentialData = realAac
	? { accessToken: process.env.AAC_ACCESS_TOKEN, refreshToken: process.env.AAC_REFRESH_TOKEN }
	: { ...(await standIn.mint({ accessTokenExpired: true })), allowCustomIssuer: true, refreshMarginSeconds: 3 };
if (standIn) say(`    issuer ${standIn.issuer}, client ${standIn.clientId}; the pasted access token has already expired`);

say('3/4 import the credential and the example workflows into n8n');
const n8n = createN8n({ version: VERSION, name: dev ? 'dev' : 'demo' });
await n8n.importCredentials([{ id: CREDENTIAL_ID, name: CREDENTIAL_NAME, type: CREDENTIAL_TYPE, data: credentialData }]);
await n8n.importWorkflow([
	example('token-to-downstream-node.json', 'aacTokenDemo'),
	example('list-plans-http-request.json', 'aacPlansDemo'),
	example('keep-alive-refresh.json', 'aacKeepAlive'),
]);

let failed = false;
try {
	if (dev) {
		const server = await startServer(n8n, { port: 5678 });
		say(`4/4 n8n editor: ${server.url}  (create the owner account on first visit; the credential "${CREDENTIAL_NAME}" and the three examples are there). Ctrl-C stops.`);
		await new Promise((resolveStop) => {
			process.once('SIGINT', resolveStop);
			process.once('SIGTERM', resolveStop);
		});
		await server.stop();
	} else {
		say('4/4 run the examples (each run boots n8n, ~10 s)\n');
		say('run  workflow                         refreshed  stored refresh token (sha256)  AAC call');
		const runs = [
			['aacTokenDemo', 'Get token → HTTP Request header', 'Get access token', 'Who am I'],
			['aacTokenDemo', 'Get token → HTTP Request header', 'Get access token', 'Who am I'],
			['aacPlansDemo', 'HTTP Request with the credential', undefined, 'List plans'],
			['aacTokenDemo', 'Get token → HTTP Request header', 'Get access token', 'Who am I'],
		];
		for (const [index, [id, label, tokenNode, callNode]] of runs.entries()) {
			if (index === 3 && standIn) await wait(30_000); // let the access token expire once more
			const before = standIn?.stats().refreshGrantsOk;
			const run = await n8n.execute(id);
			const error = runError(run.json);
			const stored = (await n8n.exportCredentials()).find((credential) => credential.id === CREDENTIAL_ID);
			const refreshed = tokenNode
				? outputOf(run.json, tokenNode)[0]?.refreshed
				: standIn
					? standIn.stats().refreshGrantsOk > before
					: '?';
			const call = error ? `failed: ${error.message}` : outputOf(run.json, callNode).length > 0 ? 'HTTP 200' : 'no output';
			if (error || run.exitCode !== 0) failed = true;
			say(`${String(index + 1).padEnd(5)}${label.padEnd(33)}${String(refreshed === true ? 'yes' : refreshed === false ? 'no' : refreshed).padEnd(11)}${fingerprint(stored?.data?.refreshToken).padEnd(31)}${call}`);
		}
		if (standIn) {
			const stats = standIn.stats();
			const alive = await standIn.familyAlive((await n8n.exportCredentials()).find((c) => c.id === CREDENTIAL_ID).data.refreshToken);
			say(`\nAAC stand-in: ${stats.tokenRequests} token requests, ${stats.refreshGrantsOk} refreshes, ${stats.reuseDetections} reuse detections, each refresh token used at most ${stats.maxUsesOfOneRefreshToken}×, token family alive: ${alive ? 'yes' : 'NO'}`);
			if (stats.reuseDetections !== 0 || !alive) failed = true;
		}
		say(`n8n ${VERSION} home: ${n8n.userFolder} (logs in ${n8n.logDir}); run "npm run dev" to open the editor.`);
	}
} finally {
	await standIn?.close();
}
process.exitCode = failed ? 1 : 0;
