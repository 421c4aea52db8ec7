// The packed package installed as a library, the way README "Using the core outside n8n" says:
// `npm install <tarball>` in an empty folder outside the repository, on Node 20 and Node 24, then
// `require` and `import` of it refresh against the AAC stand-in (the real oidc-provider), and a
// TypeScript consumer type-checks against the published types. Nothing of the checkout is used
// but the tarball. Run: npm run test:install (Node 24 comes from npm run e2e:install).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startStandIn } from '../../standin/aac-standin.mjs';
import {
	NODES,
	PACKAGE_NAME,
	ROOT,
	assertRefreshedOnce,
	emptyFolder,
	envFor,
	installTarball,
	n8nWorkflowCopies,
	packTarball,
	run,
	runConsumer,
} from './lib.mjs';

// The node, three trigger/keeper nodes, the credential and the core with its types: 65 kB packed
// on 2026-12-02, 87 kB on 2026-12-07 after the Token Keeper, Check Compatibility and the triggers
// rebuilt on run ids. A budget that catches a stray file or a bundled dependency (n8n-workflow
// alone is megabytes), not growth by features.
const MAX_PACKED_BYTES = 100_000;
const CONSUMER = join(ROOT, 'e2e', 'by-hand', 'consumer');

describe('the packed package as a library', { timeout: 10 * 60_000 }, () => {
	let packed;
	let standIn;
	const folders = [];
	const figures = [];

	before(async () => {
		packed = await packTarball();
		standIn = await startStandIn({ port: 0 });
	});

	after(async () => {
		await standIn?.close();
		packed?.cleanup();
		for (const folder of folders) rmSync(folder, { recursive: true, force: true });
		if (figures.length)
			console.log(
				`by-hand library install: ${JSON.stringify({ packedBytes: packed.size, files: packed.entryCount, installs: figures })}`,
			);
	});

	test(`the tarball is under ${MAX_PACKED_BYTES / 1000} kB and ships the ESM entry and the types`, async () => {
		assert.ok(packed.size < MAX_PACKED_BYTES, `packed size ${packed.size} bytes`);
		const { stdout } = await run('tar', ['-tzf', packed.tarball]);
		const files = stdout.split('\n');
		for (const file of [
			'index.js',
			'index.mjs',
			'index.d.ts',
			'index.d.mts',
			'dist/nodes/AlteryxAnalyticsCloud/core/sleep.js',
			'dist/nodes/AlteryxAnalyticsCloud/core/index.d.ts',
		]) {
			assert.ok(files.includes(`package/${file}`), `${file} is in the tarball`);
		}
	});

	for (const nodeMajor of [20, 24]) {
		describe(`Node ${nodeMajor}`, () => {
			let folder;

			test(`npm install <tarball> in an empty folder installs this package alone: no n8n-workflow, no install script`, async (t) => {
				if (!existsSync(NODES[nodeMajor].bin))
					assert.fail(
						`Node ${nodeMajor} is missing at ${NODES[nodeMajor].bin}: run npm run e2e:install`,
					);
				const { stdout: version } = await run('node', ['--version'], { env: envFor(nodeMajor) });
				assert.match(
					version,
					new RegExp(`^v${nodeMajor}\\.`),
					'npm runs on the Node.js version under test',
				);
				folder = emptyFolder(`node${nodeMajor}`);
				folders.push(folder);
				const installed = await installTarball(folder, packed.tarball, { nodeMajor });
				figures.push({
					node: version.trim(),
					seconds: installed.seconds,
					installedBytes: installed.installedBytes,
				});
				t.diagnostic(
					`Node ${version.trim()}: installed in ${installed.seconds.toFixed(1)} s, ${installed.installedBytes} bytes on disk`,
				);
				assert.deepEqual(
					installed.topLevel,
					[PACKAGE_NAME],
					'node_modules holds this package only',
				);
				assert.deepEqual(
					installed.lockPackages,
					[`node_modules/${PACKAGE_NAME}`],
					'the lockfile records this package only',
				);
				assert.deepEqual(
					installed.withInstallScripts,
					[],
					'nothing with an install script (no native build can run)',
				);
				assert.deepEqual(
					n8nWorkflowCopies(folder),
					[],
					'the optional n8n-workflow peer was not installed',
				);
				assert.doesNotMatch(
					installed.output,
					/gyp|node-pre-gyp|prebuild|isolated-vm/,
					'npm built nothing',
				);
				assert.ok(installed.seconds < 60, `install took ${installed.seconds} s`);
				for (const file of ['scenario.mjs', 'refresh.cjs', 'refresh.mjs'])
					copyFileSync(join(CONSUMER, file), join(folder, file));
			});

			test('require() of the installed package refreshes once, rotates and remembers the rotation', async () => {
				assert.ok(folder, 'installed by the previous test');
				const result = await runConsumer(
					standIn,
					folder,
					NODES[nodeMajor].bin,
					['refresh.cjs'],
					envFor(nodeMajor),
				);
				assert.equal(
					result.summary.entry,
					join(folder, 'node_modules', PACKAGE_NAME, 'index.js'),
					'require resolves to index.js of the installed package',
				);
				await assertRefreshedOnce(assert, standIn, result);
			});

			test('import of the installed package refreshes once, on the same module instance as require()', async () => {
				assert.ok(folder, 'installed by the first test');
				const result = await runConsumer(
					standIn,
					folder,
					NODES[nodeMajor].bin,
					['refresh.mjs'],
					envFor(nodeMajor),
				);
				assert.equal(
					result.summary.entry,
					join(folder, 'node_modules', PACKAGE_NAME, 'index.mjs'),
					'import resolves to index.mjs',
				);
				assert.equal(
					result.summary.esmNamesMatchCjs,
					true,
					'index.mjs exports exactly the names of index.js',
				);
				assert.equal(
					result.summary.oneInstance,
					true,
					'import and require share one module instance',
				);
				await assertRefreshedOnce(assert, standIn, result);
			});
		});
	}

	test('TypeScript consumers (ESM and CommonJS) type-check against the published types: nodenext, bundler, node10', async () => {
		const folder = emptyFolder('types');
		folders.push(folder);
		await installTarball(folder, packed.tarball);
		for (const file of ['types.mts', 'types.cts'])
			copyFileSync(join(CONSUMER, file), join(folder, file));
		// No @types/node: the published types need only the standard library's fetch types (DOM).
		const base = {
			target: 'ES2022',
			lib: ['ES2022', 'DOM'],
			types: [],
			strict: true,
			noEmit: true,
			skipLibCheck: false,
		};
		const configs = {
			nodenext: {
				compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext' },
				files: ['types.mts', 'types.cts'],
			},
			bundler: {
				compilerOptions: { ...base, module: 'preserve', moduleResolution: 'bundler' },
				files: ['types.mts'],
			},
			node10: {
				compilerOptions: { ...base, module: 'commonjs', moduleResolution: 'node10' },
				files: ['types.cts'],
			},
		};
		const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
		for (const [name, config] of Object.entries(configs)) {
			writeFileSync(join(folder, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
			// The consumers hold @ts-expect-error lines: types that went missing or became `any` fail here.
			await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: folder });
		}
	});
});
