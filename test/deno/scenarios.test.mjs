// Deno 2 runs the package's node, credential and triggers in n8n-core's engine: the shared
// scenarios (test/scenarios/scenarios.ts, which jest runs too: test/scenarios.test.ts), once from
// dist/ as n8n loads it (package.json's `n8n` field, n8n-core's PackageDirectoryLoader) and once from
// the TypeScript sources without a build (deno.json: sloppy imports, n8n-workflow's CommonJS build).
// The AAC stand-ins (real oidc-provider, our fake of AAC's v4 API) run here, in Node, and count;
// Deno asks this process for one per scenario (a loopback "factory"), so Deno's permissions are the
// package's and n8n-core's alone. Run: npm run test:deno
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { ROOT, run } from '../../e2e/by-hand/lib.mjs';
import { startStandInFactory } from './standInFactory.mjs';

const require = createRequire(import.meta.url);
const DENO = join(ROOT, 'node_modules', '.bin', 'deno');

/**
 * The narrowest permissions that work, each found by taking it away (README → Compatibility → Deno
 * says the same).
 * @param {string} n8nFolder `$N8N_USER_FOLDER/.n8n`, where n8n keeps its instance config
 */
function denoPermissions(n8nFolder) {
	return [
		// The stand-ins (token endpoint, API, this factory) and the Flow Trigger's webhook endpoint,
		// which listens on 127.0.0.1 for the stand-in's deliveries: loopback only, any port.
		'--allow-net=127.0.0.1',
		// Not narrowable: `debug`, which n8n-core loads, lists every environment variable
		// (Object.keys(process.env)) as it loads; naming variables ends in "Requires env access".
		'--allow-env',
		// The package folder: n8n-core's PackageDirectoryLoader takes its realpath and reads
		// package.json, then require()s dist/; node_modules (n8n-core, n8n-workflow and theirs);
		// the harness's CommonJS helpers; the sources. A directory grants its subtree, and the
		// loader's realpath needs the folder itself, so nothing narrower than it works.
		// n8n's folder: InstanceSettings reads its config file (existsSync, then readFileSync).
		// /.dockerenv and /run/.containerenv: n8n-core asks fs.existsSync whether it runs in a
		// container; Deno throws without read permission where Node says false. (It then reads
		// /proc/self/cgroup and /proc/self/mountinfo inside try/catch: without permission that is
		// "not in a container", as on any host without those markers, so they stay out.)
		`--allow-read=${ROOT},${n8nFolder},/.dockerenv,/run/.containerenv`,
		// InstanceSettings writes its config file (an encryption key) there on first use.
		`--allow-write=${n8nFolder}`,
		// cpus: fast-glob, which n8n-core loads, sizes its pool by os.cpus() as it loads. hostname:
		// in a container (/.dockerenv here) n8n-core names the instance after the host.
		'--allow-sys=cpus,hostname',
	];
}

let factory;
let userFolder;

before(async () => {
	assert.ok(
		existsSync(
			join(ROOT, 'dist', 'nodes', 'AlteryxAnalyticsCloud', 'AlteryxAnalyticsCloud.node.js'),
		),
		'dist/ is missing: npm run build first (the scenarios run from dist/ as n8n loads it)',
	);
	factory = await startStandInFactory();
	userFolder = mkdtempSync(join(tmpdir(), 'aac-deno-n8n-'));
});

after(async () => {
	await factory?.close();
	if (userFolder) rmSync(userFolder, { recursive: true, force: true });
});

/** Runs the scenarios in Deno from `from`; returns each scenario's summary line. */
async function denoScenarios(from) {
	const args = [
		'test',
		'--no-check', // tsc checks these files for jest; Deno would check n8n-core's types too
		...denoPermissions(join(userFolder, '.n8n')),
		'test/deno/scenarios.deno.mts',
		'--',
		factory.url,
		from,
	];
	const env = {
		...process.env,
		N8N_USER_FOLDER: userFolder,
		NO_COLOR: '1',
		DENO_NO_UPDATE_CHECK: '1',
	};
	const { stdout, seconds } = await run(DENO, args, { cwd: ROOT, env, timeoutMs: 240_000 });
	const summaries = stdout
		.split('\n')
		.filter((line) => line.startsWith('SCENARIO '))
		.map((line) => JSON.parse(line.slice('SCENARIO '.length)));
	const passed = Number(/^ok \| (\d+) passed \| 0 failed/m.exec(stdout)?.[1] ?? 0);
	const report = [
		`Deno from ${from}: ${passed} scenarios in ${seconds} s (the process, n8n-core's load included)`,
		...summaries.map((s) => `  ${s.seconds} s ${s.name}: ${JSON.stringify(s.facts)}`),
	];
	return { summaries, passed, report };
}

for (const from of ['dist', 'sources']) {
	test(`Deno ${require('deno/package.json').version}, the package from ${from}: every shared scenario passes with its counts, with the narrowest permissions`, async (t) => {
		const { summaries, passed, report } = await denoScenarios(from);
		for (const line of report) t.diagnostic(line);
		assert.ok(passed >= 5, `the five scenarios and any added since passed (${passed})`);
		assert.equal(summaries.length, passed, 'each passed scenario reported its counts');
		assert.ok(summaries.every((summary) => summary.from === from));
		assert.deepEqual(factory.violations, [], "no request outside AAC's contract");
		assert.equal(factory.running.size, 0, 'every stand-in was stopped');
	});
}
