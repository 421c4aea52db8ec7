// The packed package installed into real n8n by hand, exactly as README "Install in n8n" says:
// `npm install` in the user folder's `.n8n/nodes` on the Node.js that n8n runs on, then n8n
// (re)started. n8n 1.123.81 on Node 20 and 2.41.1 on Node 24, each in a fresh user folder
// outside the repository (so nothing resolves into the repo's node_modules). Then a short chain
// of executions across access-token expiries against the AAC stand-in, and a check that the
// package's `require('n8n-workflow')` got n8n's own copy, recorded inside the n8n processes by a
// preloaded probe (probe-n8n-workflow.cjs). The n8n runner is e2e/lib/n8n.mjs, the workflows
// e2e/lib/workflows.mjs. Run: npm run test:install (after npm run e2e:install).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startStandIn } from '../../standin/aac-standin.mjs';
import { CREDENTIAL_TYPE, VERSIONS, createN8n } from '../lib/n8n.mjs';
import * as wf from '../lib/workflows.mjs';
import {
	PACKAGE_NAME,
	ROOT,
	emptyFolder,
	installTarball,
	n8nWorkflowCopies,
	packTarball,
} from './lib.mjs';

/** Each pinned n8n and the Node.js major it runs on (see e2e/lib/n8n.mjs). */
const TARGETS = [
	{ version: '1.123.81', nodeMajor: 20 },
	{ version: '2.41.1', nodeMajor: 24 },
];
/** Executions in the chain: alternately HTTP Request (predefined credential) and Get → HTTP Request. */
const CHAIN_STEPS = 3;
/** Shorter than one chain step (an execution and an export, two n8n boots): every step refreshes. */
const ACCESS_TOKEN_TTL_SECONDS = 5;
const PROBE = join(ROOT, 'e2e', 'by-hand', 'probe-n8n-workflow.cjs');
const CRED = { id: 'byHandChain', name: 'AAC by-hand chain' };

let packed;
before(async () => {
	packed = await packTarball();
});
after(() => packed?.cleanup());

for (const { version, nodeMajor } of TARGETS) {
	describe(
		`n8n ${version} (Node ${nodeMajor}), package installed by hand`,
		{ timeout: 10 * 60_000 },
		() => {
			let userFolder;
			let nodesDir;
			let probeFile;
			let standIn;
			let n8n;
			let minted;

			before(async () => {
				if (!existsSync(join(VERSIONS[version].install, 'node_modules', 'n8n', 'bin', 'n8n'))) {
					throw new Error(`n8n ${version} is not installed: run npm run e2e:install`);
				}
				userFolder = emptyFolder(`n8n-${version}`);
				nodesDir = join(userFolder, '.n8n', 'nodes');
				probeFile = join(userFolder, 'probe.jsonl');
				standIn = await startStandIn({ port: 0, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });
			});

			after(async () => {
				await standIn?.close();
				if (userFolder) rmSync(userFolder, { recursive: true, force: true });
			});

			test('mkdir -p ~/.n8n/nodes && cd ~/.n8n/nodes && npm install <package>: this package alone, no n8n-workflow beside it', async (t) => {
				mkdirSync(nodesDir, { recursive: true });
				const installed = await installTarball(nodesDir, packed.tarball, { nodeMajor });
				t.diagnostic(`installed into n8n ${version}'s nodes/ in ${installed.seconds.toFixed(1)} s`);
				console.log(
					`by-hand n8n ${version}: npm install in ${installed.seconds.toFixed(1)} s, ${installed.installedBytes} bytes, packed ${packed.size} bytes`,
				);
				assert.deepEqual(installed.topLevel, [PACKAGE_NAME]);
				assert.deepEqual(installed.lockPackages, [`node_modules/${PACKAGE_NAME}`]);
				assert.deepEqual(installed.withInstallScripts, []);
				assert.deepEqual(
					n8nWorkflowCopies(userFolder),
					[],
					'no n8n-workflow anywhere in the user folder',
				);
			});

			test(
				`n8n loads it and a chain of ${CHAIN_STEPS} executions across access-token expiries stores every rotated pair`,
				{ timeout: 8 * 60_000 },
				async () => {
					assert.ok(
						existsSync(join(nodesDir, 'node_modules', PACKAGE_NAME, 'package.json')),
						'installed by the previous test',
					);
					// The runner, pointed at the hand-made user folder (it sets N8N_USER_FOLDER itself; this
					// overrides it); every n8n process preloads the probe.
					n8n = createN8n({
						version,
						name: 'by-hand',
						extraEnv: {
							N8N_USER_FOLDER: userFolder,
							NODE_OPTIONS: `--require ${PROBE}`,
							AAC_PROBE_FILE: probeFile,
						},
					});
					minted = await standIn.mint();
					const credential = {
						...CRED,
						type: CREDENTIAL_TYPE,
						data: {
							accessToken: minted.accessToken,
							refreshToken: minted.refreshToken,
							allowCustomIssuer: true,
							apiBaseUrl: standIn.apiBaseUrl,
							refreshMarginSeconds: 2,
						},
					};
					await n8n.importCredentials([credential]);
					const ref = wf.credentialRef(CRED.id, CRED.name);
					const api = `${standIn.apiBaseUrl}/v4/people/current`;
					await n8n.importWorkflow([
						wf.chain('byHandHttp', 'by-hand: HTTP Request', [
							wf.manualTrigger(),
							wf.httpWithCredential('Call API', api, ref),
						]),
						wf.chain('byHandGet', 'by-hand: Get → HTTP Request', [
							wf.manualTrigger(),
							wf.aacNode('Get token', 'get', ref),
							wf.httpWithAuthorizationHeader(
								'Call API',
								'={{ $json.apiBaseUrl }}/v4/people/current',
							),
						]),
					]);

					await standIn.resetStats();
					let previous = minted.refreshToken;
					let rotations = 0;
					for (let step = 1; step <= CHAIN_STEPS; step++) {
						const workflowId = step % 2 === 1 ? 'byHandHttp' : 'byHandGet';
						const run = await n8n.execute(workflowId, { label: `chain-${step}-${workflowId}` });
						assert.ok(
							run.succeeded,
							`step ${step} (${workflowId}): exit ${run.exitCode}, status ${run.status}: ${wf.runError(run.json)?.message ?? 'no error'} (log: ${run.logFile})`,
						);
						assert.equal(
							wf.outputOf(run.json, 'Call API')[0]?.statusCode,
							200,
							`step ${step}: the API answered 200`,
						);
						const stored = (await n8n.exportCredentials()).find(
							(entry) => entry.id === CRED.id,
						).data;
						assert.equal(
							stored.refreshToken,
							standIn.issuedRefreshTokens().at(-1),
							`step ${step}: n8n stored the newest refresh token`,
						);
						if (stored.refreshToken !== previous) rotations += 1;
						previous = stored.refreshToken;
					}
					const stats = standIn.stats();
					assert.equal(
						rotations,
						CHAIN_STEPS,
						'every execution found the stored access token expired and rotated',
					);
					assert.equal(
						stats.refreshGrantsOk,
						CHAIN_STEPS,
						'every refresh the stand-in made ended up stored in n8n',
					);
					assert.equal(stats.tokenRequests, CHAIN_STEPS);
					assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token used once');
					assert.equal(stats.reuseDetections, 0);
					assert.ok(await standIn.familyAlive(previous), 'token family alive');
				},
			);

			test("the package's require('n8n-workflow') resolved to n8n's own copy, the only copy in the process", () => {
				assert.ok(existsSync(probeFile), 'the probe recorded the n8n processes');
				const n8nPackage = join(VERSIONS[version].install, 'node_modules', 'n8n', 'package.json');
				const n8nsOwn = realpathSync(createRequire(n8nPackage).resolve('n8n-workflow'));
				const n8nsOwnFolder = realpathSync(
					dirname(createRequire(n8nPackage).resolve('n8n-workflow/package.json')),
				);
				const records = readFileSync(probeFile, 'utf8')
					.trim()
					.split('\n')
					.map((line) => JSON.parse(line));
				const resolutions = records.filter((record) => record.kind === 'resolve');
				assert.ok(resolutions.length > 0, "the package's code resolved n8n-workflow inside n8n");
				for (const { from, resolved } of resolutions) {
					assert.ok(
						from.startsWith(realpathSync(nodesDir)) || from.startsWith(nodesDir),
						`the requiring file is the hand-installed package: ${from}`,
					);
					assert.equal(realpathSync(resolved), n8nsOwn, `${from} got n8n's own n8n-workflow`);
				}
				const loadingPids = new Set(resolutions.map((record) => record.pid));
				const exits = records.filter(
					(record) => record.kind === 'exit' && loadingPids.has(record.pid),
				);
				// n8n 2.41.1 now and then dies of a signal while exiting (see e2e/lib/n8n.mjs): no exit record then.
				assert.ok(
					exits.length > 0,
					'processes that loaded the package recorded what they had loaded at exit',
				);
				console.log(
					`by-hand n8n ${version}: ${resolutions.length} resolutions of n8n-workflow from the package in ${loadingPids.size} n8n processes, all to ${n8nsOwnFolder}; ${exits.length} of them recorded their loaded copies at exit`,
				);
				for (const { pid, n8nWorkflowCopies: copies } of exits) {
					assert.deepEqual(
						copies.map((copy) => realpathSync(copy)),
						[n8nsOwnFolder],
						`process ${pid} loaded one n8n-workflow, n8n's own`,
					);
				}
			});
		},
	);
}
