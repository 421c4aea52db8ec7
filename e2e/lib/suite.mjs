// The e2e suite: this package installed as a community package in a real, pinned n8n, driven
// through n8n's CLI against the AAC stand-in (real oidc-provider: rotation, reuse detection).
// One stand-in and one n8n user folder per version; tests run in order and share them, each with
// its own credential (its own token family).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, describe } from 'node:test';

import { startStandIn } from '../../test/standin/aac-standin.mjs';
import { readEntitiesExport } from './entities.mjs';
import { CREDENTIAL_TYPE, ENCRYPTION_KEY, PACKED_PACKAGE, ROOT, createN8n } from './n8n.mjs';
import { failedLines, recordingTest } from './recording.mjs';
import { updateResults } from './results.mjs';
import * as wf from './workflows.mjs';

const REMEDY = 'User Preferences → OAuth 2.0 API Tokens';
const CHAIN_STEPS = 10;
/**
 * Access-token lifetime in the chain: shorter than one chain step (an execution plus an export,
 * two n8n boots), so every execution finds the stored token expired and must use the pair the
 * previous process stored; odd steps refresh in HTTP Request's preAuthentication, even ones in our node.
 */
const CHAIN_TTL_SECONDS = 5;
/** Access-token lifetime the 50-item run's one refresh issues: longer than the run takes. */
const ITEMS_TTL_SECONDS = 300;
const ROUNDS = 20;
/** Rounds start on the ticks of a wall clock with this period, in both processes at once. */
const ROUND_PERIOD_SECONDS = 2;
/** Refresh-operation-only: a writer refreshing every ~2 s keeps 6 s tokens valid for the reader. */
const OP_ONLY_TTL_SECONDS = 6;
/** Automatic: both processes are readers; tokens expire between rounds, so both keep refreshing. */
const AUTOMATIC_TTL_SECONDS = 4;

const CRED = {
	chain: { id: 'e2eChain', name: 'AAC e2e chain' },
	items: { id: 'e2eItems50', name: 'AAC e2e 50 items' },
	// The examples reference the credential by this name; the import maps their placeholder id to it.
	example: { id: 'e2eExample', name: 'Alteryx Analytics Cloud' },
	revoked: { id: 'e2eRevoked', name: 'AAC e2e revoked' },
	opOnly: { id: 'e2eMpOpOnly', name: 'AAC e2e multi-process refresh operation only' },
	automatic: { id: 'e2eMpAuto', name: 'AAC e2e multi-process automatic' },
};

const seconds = (ms) => Math.round(ms / 100) / 10;

/** Files under `dir`, recursively, skipping folders named in `skip`. */
function filesUnder(dir, skip = new Set()) {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return skip.has(entry.name) ? [] : filesUnder(path, skip);
		return entry.isFile() ? [path] : [];
	});
}

/** Which package build the suite ran: version, commit, and whether the tree had changes. */
function packageIdentity() {
	const manifest = JSON.parse(readFileSync(join(PACKED_PACKAGE, 'package.json'), 'utf8'));
	let commit = 'unknown commit';
	try {
		commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
		const dirty = execFileSync('git', ['status', '--porcelain', '--', 'nodes', 'credentials'], { cwd: ROOT, encoding: 'utf8' }).trim();
		if (dirty) commit += ' with uncommitted changes to the package';
	} catch {
		// not a git checkout
	}
	const build = process.env.AAC_E2E_PACKAGE_DIR ? `, build from AAC_E2E_PACKAGE_DIR=${process.env.AAC_E2E_PACKAGE_DIR}` : '';
	return `${manifest.name}@${manifest.version} (${commit}${build})`;
}

export function defineSuite(version) {
	describe(`n8n ${version}`, { timeout: 20 * 60_000 }, () => {
		const suiteStarted = Date.now();
		/** node:test's test(), recording each outcome for RESULTS.md. */
		const { check, outcomes } = recordingTest();
		let standIn;
		let n8n;
		const minted = {};
		/** Stand-in counters per test (each test resets them first). */
		const measured = {};
		const figures = { chain: undefined, items: undefined, multiProcess: {} };
		/** Access tokens we know of, and those that node outputs carry on purpose (Get/Refresh). */
		const accessTokens = { known: new Set(), carried: new Set() };

		const credentialData = (pair, extra = {}) => ({
			accessToken: pair.accessToken,
			refreshToken: pair.refreshToken,
			allowCustomIssuer: true,
			apiBaseUrl: standIn.apiBaseUrl,
			refreshMode: 'automatic',
			refreshMarginSeconds: 2,
			...extra,
		});
		const credential = (key, pair, extra) => ({ ...CRED[key], type: CREDENTIAL_TYPE, data: credentialData(pair, extra) });
		const ref = (key) => wf.credentialRef(CRED[key].id, CRED[key].name);

		async function mint(key, options) {
			minted[key] = await standIn.mint(options);
			accessTokens.known.add(minted[key].accessToken);
			return minted[key];
		}

		async function execute(workflowId, options) {
			const run = await n8n.execute(workflowId, options);
			for (const nodeName of Object.keys(run.json?.data?.resultData?.runData ?? {})) {
				for (const { items } of wf.nodeRuns(run.json, nodeName)) {
					for (const item of items) if (typeof item.accessToken === 'string') accessTokens.carried.add(item.accessToken);
				}
			}
			return run;
		}

		/** The stored (decrypted) data of one credential, via `n8n export:credentials --decrypted`. */
		async function stored(key) {
			const all = await n8n.exportCredentials();
			for (const entry of all) if (typeof entry.data?.accessToken === 'string') accessTokens.known.add(entry.data.accessToken);
			const found = all.find((entry) => entry.id === CRED[key].id);
			assert.ok(found, `credential ${CRED[key].id} not found in export:credentials`);
			return found.data;
		}

		/** Resets the stand-in's counters, runs `body`, keeps the counters of this test. */
		async function counting(name, body) {
			await standIn.resetStats();
			try {
				return await body();
			} finally {
				measured[name] = standIn.stats();
			}
		}

		const describeRun = (run) =>
			`exit ${run.exitCode}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' (timed out)' : ''}, status ${run.status}: ${wf.runError(run.json)?.message ?? (run.json ? 'no error' : 'no run JSON printed')} (log: ${run.logFile})`;

		let testedPackage;
		before(async () => {
			testedPackage = packageIdentity();
			standIn = await startStandIn({ accessTokenTtlSeconds: CHAIN_TTL_SECONDS });
			n8n = createN8n({ version, name: 'suite' });
			await mint('chain');
			await mint('items', { accessTokenExpired: true });
			await mint('example', { accessTokenTtlSeconds: 3600 });
			await mint('revoked', { accessTokenExpired: true });
			await mint('opOnly', { accessTokenExpired: true }); // placeholders: re-imported fresh by the two-process tests
			await mint('automatic', { accessTokenExpired: true });
			await n8n.importCredentials([
				credential('chain', minted.chain),
				credential('items', minted.items),
				credential('example', minted.example),
				credential('revoked', minted.revoked),
				credential('opOnly', minted.opOnly, { refreshMode: 'refreshOperationOnly', refreshMarginSeconds: 1 }),
				credential('automatic', minted.automatic, { refreshMarginSeconds: 1 }),
			]);

			const api = `${standIn.apiBaseUrl}/v4/people/current`;
			const continueOnError = { onError: 'continueRegularOutput' };
			await n8n.importWorkflow([
				wf.chain('chainHttp', 'e2e chain: HTTP Request', [wf.manualTrigger(), wf.httpWithCredential('Call API', api, ref('chain'))]),
				wf.chain('chainGet', 'e2e chain: Get → HTTP Request', [
					wf.manualTrigger(),
					wf.aacNode('Get token', 'get', ref('chain')),
					wf.httpWithAuthorizationHeader('Call API', '={{ $json.apiBaseUrl }}/v4/people/current'),
				]),
				wf.chain('items50', 'e2e 50 items', [
					wf.manualTrigger(),
					wf.makeArray('Fifty numbers', 'n', 50),
					wf.splitOut('One item each', 'n'),
					wf.httpWithCredential('Call API', api, ref('items')),
				]),
				wf.chain('revoked', 'e2e revoked family', [
					wf.manualTrigger(),
					wf.httpWithCredential('Call API', api, ref('revoked'), continueOnError),
					wf.aacNode('Get token', 'get', ref('revoked')),
				]),
				wf.rounds('mpWriter', 'e2e multi-process: writer', ROUNDS, ROUND_PERIOD_SECONDS, (name) =>
					wf.aacNode(name, 'refresh', ref('opOnly'), continueOnError),
				),
				wf.rounds('mpReaderOpOnly', 'e2e multi-process: reader (refresh operation only)', ROUNDS, ROUND_PERIOD_SECONDS, (name) =>
					wf.httpWithCredential(name, api, ref('opOnly'), { neverError: true, ...continueOnError }),
				),
				wf.rounds('mpReaderAuto', 'e2e multi-process: reader (automatic)', ROUNDS, ROUND_PERIOD_SECONDS, (name) =>
					wf.httpWithCredential(name, api, ref('automatic'), { neverError: true, ...continueOnError }),
				),
				wf.example('keep-alive-refresh.json', 'exKeepAlive'),
				wf.example('list-plans-http-request.json', 'exListPlans'),
				wf.example('token-to-downstream-node.json', 'exDownstream'),
			]);
		});

		after(async () => {
			await standIn?.close();
			if (!n8n) return;
			// Totals leave out the automatic two-process test, whose processes race on purpose (reported on its own).
			const total = (field) =>
				Object.entries(measured)
					.filter(([name]) => name !== 'automatic')
					.reduce((sum, [, stats]) => sum + stats[field], 0);
			const wall = seconds(Date.now() - suiteStarted);
			const boots = n8n.commands.length;
			// One-shot commands (the long multi-process runs left out): roughly what one n8n boot costs.
			const bootSeconds = n8n.commands.filter((command) => !command.label.startsWith('mp-')).map((command) => command.durationMs / 1000);
			const passed = outcomes.filter((outcome) => outcome.passed).length;
			const crashes = n8n.commands.filter((command) => command.signal).length;
			const failed = failedLines(outcomes).join('\n');
			const summary = {
				version,
				wallSeconds: wall,
				n8nCommands: boots,
				refreshes: total('refreshGrantsOk'),
				tokenRequests: total('tokenRequests'),
				reuseDetections: total('reuseDetections'),
				invalidGrants: total('invalidGrants'),
				items50Refreshes: measured.items?.refreshGrantsOk,
				crashesOnExit: n8n.commands.filter((command) => command.signal).length,
			};
			console.log(`e2e n8n ${version}: ${JSON.stringify(summary)}`);

			const mp = (mode) => figures.multiProcess[mode];
			const mpRow = (label, m) =>
				m
					? `| ${label} | ${m.rounds} × 2 processes | ${m.refreshes} | ${m.reuseDetections} | ${m.invalidGrants} | ${m.familyAlive ? 'yes' : 'no'} | ${m.processes.map((p) => `${p.role}: ${p.ok}/${m.rounds} ok`).join('; ')} | ${m.wallSeconds} s |`
					: `| ${label} | not run | | | | | | |`;
			const chain = figures.chain;
			updateResults(
				version,
				`## n8n ${version} (Node ${n8n.nodeVersion ?? '?'}), run ${new Date().toISOString().slice(0, 16)}Z

Package ${testedPackage}. Tests: ${passed} of ${outcomes.length} passed.
${failed ? `${failed}\n` : ''}
${crashes ? `n8n died of a signal while exiting, after printing the finished run, in ${crashes} of ${boots} commands (${[...new Set(n8n.commands.filter((c) => c.signal).map((c) => c.signal))].join(', ')}); those runs were judged by the status they printed.\n` : ''}Suite wall time ${wall} s for ${boots} n8n CLI commands (each boots a whole n8n; one-shot commands took ${median(bootSeconds)} s median, ${seconds(1000 * Math.max(...bootSeconds))} s at most).
Across the suite without the automatic two-process test: ${summary.refreshes} refreshes, ${summary.reuseDetections} reuse detections, ${summary.invalidGrants} rejected refresh grants (${summary.tokenRequests} token requests; the revoked family accounts for one rejection).

| test | figures |
| --- | --- |
| chain of ${CHAIN_STEPS} executions (access token ${CHAIN_TTL_SECONDS} s) | ${chain ? `${chain.refreshes} refreshes, max uses of one refresh token ${chain.maxUses}, ${chain.reuseDetections} reuse detections, stored pair newest after ${chain.newestAfter}/${CHAIN_STEPS} executions, family alive: ${chain.familyAlive ? 'yes' : 'no'}, ${chain.wallSeconds} s` : 'not run'} |
| HTTP Request, 50 items, expired access token | ${measured.items ? `${measured.items.refreshGrantsOk} refresh(es), ${measured.items.tokenRequests} token request(s), ${figures.items?.ok ?? '?'}/50 responses 200` : 'not run'} |
| family revoked in AAC | ${measured.revoked ? `${measured.revoked.tokenRequests} token request(s), ${figures.revoked?.remedyShown ? 'remedy shown' : 'remedy NOT shown'}, stored credential ${figures.revoked?.unchanged ? 'unchanged' : 'CHANGED'}` : 'not run'} |

Two n8n processes sharing one credential (same database), ${ROUNDS} rounds each, started on the same ${ROUND_PERIOD_SECONDS}-second wall-clock ticks in both processes:

| mode | rounds | refreshes | reuse detections | rejected grants | family alive | per process | wall time |
| --- | --- | --- | --- | --- | --- | --- | --- |
${mpRow(`Refresh Operation Only (writer: Refresh node; reader: HTTP Request; access token ${OP_ONLY_TTL_SECONDS} s)`, mp('refreshOperationOnly'))}
${mpRow(`Automatic (two readers: HTTP Request; access token ${AUTOMATIC_TTL_SECONDS} s)`, mp('automatic'))}
`,
			);
		});

		check('chain of 10 executions across access-token expiries: n8n stores every rotated pair', { timeout: 8 * 60_000 }, async () => {
			await counting('chain', async () => {
				const started = Date.now();
				const issuedAtStart = standIn.issuedRefreshTokens().length;
				let previous = { accessToken: minted.chain.accessToken, refreshToken: minted.chain.refreshToken };
				let refreshes = 0;
				let newestAfter = 0;
				const problems = [];
				for (let step = 1; step <= CHAIN_STEPS; step++) {
					// Alternate the two ways the credential is used: HTTP Request's preAuthentication, and our node.
					const workflowId = step % 2 === 1 ? 'chainHttp' : 'chainGet';
					const run = await execute(workflowId, { label: `chain-${step}-${workflowId}` });
					if (!run.succeeded) problems.push(`step ${step} (${workflowId}): ${describeRun(run)}`);
					const response = wf.outputOf(run.json, 'Call API')[0];
					if (response?.statusCode !== 200) problems.push(`step ${step} (${workflowId}): API answered ${response?.statusCode}`);

					const now = await stored('chain');
					const issued = standIn.issuedRefreshTokens();
					const newest = issued.length > issuedAtStart ? issued.at(-1) : minted.chain.refreshToken;
					if (now.refreshToken === newest) newestAfter += 1;
					else problems.push(`step ${step}: stored refresh token is not the newest issued one`);
					if (!(await standIn.familyAlive(now.refreshToken))) problems.push(`step ${step}: stored refresh token is not alive`);
					if (now.refreshToken !== previous.refreshToken) {
						refreshes += 1;
						if (now.accessToken === previous.accessToken) problems.push(`step ${step}: refresh token rotated but access token did not`);
					}
					if (workflowId === 'chainGet') {
						const got = wf.outputOf(run.json, 'Get token')[0];
						if (got && got.accessToken !== now.accessToken) problems.push(`step ${step}: Get output a token that is not the stored one`);
					}
					previous = { accessToken: now.accessToken, refreshToken: now.refreshToken };
				}
				const stats = standIn.stats();
				const familyAlive = await standIn.familyAlive(previous.refreshToken);
				figures.chain = {
					refreshes: stats.refreshGrantsOk,
					maxUses: stats.maxUsesOfOneRefreshToken,
					reuseDetections: stats.reuseDetections,
					newestAfter,
					familyAlive,
					wallSeconds: seconds(Date.now() - started),
				};
				assert.deepEqual(problems, [], `${problems.length} problem(s) in the chain, the first: ${problems[0]}`);
				assert.ok(refreshes >= 3, `the chain spans at least 3 access-token expiries (it refreshed ${refreshes} times)`);
				assert.equal(stats.refreshGrantsOk, refreshes, 'every refresh the stand-in saw ended up stored in n8n');
				assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'every refresh token used exactly once');
				assert.equal(stats.reuseDetections, 0);
				assert.equal(stats.invalidGrants, 0);
				assert.ok(familyAlive, 'token family alive at the end');
			});
		});

		check('HTTP Request node, predefined credential, 50 items, expired access token: one refresh, 50 × 200', { timeout: 3 * 60_000 }, async () => {
			await counting('items', async () => {
				// The refreshed token must outlive the 50 calls: with the chain's 5-s tokens a loaded
				// machine (50 calls took 11 s once) makes a second, legitimate refresh.
				standIn.setAccessTokenTtl(ITEMS_TTL_SECONDS);
				const run = await execute('items50').finally(() => standIn.setAccessTokenTtl(CHAIN_TTL_SECONDS));
				const responses = wf.outputOf(run.json, 'Call API');
				figures.items = { ok: responses.filter((item) => item.statusCode === 200).length };
				assert.ok(run.succeeded, describeRun(run));
				assert.equal(responses.length, 50);
				assert.equal(figures.items.ok, 50, 'every item answered 200');
				const stats = standIn.stats();
				assert.equal(stats.refreshGrantsOk, 1, 'exactly one refresh');
				assert.equal(stats.tokenRequests, 1, 'exactly one token request');
				assert.equal(stats.apiOk, 50);
				assert.equal(stats.apiUnauthorized, 0);
				assert.equal(stats.reuseDetections, 0);
				const now = await stored('items');
				assert.notEqual(now.refreshToken, minted.items.refreshToken, 'the rotated pair was stored');
				assert.ok(await standIn.familyAlive(now.refreshToken), 'the stored refresh token is the live one');
			});
		});

		check('Get → HTTP Request with Authorization: {{ $json.authorization }} (examples/token-to-downstream-node.json): 200', { timeout: 2 * 60_000 }, async () => {
			await counting('downstream', async () => {
				const run = await execute('exDownstream');
				assert.ok(run.succeeded, describeRun(run));
				const token = wf.outputOf(run.json, 'Get access token')[0];
				assert.equal(token?.apiBaseUrl, standIn.apiBaseUrl, "the node output's apiBaseUrl comes from the credential");
				assert.match(token?.authorization ?? '', /^Bearer ey/);
				const response = wf.outputOf(run.json, 'Who am I')[0];
				assert.equal(response?.email, 'standin@example.com', 'AAC answered 200 with the current user');
				assert.equal(standIn.stats().apiOk, 1);
			});
		});

		check('examples: imported as users import them (credential mapped by name), and they run', { timeout: 3 * 60_000 }, async () => {
			await counting('examples', async () => {
				const workflows = await n8n.exportWorkflows();
				for (const id of ['exKeepAlive', 'exListPlans', 'exDownstream']) {
					const workflow = workflows.find((entry) => entry.id === id);
					assert.ok(workflow, `example ${id} imported`);
					for (const node of workflow.nodes.filter((entry) => entry.credentials)) {
						assert.equal(node.credentials[CREDENTIAL_TYPE]?.id, CRED.example.id, `${id} / ${node.name}: placeholder mapped to the credential named "${CRED.example.name}"`);
					}
				}

				const plans = await execute('exListPlans');
				assert.ok(plans.succeeded, describeRun(plans));
				assert.deepEqual(wf.outputOf(plans.json, 'List plans')[0]?.data, [{ id: 1, name: 'Demo plan' }], 'GET {apiBaseUrl}/v4/plans answered 200');

				const before = await stored('example');
				const keepAlive = await execute('exKeepAlive');
				assert.ok(keepAlive.succeeded, describeRun(keepAlive));
				assert.equal(wf.outputOf(keepAlive.json, 'Refresh tokens')[0]?.refreshed, true, 'Refresh rotated the tokens');
				const afterRefresh = await stored('example');
				assert.notEqual(afterRefresh.refreshToken, before.refreshToken, 'the rotated pair was stored');
				assert.ok(await standIn.familyAlive(afterRefresh.refreshToken));
				assert.equal(standIn.stats().refreshGrantsOk, 1);
			});
		});

		for (const mode of ['refreshOperationOnly', 'automatic']) {
			const title =
				mode === 'refreshOperationOnly'
					? `two n8n processes, ${ROUNDS} rounds, Refresh Operation Only (writer + reader): no reuse, family alive`
					: `two n8n processes, ${ROUNDS} rounds, Automatic (two readers): measured`;
			check(title, { timeout: 5 * 60_000 }, async () => {
				const opOnly = mode === 'refreshOperationOnly';
				const key = opOnly ? 'opOnly' : 'automatic';
				standIn.setAccessTokenTtl(opOnly ? OP_ONLY_TTL_SECONDS : AUTOMATIC_TTL_SECONDS);
				// Refresh-operation-only starts with a token that outlives the processes' boot, not the
				// rounds: the reader must pick up the writer's rotations. Automatic starts expired.
				const pair = await mint(key, opOnly ? { accessTokenTtlSeconds: 30 } : { accessTokenExpired: true });
				await n8n.importCredentials([
					credential(key, pair, { refreshMode: mode, refreshMarginSeconds: 1 }),
				]);
				const result = await counting(key, async () => {
					const started = Date.now();
					const roles = opOnly
						? [['writer', 'mpWriter'], ['reader', 'mpReaderOpOnly']]
						: [['reader 1', 'mpReaderAuto'], ['reader 2', 'mpReaderAuto']];
					const runs = await Promise.all(roles.map(([role, id]) => execute(id, { label: `mp-${mode}-${role.replace(' ', '')}`, timeoutMs: 240_000 })));
					const wallSeconds = seconds(Date.now() - started);
					const stats = standIn.stats();
					const now = await stored(key);
					const familyAlive = await standIn.familyAlive(now.refreshToken);
					const processes = runs.map((run, index) => {
						const role = roles[index][0];
						const outcomes = [];
						for (let round = 1; round <= ROUNDS; round++) {
							const item = wf.outputOf(run.json, `Round ${String(round).padStart(2, '0')}`)[0];
							if (!item) outcomes.push('did not run');
							else if (item.error) outcomes.push(`error: ${typeof item.error === 'string' ? item.error : item.error.message ?? JSON.stringify(item.error)}`);
							else if (role === 'writer') outcomes.push(item.refreshed === true ? 'ok' : 'not refreshed');
							else outcomes.push(item.statusCode === 200 ? 'ok' : `HTTP ${item.statusCode}`);
						}
						return { role, exitCode: run.exitCode, ok: outcomes.filter((o) => o === 'ok').length, outcomes, log: run.logFile };
					});
					return {
						mode,
						rounds: ROUNDS,
						refreshes: stats.refreshGrantsOk,
						tokenRequests: stats.tokenRequests,
						reuseDetections: stats.reuseDetections,
						invalidGrants: stats.invalidGrants,
						maxUsesOfOneRefreshToken: stats.maxUsesOfOneRefreshToken,
						apiOk: stats.apiOk,
						apiUnauthorized: stats.apiUnauthorized,
						familyAlive,
						wallSeconds,
						processes,
						runs,
					};
				});
				const { runs, ...figure } = result;
				figures.multiProcess[mode] = figure;
				console.log(`e2e n8n ${version} multi-process ${mode}: ${JSON.stringify({ ...figure, processes: figure.processes.map(({ log, ...p }) => p) })}`);

				for (const run of runs) assert.ok(run.json, `each process ran its ${ROUNDS} rounds and printed the run (${describeRun(run)})`);
				if (opOnly) {
					const [writer, reader] = figure.processes;
					assert.equal(figure.reuseDetections, 0, 'no reuse detection');
					assert.ok(figure.familyAlive, 'family alive');
					assert.ok(figure.refreshes >= 3, `refreshes really happened (${figure.refreshes})`);
					assert.equal(figure.maxUsesOfOneRefreshToken, 1, 'every refresh token used once');
					assert.deepEqual(writer.outcomes.filter((o) => o !== 'ok'), [], 'every writer round refreshed');
					assert.deepEqual(reader.outcomes.filter((o) => o !== 'ok'), [], 'every reader round answered 200');
				}
			});
		}

		check('family revoked in AAC: the run fails with the remedy, the stored credential is unchanged', { timeout: 3 * 60_000 }, async () => {
			await counting('revoked', async () => {
				assert.deepEqual(await standIn.revokeFamily(minted.revoked.refreshToken), { revoked: true });
				const run = await execute('revoked');
				const error = wf.runError(run.json);
				const httpItem = wf.outputOf(run.json, 'Call API')[0];
				const printed = `${run.stdout}\n${run.stderr}`;
				figures.revoked = { remedyShown: printed.includes(REMEDY) };
				assert.equal(run.status, 'error', 'the execution fails');
				assert.ok(run.exitCode === 1 || run.crashedOnExit, `n8n exits 1 (${describeRun(run)})`);
				assert.ok(error, `the run reports an error (${describeRun(run)})`);
				assert.match(error.message, /rejected the refresh token/);
				assert.ok(String(error.description).includes(REMEDY), `the error says what to do: ${error.description}`);
				assert.ok(figures.revoked.remedyShown, "n8n's output shows the remedy");
				assert.match(JSON.stringify(httpItem?.error ?? httpItem ?? ''), /rejected the refresh token/, 'the HTTP Request node reports the rejected refresh token too');
				assert.equal(standIn.stats().tokenRequests, 1, 'a rejected refresh token is never sent again');
				const now = await stored('revoked');
				figures.revoked.unchanged = now.accessToken === minted.revoked.accessToken && now.refreshToken === minted.revoked.refreshToken;
				assert.ok(figures.revoked.unchanged, 'the stored credential is unchanged');
			});
		});

		check('secrets: no refresh token in the database, n8n output or exports; access tokens only where outputs carry them', { timeout: 3 * 60_000 }, async () => {
			const entitiesDir = await n8n.exportEntities();
			const workflowsExport = JSON.stringify(await n8n.exportWorkflows());
			const refreshTokens = standIn.issuedRefreshTokens().filter((token) => token.length >= 16);
			assert.ok(refreshTokens.length >= 10, 'the suite issued refresh tokens to look for');
			const carried = [...accessTokens.carried];
			const hidden = [...accessTokens.known].filter((token) => !accessTokens.carried.has(token));
			assert.ok(hidden.length > 0 && carried.length > 0);

			// Everything n8n keeps in its folder (database, -wal/-journal, event logs, config) as bytes;
			// the entities export (every table, executions included) decrypted.
			const n8nFiles = filesUnder(join(n8n.userFolder, '.n8n'), new Set(['nodes']));
			assert.ok(n8nFiles.includes(n8n.dbFile), 'the database file is among the files read');
			const n8nFolder = n8nFiles.map((file) => ({ where: file.slice(n8n.runDir.length + 1), bytes: readFileSync(file) }));
			const exported = readEntitiesExport(join(entitiesDir, 'entities.zip'), ENCRYPTION_KEY).map(({ name, text }) => ({ where: `export:entities ${name}`, text }));
			assert.ok(exported.some((table) => table.where.includes('executiondata')), 'the entities export holds the executions');
			const outputs = n8n.commands.flatMap((command) => [
				{ where: `${command.logFile} (stdout)`, text: command.stdout, execute: command.args[0] === 'execute' },
				{ where: `${command.logFile} (stderr)`, text: command.stderr },
			]);
			const everywhere = [...n8nFolder, ...exported, ...outputs, { where: 'export:workflow', text: workflowsExport }];
			const found = (tokens, haystack) => tokens.filter((token) => (haystack.bytes ? haystack.bytes.includes(token) : haystack.text.includes(token)));

			// The checks can see: execution data is stored in plain, so output tokens are found there.
			// The database is the file and its write-ahead log together: n8n 2.x runs SQLite in WAL
			// mode, and rows written by the last commands can still sit in database.sqlite-wal (above
			// all when n8n died of a signal on exit, before the checkpoint that closing would do).
			const databaseFiles = new Set(n8n.dbFiles());
			const database = n8nFolder.filter((file) => databaseFiles.has(join(n8n.runDir, file.where)));
			const inDatabase = new Set(database.flatMap((file) => found(carried, file)));
			assert.ok(inDatabase.size > 0, 'access tokens that Get output are found in the database or its WAL (execution data)');
			assert.ok(found(carried, exported.find((table) => table.where.includes('executiondata'))).length > 0);

			const leaks = [];
			const look = (tokens, kind, haystacks) => {
				for (const haystack of haystacks) {
					const hits = found(tokens, haystack);
					if (hits.length) leaks.push(`${hits.length} ${kind} in ${haystack.where}`);
				}
			};
			look(refreshTokens, 'refresh token(s)', everywhere);
			look(hidden, 'access token(s) that no node output carries', everywhere);
			// Tokens the Get/Refresh nodes output may appear in execution data (database, executions
			// export) and in the run `execute` prints, nowhere else.
			look(carried, 'output access token(s) outside execution data', [
				...outputs.filter((output) => !output.execute),
				...n8nFolder.filter((file) => !file.where.includes('database.sqlite')),
				...exported.filter((table) => !table.where.includes('execution')),
				{ where: 'export:workflow', text: workflowsExport },
			]);
			const perDatabaseFile = database.map((file) => `${file.where.split('/').at(-1)} ${found(carried, file).length}`).join(', ');
			console.log(
				`e2e n8n ${version} secrets: output access tokens found in the database files: ${perDatabaseFile} (${inDatabase.size} of ${carried.length} in all); looked for ${refreshTokens.length} refresh tokens and ${hidden.length + carried.length} access tokens (${carried.length} of them carried by Get/Refresh outputs) in ${n8nFolder.length} files of n8n's folder (${Math.round(n8nFolder.reduce((sum, file) => sum + file.bytes.length, 0) / 1024)} KiB), ${exported.length} exported tables, the workflow export and the output of ${n8n.commands.length} n8n commands`,
			);
			assert.deepEqual(leaks, [], `secrets found: ${leaks.join('; ')}`);
		});
	});
}

function median(values) {
	if (!values.length) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	return Math.round(10 * sorted[Math.floor(sorted.length / 2)]) / 10;
}
