// Deno 2 runs the INSTALLED package, as README "Using the core outside n8n" tells Deno users: the
// packed tarball `npm install`ed into an empty folder outside the repository (no n8n-workflow
// there), a main.ts beside it importing the package by name, `deno run` with network access to
// 127.0.0.1 only. The AAC stand-in (real oidc-provider) runs in this Node process and counts.
// Run: npm run test:deno
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { startStandIn } from '../../standin/aac-standin.mjs';
import {
	ROOT,
	assertRefreshedOnce,
	emptyFolder,
	installTarball,
	n8nWorkflowCopies,
	packTarball,
	run,
	runConsumer,
} from '../../e2e/by-hand/lib.mjs';

const require = createRequire(import.meta.url);
/** The deno binary of the `deno` devDependency (what its bin script runs). */
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');
/** The README's command: the environment variables the script reads, network to 127.0.0.1 only. */
const DENO_RUN = [
	'run',
	'--allow-net=127.0.0.1',
	'--allow-env=AAC_ACCESS_TOKEN,AAC_REFRESH_TOKEN,AAC_API_BASE_URL',
	'main.ts',
];

let packed;
let standIn;
let folder;

before(async () => {
	packed = await packTarball();
	standIn = await startStandIn({ port: 0 });
	folder = emptyFolder('deno');
	const installed = await installTarball(folder, packed.tarball);
	assert.deepEqual(n8nWorkflowCopies(folder), [], 'no n8n-workflow in the Deno folder');
	assert.deepEqual(installed.lockPackages, ['node_modules/n8n-nodes-alteryx-analytics-cloud']);
	copyFileSync(join(ROOT, 'test', 'deno', 'main.mts'), join(folder, 'main.ts'));
	copyFileSync(
		join(ROOT, 'e2e', 'by-hand', 'consumer', 'scenario.mjs'),
		join(folder, 'scenario.mjs'),
	);
});

after(async () => {
	await standIn?.close();
	packed?.cleanup();
	if (folder) rmSync(folder, { recursive: true, force: true });
});

test(`Deno ${require('deno/package.json').version}: the installed package refreshes once, rotates and remembers the rotation (no n8n-workflow)`, async () => {
	const result = await runConsumer(standIn, folder, DENO, DENO_RUN);
	assert.match(result.summary.runtime, /^deno 2\./);
	await assertRefreshedOnce(assert, standIn, result);
});

test('Deno refuses a hostile issuer before any request (the installed package, no transport)', async () => {
	await standIn.resetStats();
	const payload = Buffer.from(
		JSON.stringify({
			iss: 'https://pingauth.alteryxcloud.com.evil.example/as',
			client_id: 'c',
			exp: 1,
		}),
	).toString('base64url');
	const script = `import { createRefreshClient, RefreshCoordinator } from 'n8n-nodes-alteryx-analytics-cloud';
const client = createRefreshClient({ coordinator: new RefreshCoordinator() });
try {
	await client.getAccessToken({ accessToken: 'e30.${payload}.sig', refreshToken: 'some-refresh-token' });
	console.log(JSON.stringify({ refused: false }));
} catch (error) {
	console.log(JSON.stringify({ refused: true, code: error.code, message: error.message }));
}`;
	const { stdout } = await run(DENO, ['eval', '--ext=ts', script], { cwd: folder });
	const outcome = JSON.parse(stdout.trim().split('\n').at(-1));
	assert.equal(outcome.code, 'ISSUER_NOT_ALLOWED');
	assert.match(outcome.message, /Nothing was sent/);
	assert.equal(standIn.stats().tokenRequests, 0);
});
