// The fault matrix and the crash tests: the refresh and the operations run through a real,
// pinned n8n (CLI executions, SQLite) against the AAC stand-in (real oidc-provider; our
// hand-written v4 API fake), with the fault proxy (test/fakes/faultProxy.js) in between, in front
// of the token endpoint and the API. Each case has its own credential and token family.
//
//   phase 1: the fault       — what the user sees, what is stored, what AAC saw
//   phase 2: the next run    — without the fault: does it recover, or say exactly what happened
//   crashes: kill -9 n8n while a refresh is in flight, at three points, then the next run
//   window:  the time between AAC's answer and n8n's saved credential, per refresh path
//   operations: Plan → Run and wait with the run POST or the status polls failing, the token
//            revoked mid-wait, a run that never ends; kill -9 during a wait, then Wait in a new run
//
// Writes e2e/faults/RESULTS.md. n8n version: AAC_FAULTS_VERSION (default 2.41.1).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startStandIn } from '../../standin/aac-standin.mjs';
import { startFaultProxy } from '../../test/fakes/faultProxy.js';
import { CREDENTIAL_TYPE, ROOT, createN8n, freePort } from '../lib/n8n.mjs';
import * as wf from '../lib/workflows.mjs';

const VERSION = process.env.AAC_FAULTS_VERSION ?? '2.41.1';
// Runs of another build (AAC_E2E_PACKAGE_DIR) or of some tests only write elsewhere.
const RESULTS_FILE =
	process.env.AAC_FAULTS_RESULTS_FILE ??
	(process.env.AAC_FAULTS_ONLY
		? join(ROOT, '.tools', 'run', 'faults-only-RESULTS.md')
		: join(ROOT, 'e2e', 'faults', 'RESULTS.md'));
/** Executions of phase 1 and 2 run this many at a time (each is one n8n process). */
const PARALLEL = 3;
const LOST = /an earlier refresh, started at \S+, never saved its result/;
/** What the description of an ambiguous failure says: the refresh may have been used. */
const MAY_HAVE_ROTATED = /may have rotated/;
/**
 * AAC_FAULTS_ONLY=key,key (fault names: status:503:1,post forwardThen:502) runs only those cases and crash points (no save window unless
 * AAC_FAULTS_WINDOW_RUNS is set), and writes its results beside the runs, not into RESULTS.md.
 */
const ONLY = process.env.AAC_FAULTS_ONLY
	? new Set(process.env.AAC_FAULTS_ONLY.split(',').map((key) => key.trim()))
	: undefined;

/**
 * The matrix. steps: what the proxy does with each token request presenting the case's refresh
 * token (the last step repeats). expect.message: what phase 1 shows (null: it succeeds);
 * toAac: token requests the stand-in received; marker: whether "refresh started" stays recorded;
 * next: how phase 2 ends (ok | lost | rejected | clientRejected).
 */
const CASES = [
	{
		key: 'refused',
		title: 'connection refused',
		refused: true,
		expect: { message: /could not be reached \(3 attempts\)/, toAac: 0, marker: false, next: 'ok' },
	},
	{
		key: 'reset',
		title: 'reset before the response',
		steps: ['reset'],
		expect: {
			message: /closed the connection before answering/,
			description: MAY_HAVE_ROTATED,
			toAac: 0,
			marker: true,
			next: 'ok',
		},
	},
	{
		key: 'resetMidBody',
		title: 'reset mid-body (after AAC rotated)',
		steps: ['resetMidBody', 'pass'],
		expect: {
			message: /closed the connection before answering|did not answer/,
			description: MAY_HAVE_ROTATED,
			toAac: 1,
			marker: true,
			next: 'lost',
		},
	},
	{
		key: 'stall:40000',
		title: '30 s stall (timeout)',
		steps: ['stall:40000'],
		expect: {
			message: /did not answer within 30 s/,
			description: MAY_HAVE_ROTATED,
			toAac: 0,
			marker: true,
			next: 'ok',
		},
	},
	// 500, 502 and 504 are ambiguous (a gateway may have forwarded the refresh): sent once, record
	// kept. Here the proxy never forwarded, so the next run finds the token unspent.
	{
		key: 'status:500',
		title: '500 every time (not forwarded)',
		steps: ['status:500'],
		expect: {
			message: /answered HTTP 500/,
			description: MAY_HAVE_ROTATED,
			toAac: 0,
			marker: true,
			next: 'ok',
			proxyRequests: 1,
		},
	},
	{
		key: 'status:502',
		title: '502 every time (not forwarded)',
		steps: ['status:502'],
		expect: {
			message: /answered HTTP 502/,
			description: MAY_HAVE_ROTATED,
			toAac: 0,
			marker: true,
			next: 'ok',
			proxyRequests: 1,
		},
	},
	// 503 and 429 mean "not processed": repeated after Retry-After, 3 attempts in all.
	{
		key: 'status:503:1',
		title: '503 with Retry-After: 1 (three times)',
		steps: ['status:503:1'],
		expect: { message: /answered HTTP 503/, toAac: 0, marker: false, next: 'ok', proxyRequests: 3 },
	},
	{
		key: 'status:429:1',
		title: '429 with Retry-After: 1 (three times)',
		steps: ['status:429:1'],
		expect: { message: /answered HTTP 429/, toAac: 0, marker: false, next: 'ok', proxyRequests: 3 },
	},
	{
		key: 'status:500 once',
		title: '500 once, then AAC (not repeated)',
		steps: ['status:500', 'pass'],
		expect: {
			message: /answered HTTP 500/,
			description: MAY_HAVE_ROTATED,
			toAac: 0,
			marker: true,
			next: 'ok',
			proxyRequests: 1,
		},
	},
	{
		key: 'status:503:1 once',
		title: '503 with Retry-After: 1 once, then AAC',
		steps: ['status:503:1', 'pass'],
		expect: { message: null, toAac: 1, marker: false, next: 'ok', proxyRequests: 2 },
	},
	{
		key: 'status:429:1 once',
		title: '429 with Retry-After: 1 once, then AAC',
		steps: ['status:429:1', 'pass'],
		expect: { message: null, toAac: 1, marker: false, next: 'ok', proxyRequests: 2 },
	},
	// A gateway that forwarded the refresh (AAC rotated) and then failed on the way back. The step
	// repeats: an attempt sent again would reach AAC again and be counted as a reuse.
	{
		key: 'forwardThen:500',
		title: 'forwarded (AAC rotated), then 500',
		steps: ['forwardThen:500'],
		expect: {
			message: /answered HTTP 500/,
			description: MAY_HAVE_ROTATED,
			toAac: 1,
			marker: true,
			next: 'lost',
			proxyRequests: 1,
		},
	},
	{
		key: 'forwardThen:502',
		title: 'forwarded (AAC rotated), then 502',
		steps: ['forwardThen:502'],
		expect: {
			message: /answered HTTP 502/,
			description: MAY_HAVE_ROTATED,
			toAac: 1,
			marker: true,
			next: 'lost',
			proxyRequests: 1,
		},
	},
	{
		key: 'forwardThen:504',
		title: 'forwarded (AAC rotated), then 504',
		steps: ['forwardThen:504'],
		expect: {
			message: /answered HTTP 504/,
			description: MAY_HAVE_ROTATED,
			toAac: 1,
			marker: true,
			next: 'lost',
			proxyRequests: 1,
		},
	},
	{
		key: 'htmlPage',
		title: 'HTML error page (403 from a firewall)',
		steps: ['htmlPage'],
		expect: { message: /answered HTTP 403 with an HTML page/, toAac: 0, marker: false, next: 'ok' },
	},
	{
		key: 'truncatedJson',
		title: 'truncated JSON (200)',
		steps: ['truncatedJson'],
		expect: { message: /body that is not JSON/, toAac: 0, marker: true, next: 'ok' },
	},
	// RFC 6749 §6: a server may keep the refresh token; the new access token is stored with it.
	{
		key: 'noRefreshToken',
		title: '200 without refresh_token (the server kept it)',
		steps: ['noRefreshToken'],
		expect: { message: null, keptRefreshToken: true, toAac: 0, marker: false, next: 'ok' },
	},
	{
		key: 'noAccessToken',
		title: '200 without access_token',
		steps: ['noAccessToken'],
		expect: { message: /without an access_token/, toAac: 0, marker: true, next: 'ok' },
	},
	{
		key: 'invalidGrant',
		title: 'invalid_grant (family revoked at AAC)',
		revoke: true,
		expect: {
			message: /rejected the refresh token \(invalid_grant/,
			toAac: 1,
			marker: false,
			next: 'rejected',
		},
	},
	{
		key: 'invalidClient',
		title: 'invalid_client (wrong Client ID field)',
		clientId: 'not-a-registered-client',
		expect: {
			message: /rejected the client ID "not-a-registered-client"/,
			toAac: 1,
			marker: false,
			next: 'clientRejected',
		},
	},
	{
		key: 'slow:26000',
		title: 'slow answer, 26 s of a 30 s timeout',
		steps: ['slow:26000'],
		expect: { message: null, toAac: 1, marker: false, next: 'ok' },
	},
].filter((spec) => !ONLY || ONLY.has(spec.key));

const NEXT = {
	ok: { message: null },
	lost: { message: LOST },
	rejected: { message: /rejected the refresh token \(invalid_grant/ },
	clientRejected: { message: /rejected the client ID/ },
};

/**
 * Crash points: kill -9 n8n (its whole process group) at the moment the proxy reports.
 * before: the token request is held at the proxy, never reaches AAC.
 * afterRotation: AAC rotated; its answer is held before n8n gets it.
 * afterSave: the new pair is saved; n8n is killed in the next node.
 */
const CRASHES = [
	{
		key: 'crashBefore',
		title: 'kill -9 while the token request is on its way (AAC never saw it)',
		steps: ['hold', 'pass'],
		expect: { stored: 'old', marker: true, next: 'ok' },
	},
	{
		key: 'crashAfterRotation',
		title: 'kill -9 after AAC rotated, before n8n saved',
		steps: ['holdAnswer', 'pass'],
		expect: { stored: 'old', marker: true, next: 'lost' },
	},
	{
		key: 'crashAfterSave',
		title: 'kill -9 after the save, in the next node',
		steps: ['pass'],
		holdAfter: true,
		expect: { stored: 'new', marker: false, next: 'ok' },
	},
].filter((spec) => !ONLY || ONLY.has(spec.key));

/**
 * The operations under faults: Plan → Run with Wait for Completion, through the proxy in front of
 * the stand-in's API, each case on its own plan (so the stand-in's runs per plan are the case's).
 * post / poll: what the proxy does with the run POST / the status GETs of the case's access token
 * (the last step repeats). expect.message: the node error (null: Complete). Every case: exactly
 * one run started in AAC, one POST per x-execution-id reaching AAC, 0 reuse detections.
 * Poll faults the transport retries (5xx, 429, reset) come 6 times in a row: more than one poll's
 * 4 attempts, so one poll fails and the wait goes on. Answers that are not a status (HTML passed
 * off as 200, cut JSON) come 3 times: each is one failed poll, 5 in a row would end the wait.
 */
const times = (count, step) => Array.from({ length: count }, () => step);
const POLL_OPTIONS = { pollIntervalSeconds: 0.5, maxPollIntervalSeconds: 1, maxWaitMinutes: 3 };
const RUN_POST = { method: 'POST', path: /^\/v4\/plans\/\d+\/run$/ };
const STATUS_GET = { method: 'GET', path: /^\/v4\/planSnapshotRuns\/\d+$/ };
const MAY_HAVE_STARTED = /^The run may have started: POST \/v4\/plans\/\d+\/run /;
const OPERATIONS = [
	{
		key: 'post refused',
		title: 'run POST: connection refused (never sent)',
		refuseMs: 1000,
		expect: { message: null, proxyPosts: 1 },
	},
	{
		key: 'post status:429:2',
		title: 'run POST: 429 with x-retry-after: 2, then AAC',
		post: ['status:429:2', 'pass'],
		expect: { message: null, proxyPosts: 2, retryAfterMs: 2000 },
	},
	{
		key: 'post forwardThenReset',
		title: 'run POST: AAC started the run, then the connection was reset',
		post: ['forwardThenReset'],
		expect: { message: MAY_HAVE_STARTED, proxyPosts: 1 },
	},
	{
		key: 'post forwardThen:502',
		title: 'run POST: AAC started the run, then a gateway answered 502',
		post: ['forwardThen:502'],
		expect: { message: MAY_HAVE_STARTED, proxyPosts: 1 },
	},
	{
		key: 'poll status:500',
		title: 'status poll: 500, 6 times in a row',
		poll: [...times(6, 'status:500'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll status:503',
		title: 'status poll: 503, 6 times in a row',
		poll: [...times(6, 'status:503'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll status:429:1',
		title: 'status poll: 429 with x-retry-after: 1, 6 times in a row',
		poll: [...times(6, 'status:429:1'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll reset',
		title: 'status poll: connection reset, 6 times in a row',
		poll: [...times(6, 'reset'), 'pass'],
		expect: { message: null, pollFaults: 6 },
	},
	{
		key: 'poll htmlPage:200',
		title: 'status poll: an HTML sign-in page as 200, 3 times',
		poll: [...times(3, 'htmlPage:200'), 'pass'],
		expect: { message: null, pollFaults: 3 },
	},
	{
		key: 'poll truncatedJson',
		title: 'status poll: cut-off JSON as 200, 3 times',
		poll: [...times(3, 'truncatedJson'), 'pass'],
		expect: { message: null, pollFaults: 3 },
	},
	{
		key: 'neverFinal',
		title: 'the run never ends (Max Wait 0.1 minutes)',
		runningMs: 3_600_000,
		options: { maxWaitMinutes: 0.1 },
		expect: {
			message: /^Gave up waiting for plan run \d+ after 0\.1 minutes \(last status InProgress\)$/,
			stillRunning: true,
		},
	},
	// The access token is revoked after the first poll: every later request with it answers 401.
	{
		key: 'poll unauthorized',
		title: 'access token revoked mid-wait (401 from then on)',
		poll: ['pass', 'unauthorized'],
		expect: { message: null, pollFaults: 1, tokenRequests: 1 },
	},
].filter((spec) => !ONLY || ONLY.has(spec.key));
/** kill -9 of n8n during a wait, then Plan Run → Wait on the run's id in a new execution. */
const KILL_DURING_WAIT = !ONLY || ONLY.has('killDuringWait');
const FIRST_OPERATION_PLAN = 2; // plan 1 is the stand-in's default demo plan

/** Extra refreshes measured for the save window, per path. */
const WINDOW_RUNS = Number(process.env.AAC_FAULTS_WINDOW_RUNS ?? (ONLY ? 0 : 6));

const errorOf = (run) => wf.runError(run.json);
/** A Markdown table's head, into `lines`. */
const tableHead = (lines, columns) =>
	lines.push(`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
/** The row of a case that did not run, in a table of `columns` columns. */
const notRun = (spec, columns) =>
	`| \`${spec.key}\` ${spec.title} | (not run) |${' |'.repeat(columns - 2)}`;
const firstSentence = (text) => String(text ?? '').split(/(?<=\.)\s/)[0];
const mdCell = (text) =>
	String(text ?? '')
		.replace(/\|/g, '\\|')
		.replace(/\n/g, ' ');
const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)];
};

/** Runs `fn` over `items`, `limit` at a time, keeping the order of results. */
async function pool(items, limit, fn) {
	const results = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(limit, items.length) }, async () => {
			while (next < items.length) {
				const index = next++;
				results[index] = await fn(items[index], index);
			}
		}),
	);
	return results;
}

describe(`fault matrix and crash recovery in n8n ${VERSION}`, { timeout: 25 * 60_000 }, () => {
	const started = Date.now();
	let standIn;
	let proxy;
	let refusedProxy;
	let refusedPort;
	/** The API host of the runRefused case only: it stops listening for a moment. */
	let refusingProxy;
	let n8n;
	const minted = {};
	const outcome = {};
	const crashOutcome = {};
	const windows = { node: [], http: [] };
	const reuseBefore = {};
	const operationOutcome = {};
	let killOutcome;

	const planOf = (spec) => FIRST_OPERATION_PLAN + OPERATIONS.indexOf(spec);
	const KILL_PLAN = FIRST_OPERATION_PLAN + OPERATIONS.length;
	const operationWorkflowId = (key) => shortId('wfO', key);
	const KILL_RUN_WORKFLOW = 'wfOkillRun';
	const KILL_WAIT_WORKFLOW = 'wfOkillWait';

	// Keys are fault names ("status:503:1 once"); n8n ids are at most 16 plain characters.
	const shortId = (prefix, key) =>
		`${prefix}${createHash('sha256')
			.update(key)
			.digest('hex')
			.slice(0, 16 - prefix.length)}`;
	const credentialId = (key) => shortId('flt', key);
	const refreshWorkflowId = (key) => shortId('wfR', key);
	const ref = (key) => wf.credentialRef(credentialId(key), `AAC faults ${key}`);

	/** The stored credentials, decrypted (one n8n boot). */
	async function storedAll() {
		const all = await n8n.exportCredentials();
		return Object.fromEntries(all.map((entry) => [entry.id, entry.data]));
	}

	/** updatedAt of every credential row, epoch ms (n8n keeps it in UTC, millisecond precision). */
	function updatedAt() {
		return Object.fromEntries(
			n8n
				.queryDatabase('SELECT id, updatedAt FROM credentials_entity')
				.map((row) => [row.id, Date.parse(`${row.updatedAt.replace(' ', 'T')}Z`)]),
		);
	}

	before(async () => {
		standIn = await startStandIn({
			accessTokenTtlSeconds: 300,
			api: { seed: { plans: KILL_PLAN } },
		});
		proxy = await startFaultProxy({ upstream: standIn.issuer });
		refusingProxy = await startFaultProxy({ upstream: standIn.issuer });
		refusedPort = await freePort(); // nothing listens here until phase 2
		n8n = createN8n({ version: VERSION, name: 'faults' });

		const keys = [...CASES.map((c) => c.key), ...CRASHES.map((c) => c.key)];
		const windowKeys = [];
		for (let i = 1; i <= WINDOW_RUNS; i++) windowKeys.push(`winNode${i}`, `winHttp${i}`);
		const credentials = [];
		for (const key of [...keys, ...windowKeys]) {
			const spec = CASES.find((c) => c.key === key) ?? CRASHES.find((c) => c.key === key) ?? {};
			minted[key] = await standIn.mint({ accessTokenExpired: true });
			if (spec.steps) proxy.plan(minted[key].refreshToken, spec.steps, key);
			else proxy.plan(minted[key].refreshToken, ['pass'], key);
			if (spec.revoke) await standIn.revokeFamily(minted[key].refreshToken);
			credentials.push({
				id: credentialId(key),
				name: `AAC faults ${key}`,
				type: CREDENTIAL_TYPE,
				data: {
					accessToken: minted[key].accessToken,
					refreshToken: minted[key].refreshToken,
					issuer: spec.refused ? `http://127.0.0.1:${refusedPort}/as` : proxy.issuer,
					clientId: spec.clientId ?? '',
					allowCustomIssuer: true,
					apiBaseUrl: standIn.apiBaseUrl,
					refreshMode: 'automatic',
				},
			});
		}
		// The operations: fresh access tokens (no refresh unless the case makes one), API through the proxy.
		const operationKeys = [
			...OPERATIONS.map((spec) => spec.key),
			...(KILL_DURING_WAIT ? ['killDuringWait'] : []),
		];
		for (const key of operationKeys) {
			const spec = OPERATIONS.find((c) => c.key === key) ?? {};
			// An hour: the operations run after the token cases, minutes from now (300 s would expire first).
			minted[key] = await standIn.mint({ accessTokenTtlSeconds: 3600 });
			proxy.plan(minted[key].refreshToken, ['pass'], key);
			const apiProxy = spec.refuseMs ? refusingProxy : proxy;
			if (spec.post) apiProxy.planApi(minted[key].accessToken, spec.post, key, RUN_POST);
			else if (spec.poll) apiProxy.planApi(minted[key].accessToken, spec.poll, key, STATUS_GET);
			else apiProxy.label(minted[key].accessToken, key);
			standIn.api.setFixture({
				kind: 'plan',
				id: spec.key ? planOf(spec) : KILL_PLAN,
				queuedMs: 500,
				runningMs: spec.runningMs ?? (spec.key ? 4000 : 3_600_000),
				outcome: 'Complete',
			});
			credentials.push({
				id: credentialId(key),
				name: `AAC faults ${key}`,
				type: CREDENTIAL_TYPE,
				data: {
					accessToken: minted[key].accessToken,
					refreshToken: minted[key].refreshToken,
					issuer: proxy.issuer,
					allowCustomIssuer: true,
					apiBaseUrl: apiProxy.origin,
					refreshMode: 'automatic',
				},
			});
		}
		await n8n.importCredentials(credentials);

		const holdUrl = `${proxy.origin}/__hold-after-save`;
		proxy.holdRequestsTo('/__hold-after-save');
		const workflows = keys.map((key) => {
			const nodes = [wf.manualTrigger(), wf.aacNode('Refresh', 'refresh', ref(key))];
			if (CRASHES.find((c) => c.key === key)?.holdAfter)
				nodes.push(wf.httpWithAuthorizationHeader('Next node', holdUrl));
			return wf.chain(refreshWorkflowId(key), `faults: ${key}`, nodes);
		});
		for (let i = 1; i <= WINDOW_RUNS; i++) {
			workflows.push(
				wf.chain(refreshWorkflowId(`winNode${i}`), `window: node ${i}`, [
					wf.manualTrigger(),
					wf.aacNode('Refresh', 'refresh', ref(`winNode${i}`)),
				]),
			);
			workflows.push(
				wf.chain(refreshWorkflowId(`winHttp${i}`), `window: HTTP Request ${i}`, [
					wf.manualTrigger(),
					wf.httpWithCredential(
						'Call API',
						`${standIn.apiBaseUrl}/v4/people/current`,
						ref(`winHttp${i}`),
					),
				]),
			);
		}
		for (const spec of OPERATIONS) {
			const nodes = [wf.manualTrigger()];
			if (spec.refuseMs)
				nodes.push(
					wf.httpGet(
						'Refuse connections',
						`${refusingProxy.origin}/__refuse-connections?ms=${spec.refuseMs}`,
					),
				);
			nodes.push(runPlanNode(planOf(spec), ref(spec.key), spec.options));
			workflows.push(wf.chain(operationWorkflowId(spec.key), `faults: ${spec.key}`, nodes));
		}
		if (KILL_DURING_WAIT) {
			workflows.push(
				wf.chain(KILL_RUN_WORKFLOW, 'faults: kill -9 during a wait', [
					wf.manualTrigger(),
					runPlanNode(KILL_PLAN, ref('killDuringWait'), { maxWaitMinutes: 10 }),
				]),
			);
		}
		await n8n.importWorkflow(workflows);
	});

	/** Plan → Run with Wait for Completion, polling fast (the faults, not the schedule, are under test). */
	const runPlanNode = (planId, credential, options = {}) =>
		wf.aacOperation(
			'Run plan',
			{
				resource: 'plan',
				operation: 'run',
				planId: wf.byId(planId),
				waitForCompletion: true,
				options: { ...POLL_OPTIONS, ...options },
			},
			credential,
		);

	after(async () => {
		await refusedProxy?.close();
		await refusingProxy?.close();
		await proxy?.close();
		await standIn?.close();
	});

	test('phase 1: each fault, through a real n8n execution', async () => {
		const reuse0 = standIn.stats().reuseDetections;
		const runs = await pool(CASES, PARALLEL, async (spec) => {
			const run = await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000 });
			return { spec, run };
		});
		const stored = await storedAll();
		const failures = [];
		for (const { spec, run } of runs) {
			const error = errorOf(run);
			const data = stored[credentialId(spec.key)];
			const events = proxy.eventsOf(spec.key);
			const result = {
				message: error?.message ?? null,
				description: error?.description ?? null,
				succeeded: run.succeeded,
				proxyRequests: events.length,
				toAac: events.filter((event) => event.forwarded).length,
				storedPair: data.refreshToken === minted[spec.key].refreshToken ? 'unchanged' : 'new',
				storedAccessTokenUnchanged: data.accessToken === minted[spec.key].accessToken,
				marker: Boolean(data.refreshStartedAt),
				seconds: Math.round(run.durationMs / 100) / 10,
			};
			outcome[spec.key] = { phase1: result };
			const problems = [];
			if (spec.expect.message === null) {
				if (!run.succeeded) problems.push(`should succeed: ${result.message}`);
				if (spec.expect.keptRefreshToken) {
					if (result.storedPair !== 'unchanged' || result.storedAccessTokenUnchanged)
						problems.push('the new access token was not stored with the kept refresh token');
				} else if (result.storedPair !== 'new') problems.push('the new pair was not stored');
			} else {
				if (run.succeeded) problems.push('should fail');
				if (!spec.expect.message.test(result.message ?? ''))
					problems.push(
						`message ${JSON.stringify(result.message)} does not match ${spec.expect.message}`,
					);
				if (!/Nothing was saved/.test(result.message ?? ''))
					problems.push('message does not say that nothing was saved');
				if (!result.description) problems.push('no description saying what to do');
				else if (spec.expect.description && !spec.expect.description.test(result.description)) {
					problems.push(
						`description ${JSON.stringify(firstSentence(result.description))}… does not match ${spec.expect.description}`,
					);
				}
				if (result.storedPair !== 'unchanged' || !result.storedAccessTokenUnchanged)
					problems.push('stored pair changed without a complete new pair');
			}
			if (result.toAac !== (spec.refused ? 0 : spec.expect.toAac))
				problems.push(`AAC received ${result.toAac} token requests, expected ${spec.expect.toAac}`);
			if (
				spec.expect.proxyRequests !== undefined &&
				result.proxyRequests !== spec.expect.proxyRequests
			) {
				problems.push(
					`${result.proxyRequests} token requests, expected ${spec.expect.proxyRequests}`,
				);
			}
			if (result.marker !== spec.expect.marker)
				problems.push(
					`refreshStartedAt ${result.marker ? 'set' : 'clear'}, expected ${spec.expect.marker ? 'set' : 'clear'}`,
				);
			if (problems.length)
				failures.push(`${spec.key}: ${problems.join('; ')} (log: ${run.logFile})`);
		}
		reuseBefore.phase2 = standIn.stats().reuseDetections;
		outcome.phase1Reuse = reuseBefore.phase2 - reuse0;
		// A refresh token sent twice shows here, whichever case sent it (cases run in parallel).
		if (outcome.phase1Reuse !== 0)
			failures.push(
				`${outcome.phase1Reuse} reuse detections in phase 1: a refresh token was presented twice`,
			);
		assert.deepEqual(failures, []);
	});

	test('phase 2: the next run, without the fault', async () => {
		refusedProxy = await startFaultProxy({ upstream: standIn.issuer, port: refusedPort });
		for (const spec of CASES) proxy.plan(minted[spec.key].refreshToken, ['pass'], spec.key);
		const runs = await pool(CASES, PARALLEL, async (spec) => ({
			spec,
			run: await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000 }),
		}));
		const stored = await storedAll();
		const failures = [];
		for (const { spec, run } of runs) {
			const error = errorOf(run);
			const data = stored[credentialId(spec.key)];
			const newest = data.refreshToken;
			const result = {
				message: error?.message ?? null,
				description: error?.description ?? null,
				succeeded: run.succeeded,
				marker: Boolean(data.refreshStartedAt),
				familyAlive: await standIn.familyAlive(newest),
			};
			outcome[spec.key].phase2 = result;
			const expected = NEXT[spec.expect.next];
			const problems = [];
			if (expected.message === null) {
				if (!run.succeeded) problems.push(`should succeed: ${result.message}`);
				if (!result.familyAlive) problems.push('family not alive');
				if (result.marker) problems.push('refreshStartedAt left set');
			} else {
				if (run.succeeded) problems.push('should fail');
				if (!expected.message.test(result.message ?? ''))
					problems.push(
						`message ${JSON.stringify(result.message)} does not match ${expected.message}`,
					);
			}
			if (problems.length)
				failures.push(`${spec.key}: ${problems.join('; ')} (log: ${run.logFile})`);
		}
		const reuse = standIn.stats().reuseDetections - reuseBefore.phase2;
		outcome.phase2Reuse = reuse;
		// Only the cases whose rotated pair was lost on the way back send a spent refresh token.
		const lost = CASES.filter((c) => c.expect.next === 'lost').length;
		if (reuse !== lost)
			failures.push(
				`${reuse} reuse detections in phase 2, expected ${lost} (one per case whose rotated pair was lost)`,
			);
		assert.deepEqual(failures, []);
	});

	test('crashes: kill -9 at three points of a refresh, then the next run', async () => {
		const failures = [];
		for (const spec of CRASHES) {
			const reuse0 = standIn.stats().reuseDetections;
			let kill;
			const held = proxy.nextHeld();
			const killedAt = held.then((event) => {
				kill();
				return event;
			});
			const run = await n8n.execute(refreshWorkflowId(spec.key), {
				timeoutMs: 120_000,
				onSpawn: (killer) => (kill = killer),
			});
			const event = await Promise.race([
				killedAt,
				new Promise((resolve) => setTimeout(resolve, 1000)),
			]);
			proxy.releaseAll();
			if (!event) {
				failures.push(`${spec.key}: nothing was held, so n8n was not killed (log: ${run.logFile})`);
				continue;
			}
			const afterCrash = (await storedAll())[credentialId(spec.key)];
			const state = {
				signal: run.signal,
				storedPair: afterCrash.refreshToken === minted[spec.key].refreshToken ? 'old' : 'new',
				marker: Boolean(afterCrash.refreshStartedAt),
				aacRotated: proxy.eventsOf(spec.key).some((e) => e.forwarded && e.upstreamStatus === 200),
				familyAliveAfterCrash: await standIn.familyAlive(afterCrash.refreshToken),
				heldAt: event.case,
			};
			// The next run of crashAfterSave is held in its second node again: let that one go at once.
			if (spec.holdAfter) proxy.nextHeld().then(() => proxy.releaseAll());
			const next = await n8n.execute(refreshWorkflowId(spec.key), { timeoutMs: 120_000 });
			const error = errorOf(next);
			const afterNext = (await storedAll())[credentialId(spec.key)];
			const nextResult = {
				succeeded:
					next.succeeded || (spec.holdAfter && wf.outputOf(next.json, 'Refresh').length === 1),
				message: error?.message ?? null,
				description: error?.description ?? null,
				reuse: standIn.stats().reuseDetections - reuse0,
				familyAlive: await standIn.familyAlive(afterNext.refreshToken),
				marker: Boolean(afterNext.refreshStartedAt),
			};
			crashOutcome[spec.key] = { state, next: nextResult };
			const problems = [];
			if (run.signal !== 'SIGKILL')
				problems.push(`n8n was not killed (exit ${run.exitCode}, signal ${run.signal})`);
			if (state.storedPair !== spec.expect.stored)
				problems.push(`stored pair ${state.storedPair}, expected ${spec.expect.stored}`);
			if (state.marker !== spec.expect.marker)
				problems.push(`refreshStartedAt ${state.marker ? 'set' : 'clear'} after the crash`);
			if (spec.expect.next === 'ok') {
				if (!nextResult.succeeded) problems.push(`next run should succeed: ${nextResult.message}`);
				if (nextResult.reuse !== 0) problems.push(`${nextResult.reuse} reuse detections`);
				if (!nextResult.familyAlive) problems.push('family not alive after the next run');
				if (nextResult.marker) problems.push('refreshStartedAt left set after the next run');
			} else {
				if (!LOST.test(nextResult.message ?? ''))
					problems.push(
						`next run message ${JSON.stringify(nextResult.message)} does not explain the lost refresh`,
					);
				if (!/Generate a new token pair/.test(nextResult.description ?? ''))
					problems.push('next run does not say to generate new tokens');
			}
			if (problems.length)
				failures.push(
					`${spec.key}: ${problems.join('; ')} (logs: ${run.logFile}, ${next.logFile})`,
				);
			proxy.releaseAll();
		}
		assert.deepEqual(failures, []);
	});

	test('save window: from AAC answering to the credential saved, per refresh path', async () => {
		const keys = [];
		for (let i = 1; i <= WINDOW_RUNS; i++) keys.push(`winNode${i}`, `winHttp${i}`);
		const runs = await pool(keys, 2, async (key) => ({
			key,
			run: await n8n.execute(refreshWorkflowId(key), { timeoutMs: 120_000 }),
		}));
		const saved = updatedAt();
		for (const { key, run } of runs) {
			assert.ok(run.succeeded, `${key}: ${errorOf(run)?.message} (log: ${run.logFile})`);
			const answered = proxy.eventsOf(key).find((event) => event.answeredAt)?.answeredAt;
			assert.ok(answered, `${key}: no answered token request`);
			windows[key.startsWith('winNode') ? 'node' : 'http'].push(
				saved[credentialId(key)] - answered,
			);
		}
		for (const list of Object.values(windows))
			for (const ms of list) assert.ok(ms >= 0 && ms < 10_000, `window ${ms} ms`);
	});

	test(
		'operations: run and wait with the run POST or the status polls failing',
		{ skip: OPERATIONS.length === 0 },
		async () => {
			const reuse0 = standIn.stats().reuseDetections;
			const runs = await pool(OPERATIONS, PARALLEL, async (spec) => ({
				spec,
				run: await n8n.execute(operationWorkflowId(spec.key), { timeoutMs: 180_000 }),
			}));
			const counters = standIn.api.counters();
			const planRuns = standIn.api.runs().planRuns;
			const stored = await storedAll();
			const failures = [];
			for (const { spec, run } of runs) {
				const planId = planOf(spec);
				const error = errorOf(run);
				const [item] = wf.outputOf(run.json, 'Run plan');
				const apiEvents = (spec.refuseMs ? refusingProxy : proxy).apiEventsOf(spec.key);
				const posts = apiEvents.filter((event) => event.method === 'POST');
				const polls = apiEvents.filter(
					(event) => event.method === 'GET' && STATUS_GET.path.test(event.path),
				);
				const started = planRuns.filter((entry) => String(entry.plan?.id) === String(planId));
				const executionIds = [...new Set(posts.map((event) => event.executionId))];
				const result = {
					message: error?.message ?? null,
					description: error?.description ?? null,
					status: item?.status ?? null,
					proxyPosts: posts.length,
					runsStarted: counters.runsStarted.plan?.[String(planId)] ?? 0,
					postsAtAac: executionIds.map((id) => counters.postsPerExecutionId[id] ?? 0),
					polls: polls.length,
					pollFaults: polls.filter((event) => event.step !== 'pass').length,
					tokenRequests: proxy.eventsOf(spec.key).length,
					runStatus: started[0]?.status ?? null,
					seconds: Math.round(run.durationMs / 100) / 10,
				};
				operationOutcome[spec.key] = result;
				const problems = [];
				if (started.length !== 1 || result.runsStarted !== 1)
					problems.push(
						`${started.length} runs in AAC (${result.runsStarted} started through the API), expected exactly 1`,
					);
				if (executionIds.length !== 1)
					problems.push(
						`run POSTs carried ${executionIds.length} x-execution-ids (${executionIds.join(', ')}), expected 1`,
					);
				else if (started[0] && started[0].executionId !== executionIds[0])
					problems.push("the run in AAC does not carry the POST's x-execution-id");
				if (result.postsAtAac.some((count) => count !== 1))
					problems.push(
						`POSTs per x-execution-id at AAC ${JSON.stringify(result.postsAtAac)}, expected [1]`,
					);
				if (result.proxyPosts !== (spec.expect.proxyPosts ?? 1))
					problems.push(`${result.proxyPosts} run POSTs, expected ${spec.expect.proxyPosts ?? 1}`);
				if (result.tokenRequests !== (spec.expect.tokenRequests ?? 0))
					problems.push(
						`${result.tokenRequests} token requests, expected ${spec.expect.tokenRequests ?? 0}`,
					);
				if (spec.expect.pollFaults !== undefined && result.pollFaults !== spec.expect.pollFaults)
					problems.push(
						`${result.pollFaults} faulty poll answers served, expected ${spec.expect.pollFaults}`,
					);
				if (spec.expect.message === null) {
					if (!run.succeeded) problems.push(`should succeed: ${result.message}`);
					if (result.status !== 'Complete')
						problems.push(`status ${result.status}, expected Complete`);
					if (started[0] && item?.planRunId !== String(started[0].id))
						problems.push(`planRunId ${item?.planRunId}, expected ${started[0].id}`);
					if (spec.poll && result.polls <= result.pollFaults)
						problems.push('no poll was answered after the faults');
				} else {
					if (run.succeeded) problems.push('should fail');
					if (!spec.expect.message.test(result.message ?? ''))
						problems.push(
							`message ${JSON.stringify(result.message)} does not match ${spec.expect.message}`,
						);
				}
				if (spec.expect.message === MAY_HAVE_STARTED) {
					// What the user needs to find the run: the x-execution-id it carried, and where to look.
					const text = `${result.message} ${result.description}`;
					if (!executionIds[0] || !text.includes(executionIds[0]))
						problems.push(`the error does not name the x-execution-id ${executionIds[0]}`);
					if (!/plan's runs/.test(text))
						problems.push('the error does not say where to find the run');
					if (/was not repeated/.test(text) === false)
						problems.push('the error does not say the request was not repeated');
				}
				if (spec.expect.stillRunning) {
					if (result.runStatus !== 'InProgress')
						problems.push(`the run is ${result.runStatus} in AAC, expected still InProgress`);
					if ((counters.cancels?.planRun ?? 0) !== 0)
						problems.push(
							`${counters.cancels.planRun} plan runs cancelled, expected 0 (Cancel Run on Timeout is off)`,
						);
				}
				if (
					spec.expect.retryAfterMs &&
					posts.length === 2 &&
					posts[1].receivedAt - posts[0].receivedAt < spec.expect.retryAfterMs - 100
				) {
					problems.push(
						`the POST was repeated ${posts[1].receivedAt - posts[0].receivedAt} ms after the 429, before x-retry-after`,
					);
				}
				if (spec.refuseMs) {
					const [refusal] = refusingProxy.refusals;
					const nodeStarted = wf.nodeRuns(run.json, 'Run plan')[0]?.startTime;
					result.refusedMs =
						refusal?.reopenedAt && nodeStarted ? refusal.reopenedAt - nodeStarted : null;
					if (refusingProxy.refusals.length !== 1 || !refusal.reopenedAt)
						problems.push('the proxy did not refuse connections once');
					// The node began while nothing listened, and its POST arrived after: its first attempt was refused.
					else if (
						!(nodeStarted < refusal.reopenedAt) ||
						!(posts[0]?.receivedAt >= refusal.reopenedAt)
					) {
						problems.push(
							`node started ${nodeStarted}, listening again ${refusal.reopenedAt}, POST received ${posts[0]?.receivedAt}: no refused attempt shown`,
						);
					}
				}
				if (spec.expect.tokenRequests) {
					const data = stored[credentialId(spec.key)];
					result.storedPair =
						data.refreshToken === minted[spec.key].refreshToken ? 'unchanged' : 'new';
					if (result.storedPair !== 'new') problems.push('the refreshed pair was not stored');
					else if (!(await standIn.familyAlive(data.refreshToken)))
						problems.push('the stored family is not alive');
				}
				if (problems.length)
					failures.push(`${spec.key}: ${problems.join('; ')} (log: ${run.logFile})`);
			}
			operationOutcome.reuse = standIn.stats().reuseDetections - reuse0;
			if (operationOutcome.reuse !== 0)
				failures.push(
					`${operationOutcome.reuse} reuse detections: a refresh token was presented twice`,
				);
			assert.deepEqual(failures, []);
		},
	);

	test(
		'operations: kill -9 of n8n during a wait leaves the run alone; Plan Run → Wait on its id in a new execution finishes it',
		{ skip: !KILL_DURING_WAIT },
		async () => {
			const key = 'killDuringWait';
			const reuse0 = standIn.stats().reuseDetections;
			let kill;
			const firstPoll = proxy
				.nextApi(key, (event) => event.method === 'GET')
				.then((event) => {
					kill();
					return event;
				});
			const killed = await n8n.execute(KILL_RUN_WORKFLOW, {
				timeoutMs: 90_000,
				onSpawn: (killer) => (kill = killer),
			});
			const polled = await Promise.race([
				firstPoll,
				new Promise((resolve) => setTimeout(resolve, 1000)),
			]);
			assert.ok(polled, `the wait never polled, so n8n was not killed (log: ${killed.logFile})`);
			assert.equal(
				killed.signal,
				'SIGKILL',
				`n8n was not killed (exit ${killed.exitCode}; log: ${killed.logFile})`,
			);
			// Give a run POST that was somehow still coming time to arrive: none may.
			await new Promise((resolve) => setTimeout(resolve, 1000));
			const left = standIn.api
				.runs()
				.planRuns.filter((entry) => String(entry.plan?.id) === String(KILL_PLAN));
			const counters = standIn.api.counters();
			killOutcome = {
				runsAfterKill: left.length,
				statusAfterKill: left[0]?.status ?? null,
				cancels: counters.cancels?.planRun ?? 0,
			};
			assert.equal(left.length, 1, 'exactly one run in AAC');
			assert.equal(left[0].status, 'InProgress', 'the run goes on in AAC');
			assert.equal(counters.runsStarted.plan?.[String(KILL_PLAN)], 1);
			assert.equal(killOutcome.cancels, 0, 'nothing cancelled it');

			const planRunId = String(left[0].id);
			await n8n.importWorkflow(
				wf.chain(KILL_WAIT_WORKFLOW, 'faults: Wait on the run after the crash', [
					wf.manualTrigger(),
					wf.aacOperation(
						'Wait for run',
						{ resource: 'planRun', operation: 'wait', planRunId, options: POLL_OPTIONS },
						ref(key),
					),
				]),
			);
			const pollsBefore = proxy.apiEventsOf(key).length;
			// The run ends in AAC when the new execution first asks.
			const finished = proxy
				.nextApi(key, (event) => event.method === 'GET')
				.then(() =>
					standIn.api.finishRun({ kind: 'planRun', id: Number(planRunId), outcome: 'Complete' }),
				);
			const waited = await n8n.execute(KILL_WAIT_WORKFLOW, { timeoutMs: 180_000 });
			assert.ok(
				await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 1000))]),
				'the new execution never polled',
			);
			const [item] = wf.outputOf(waited.json, 'Wait for run');
			const events = proxy.apiEventsOf(key);
			Object.assign(killOutcome, {
				waitSucceeded: waited.succeeded,
				status: item?.status ?? null,
				pollsAfterRestart: events.slice(pollsBefore).filter((event) => event.method === 'GET')
					.length,
				proxyPosts: events.filter((event) => event.method === 'POST').length,
				runsInAac: standIn.api
					.runs()
					.planRuns.filter((entry) => String(entry.plan?.id) === String(KILL_PLAN)).length,
				tokenRequests: proxy.eventsOf(key).length,
				reuse: standIn.stats().reuseDetections - reuse0,
			});
			assert.ok(
				waited.succeeded,
				`Wait failed: ${errorOf(waited)?.message} (log: ${waited.logFile})`,
			);
			assert.equal(item?.status, 'Complete');
			assert.equal(item?.planRunId, planRunId);
			assert.ok(killOutcome.pollsAfterRestart >= 1);
			assert.deepEqual(
				{
					proxyPosts: killOutcome.proxyPosts,
					runsInAac: killOutcome.runsInAac,
					tokenRequests: killOutcome.tokenRequests,
					reuse: killOutcome.reuse,
				},
				{ proxyPosts: 1, runsInAac: 1, tokenRequests: 0, reuse: 0 },
			);
		},
	);

	after(() => {
		const lines = [];
		lines.push('# Fault matrix and crash recovery in real n8n', '');
		lines.push(
			`Written by \`npm run test:faults\` (e2e/faults/faults.e2e.mjs) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: n8n ${VERSION} (${n8n?.nodeVersion ?? '?'}), SQLite, CLI executions of a Manual Trigger → Alteryx Analytics Cloud: Refresh workflow, one credential and token family per case. Between n8n and the AAC stand-in (real oidc-provider: rotation, reuse detection) sits the fault proxy (test/fakes/faultProxy.js), the only hand-written part: it makes the faults a real server cannot. Wall time ${Math.round((Date.now() - started) / 1000)} s.`,
			'',
			'"To AAC": token requests that reached the stand-in. "Record": the credential\'s refreshStartedAt, written before the token request and cleared when the outcome is known; it stays only when AAC may have rotated (so a later invalid_grant can say what happened). Phase 2 is the next run without the fault.',
			'',
		);
		tableHead(lines, [
			'fault',
			'what the user sees (message)',
			'token requests / to AAC',
			'stored pair',
			'record',
			'next run',
		]);
		for (const spec of CASES) {
			const o = outcome[spec.key];
			if (!o?.phase1) {
				lines.push(notRun(spec, 6));
				continue;
			}
			const p1 = o.phase1;
			const p2 = o.phase2;
			const next = !p2
				? '(not run)'
				: p2.succeeded
					? `ok, family ${p2.familyAlive ? 'alive' : 'dead'}`
					: `fails: ${mdCell(firstSentence(p2.message))}`;
			lines.push(
				`| \`${spec.key}\` ${spec.title} | ${p1.succeeded ? `ok after ${p1.proxyRequests} attempts` : mdCell(p1.message)} | ${p1.proxyRequests} / ${p1.toAac} | ${p1.storedPair} | ${p1.marker ? 'kept' : 'clear'} | ${next} |`,
			);
		}
		if (outcome.phase2Reuse !== undefined) {
			lines.push(
				'',
				`Reuse detections: ${outcome.phase1Reuse} in phase 1; ${outcome.phase2Reuse} in phase 2 (the cases in which AAC rotated and the answer was lost on the way back: those refresh tokens were spent, and only sending one reveals it).`,
			);
		}
		lines.push(
			'',
			'## Crash recovery (kill -9 of the n8n process group)',
			'',
			'| crash point | left behind | next run |',
			'|---|---|---|',
		);
		for (const spec of CRASHES) {
			const o = crashOutcome[spec.key];
			if (!o) {
				lines.push(`| ${spec.title} | (not run) | |`);
				continue;
			}
			const left = `${o.state.storedPair} pair stored, record ${o.state.marker ? 'kept' : 'clear'}; AAC ${o.state.aacRotated ? 'had rotated' : 'had not rotated'}`;
			const next = o.next.succeeded
				? `ok: refreshed with the stored token, ${o.next.reuse} reuse, family ${o.next.familyAlive ? 'alive' : 'dead'}`
				: `fails (${o.next.reuse} reuse): "${mdCell(o.next.message)}" ${mdCell(o.next.description)}`;
			lines.push(`| ${spec.title} | ${left} | ${next} |`);
		}
		if (windows.node.length || windows.http.length) {
			const fmt = (list) =>
				list.length
					? `median ${median(list)} ms, max ${Math.max(...list)} ms (n=${list.length})`
					: 'not measured';
			lines.push(
				'',
				'## Save window',
				'',
				"From the proxy handing AAC's answer to n8n to the credential row's updatedAt in SQLite: the only time in which a crash loses a rotated pair.",
				'',
				`- Refresh operation (the node): ${fmt(windows.node)}`,
				`- HTTP Request with the credential (preAuthentication): ${fmt(windows.http)}`,
			);
		}
		if (Object.keys(operationOutcome).length || killOutcome) {
			lines.push(
				'',
				'## Operations under faults',
				'',
				'Manual Trigger → Alteryx Analytics Cloud: Plan → Run with Wait for Completion (Poll Interval 0.5 s, Max Poll Interval 1 s), one plan and credential per case; the fault proxy in front of the stand-in\'s API (planned per access token) and token endpoint. "POSTs": run POSTs that reached the proxy / runs AAC started / POSTs per x-execution-id that reached AAC. "Poll faults": faulty status answers served / status polls in all.',
				'',
			);
			tableHead(lines, [
				'fault',
				'outcome',
				'POSTs / runs in AAC / per x-execution-id',
				'poll faults / polls',
				'token requests',
				'seconds',
			]);
			for (const spec of OPERATIONS) {
				const o = operationOutcome[spec.key];
				if (!o) {
					lines.push(notRun(spec, 6));
					continue;
				}
				const outcomeText = o.message
					? `${mdCell(o.message)}${o.runStatus === 'InProgress' ? ' (still InProgress in AAC, not cancelled)' : ''}`
					: `${o.status}${o.refusedMs ? ` (began ${o.refusedMs} ms before the proxy listened again)` : ''}${o.storedPair ? `; pair ${o.storedPair}` : ''}`;
				lines.push(
					`| \`${spec.key}\` ${spec.title} | ${outcomeText} | ${o.proxyPosts} / ${o.runsStarted} / ${o.postsAtAac.join(', ')} | ${o.pollFaults} / ${o.polls} | ${o.tokenRequests} | ${o.seconds} |`,
				);
			}
			if (operationOutcome.reuse !== undefined)
				lines.push('', `Reuse detections across these cases: ${operationOutcome.reuse}.`);
			if (killOutcome) {
				lines.push(
					'',
					`kill -9 of n8n at the wait's first status poll: ${killOutcome.runsAfterKill} run in AAC, ${killOutcome.statusAfterKill}, ${killOutcome.cancels} cancelled. Plan Run → Wait on its id in a new execution: ${killOutcome.status ?? 'no output'} after ${killOutcome.pollsAfterRestart ?? '?'} GETs of the run; ${killOutcome.proxyPosts ?? '?'} run POST and ${killOutcome.runsInAac ?? '?'} run in AAC in all, ${killOutcome.tokenRequests ?? '?'} token requests, ${killOutcome.reuse ?? '?'} reuse.`,
				);
			}
		}
		writeFileSync(RESULTS_FILE, `${lines.join('\n')}\n`);
		process.stdout.write(`\n${lines.join('\n')}\n`);
	});

	after(async () => {
		// Secrets: no refresh token (issued by the stand-in, or made up by the proxy) in anything n8n printed.
		if (!n8n) return;
		const secrets = [...standIn.issuedRefreshTokens(), ...(proxy?.madeUpTokens ?? [])].filter(
			(token) => token.length >= 16,
		);
		const printed = n8n.commands.map((command) => command.stdout + command.stderr).join('\n');
		const leaks = secrets.filter(
			(secret) => !secret.startsWith('proxy-made-access') && printed.includes(secret),
		);
		assert.equal(leaks.length, 0, `${leaks.length} refresh tokens appear in n8n's output`);
	});
});
