// The e2e suite: this package installed as a community package in a real, pinned n8n, driven
// through n8n's CLI against the AAC stand-in (real oidc-provider: rotation, reuse detection).
// One stand-in and one n8n user folder per version (the fixture, e2e/lib/versions.mjs); the
// scenarios (e2e/scenarios/*.mjs) run in order and share them, each with its own credential (its
// own token family). e2e/suite.e2e.mjs runs it; it writes e2e/RESULTS.md, a section per version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';

import { CREDENTIAL_TYPE, PACKED_PACKAGE, ROOT } from './n8n.mjs';
import { failedLines, recordingTest } from './recording.mjs';
import { writeResults } from './report.mjs';
import { forEachN8n } from './versions.mjs';
import * as wf from './workflows.mjs';
import {
	AUTOMATIC_TTL_SECONDS,
	CHAIN_STEPS,
	CHAIN_TTL_SECONDS,
	CRED,
	OP_ONLY_TTL_SECONDS,
	ROUNDS,
	ROUND_PERIOD_SECONDS,
	seconds,
} from '../scenarios/settings.mjs';
import { chainScenario } from '../scenarios/chain.mjs';
import { items50Scenario } from '../scenarios/items50.mjs';
import { downstreamScenario, examplesScenario } from '../scenarios/examples.mjs';
import { multiProcessScenario } from '../scenarios/multiProcess.mjs';
import { revokedFamilyScenario } from '../scenarios/revokedFamily.mjs';
import { secretsScenario } from '../scenarios/secrets.mjs';

const RESULTS_FILE = join(ROOT, 'e2e', 'RESULTS.md');

const HEADER = `# e2e results: the package inside real n8n

Written by \`npm run test:e2e\` (e2e/lib/suite.mjs): each run replaces the section of the n8n version
it ran, so these are the figures of the latest run per version. "Refreshes" are successful
refresh-token grants counted by the AAC stand-in (standin/aac-standin.mjs, the real
oidc-provider with rotation and reuse detection); "reuse detections" are refresh tokens presented
a second time, each of which makes the stand-in (like AAC) revoke the whole token family.
`;

/** In the order they run: later ones use what earlier ones left (the secrets check reads everything). */
const SCENARIOS = [
	chainScenario,
	items50Scenario,
	downstreamScenario,
	examplesScenario,
	multiProcessScenario,
	revokedFamilyScenario,
	secretsScenario,
];

/** Which package build the suite ran: version, commit, and whether the tree had changes. */
function packageIdentity() {
	const manifest = JSON.parse(readFileSync(join(PACKED_PACKAGE, 'package.json'), 'utf8'));
	let commit = 'unknown commit';
	try {
		commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
			cwd: ROOT,
			encoding: 'utf8',
		}).trim();
		const dirty = execFileSync('git', ['status', '--porcelain', '--', 'nodes', 'credentials'], {
			cwd: ROOT,
			encoding: 'utf8',
		}).trim();
		if (dirty) commit += ' with uncommitted changes to the package';
	} catch {
		// not a git checkout
	}
	const build = process.env.AAC_E2E_PACKAGE_DIR
		? `, build from AAC_E2E_PACKAGE_DIR=${process.env.AAC_E2E_PACKAGE_DIR}`
		: '';
	return `${manifest.name}@${manifest.version} (${commit}${build})`;
}

/**
 * What every scenario gets: the shared stand-in and n8n (set in before()), the recording test(),
 * and the bookkeeping the results table and the secrets check read.
 * @typedef {ReturnType<typeof createSuiteContext>} SuiteContext
 */
function createSuiteContext(version) {
	/** node:test's test(), recording each outcome for RESULTS.md. */
	const { check, outcomes } = recordingTest();
	const suite = {
		version,
		check,
		outcomes,
		/** The AAC stand-in (standin/aac-standin.mjs): the fixture's, set in before(). */
		standIn: undefined,
		/** The n8n instance (e2e/lib/n8n.mjs createN8n): the fixture's, set in before(). */
		n8n: undefined,
		/** The token pair each credential was imported with, by CRED key. */
		minted: {},
		/** Stand-in counters per test (each test resets them first). */
		measured: {},
		/** Figures the scenarios hand to the results table: chain, items, revoked, multiProcess[mode]. */
		figures: { multiProcess: {} },
		/** Access tokens we know of, and those that node outputs carry on purpose (Get/Refresh). */
		accessTokens: { known: new Set(), carried: new Set() },

		credentialData: (pair, extra = {}) => ({
			accessToken: pair.accessToken,
			refreshToken: pair.refreshToken,
			allowCustomIssuer: true,
			apiBaseUrl: suite.standIn.apiBaseUrl,
			refreshMode: 'automatic',
			refreshMarginSeconds: 2,
			...extra,
		}),
		/** The credential CRED[key] holding `pair`, for n8n.importCredentials. */
		credential: (key, pair, extra) => ({
			...CRED[key],
			type: CREDENTIAL_TYPE,
			data: suite.credentialData(pair, extra),
		}),
		ref: (key) => wf.credentialRef(CRED[key].id, CRED[key].name),

		async mint(key, options) {
			suite.minted[key] = await suite.standIn.mint(options);
			suite.accessTokens.known.add(suite.minted[key].accessToken);
			return suite.minted[key];
		},

		/** n8n.execute, noting every access token a node output carries. */
		async execute(workflowId, options) {
			const run = await suite.n8n.execute(workflowId, options);
			for (const nodeName of Object.keys(run.json?.data?.resultData?.runData ?? {})) {
				for (const { items } of wf.nodeRuns(run.json, nodeName)) {
					for (const item of items)
						if (typeof item.accessToken === 'string')
							suite.accessTokens.carried.add(item.accessToken);
				}
			}
			return run;
		},

		/** The stored (decrypted) data of one credential, via `n8n export:credentials --decrypted`. */
		async stored(key) {
			const all = await suite.n8n.exportCredentials();
			for (const entry of all)
				if (typeof entry.data?.accessToken === 'string')
					suite.accessTokens.known.add(entry.data.accessToken);
			const found = all.find((entry) => entry.id === CRED[key].id);
			assert.ok(found, `credential ${CRED[key].id} not found in export:credentials`);
			return found.data;
		},

		/** Resets the stand-in's counters, runs `body`, keeps the counters of this test. */
		async counting(name, body) {
			await suite.standIn.resetStats();
			try {
				return await body();
			} finally {
				suite.measured[name] = suite.standIn.stats();
			}
		},

		describeRun: (run) =>
			`exit ${run.exitCode}${run.signal ? ` (signal ${run.signal})` : ''}${run.timedOut ? ' (timed out)' : ''}, status ${run.status}: ${wf.runError(run.json)?.message ?? (run.json ? 'no error' : 'no run JSON printed')} (log: ${run.logFile})`,
	};
	return suite;
}

/** The fixture's stand-in and n8n, the credentials (one token family each) and every workflow the scenarios run. */
async function setUp(suite, fx) {
	const { ref } = suite;
	suite.standIn = fx.standIn;
	suite.n8n = fx.n8n;
	const { minted, n8n, credential } = suite;
	await suite.mint('chain');
	await suite.mint('items', { accessTokenExpired: true });
	await suite.mint('example', { accessTokenTtlSeconds: 3600 });
	await suite.mint('revoked', { accessTokenExpired: true });
	await suite.mint('opOnly', { accessTokenExpired: true }); // placeholders: re-imported fresh by the two-process tests
	await suite.mint('automatic', { accessTokenExpired: true });
	await n8n.importCredentials([
		credential('chain', minted.chain),
		credential('items', minted.items),
		credential('example', minted.example),
		credential('revoked', minted.revoked),
		credential('opOnly', minted.opOnly, {
			refreshMode: 'refreshOperationOnly',
			refreshMarginSeconds: 1,
		}),
		credential('automatic', minted.automatic, { refreshMarginSeconds: 1 }),
	]);

	const api = `${suite.standIn.apiBaseUrl}/v4/people/current`;
	const continueOnError = { onError: 'continueRegularOutput' };
	await n8n.importWorkflow([
		wf.chain('chainHttp', 'e2e chain: HTTP Request', [
			wf.manualTrigger(),
			wf.httpWithCredential('Call API', api, ref('chain')),
		]),
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
		wf.rounds(
			'mpReaderOpOnly',
			'e2e multi-process: reader (refresh operation only)',
			ROUNDS,
			ROUND_PERIOD_SECONDS,
			(name) =>
				wf.httpWithCredential(name, api, ref('opOnly'), { neverError: true, ...continueOnError }),
		),
		wf.rounds(
			'mpReaderAuto',
			'e2e multi-process: reader (automatic)',
			ROUNDS,
			ROUND_PERIOD_SECONDS,
			(name) =>
				wf.httpWithCredential(name, api, ref('automatic'), {
					neverError: true,
					...continueOnError,
				}),
		),
		wf.example('keep-alive-refresh.json', 'exKeepAlive'),
		wf.example('list-plans-http-request.json', 'exListPlans'),
		wf.example('token-to-downstream-node.json', 'exDownstream'),
	]);
}

/** The version's section of e2e/RESULTS.md, and a one-line summary on the console. */
function writeSuiteResults(suite, { testedPackage, suiteStarted }) {
	const { version, n8n, measured, figures, outcomes } = suite;
	// Totals leave out the automatic two-process test, whose processes race on purpose (reported on its own).
	const total = (field) =>
		Object.entries(measured)
			.filter(([name]) => name !== 'automatic')
			.reduce((sum, [, stats]) => sum + stats[field], 0);
	const wall = seconds(Date.now() - suiteStarted);
	const boots = n8n.commands.length;
	// One-shot commands (the long multi-process runs left out): roughly what one n8n boot costs.
	const bootSeconds = n8n.commands
		.filter((command) => !command.label.startsWith('mp-'))
		.map((command) => command.durationMs / 1000);
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
	writeResults(RESULTS_FILE, {
		section: `e2e:${version}`,
		header: HEADER,
		lines: `## n8n ${version} (Node ${n8n.nodeVersion ?? '?'}), run ${new Date().toISOString().slice(0, 16)}Z

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
	});
}

/** The suite on every selected n8n version (E2E_N8N), one after the other. */
export function defineSuite() {
	forEachN8n(
		'',
		{
			name: 'suite',
			standIn: { accessTokenTtlSeconds: CHAIN_TTL_SECONDS },
			timeout: 20 * 60_000,
		},
		(fx) => {
			const suiteStarted = Date.now();
			const suite = createSuiteContext(fx.version);
			let testedPackage;

			before(async () => {
				testedPackage = packageIdentity();
				await setUp(suite, fx);
			});

			after(() => {
				if (!suite.n8n) return;
				writeSuiteResults(suite, { testedPackage, suiteStarted });
			});

			for (const scenario of SCENARIOS) scenario(suite);
		},
	);
}

function median(values) {
	if (!values.length) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	return Math.round(10 * sorted[Math.floor(sorted.length / 2)]) / 10;
}
