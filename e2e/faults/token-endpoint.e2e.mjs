// The fault matrix of the token endpoint: the refresh runs through a real, pinned n8n (CLI
// executions, SQLite) against the AAC stand-in (real oidc-provider), with the fault proxy
// (test/fakes/faultProxy.js) in front of the token endpoint. Each case has its own credential and
// token family.
//
//   phase 1: the fault       — what the user sees, what is stored, what AAC saw
//   phase 2: the next run    — without the fault: does it recover, or say exactly what happened
//
// Writes its section of e2e/faults/RESULTS.md. n8n version: 2.41.1 (E2E_N8N, e2e/lib/versions.mjs).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { freePort } from '../lib/n8n.mjs';
import * as wf from '../lib/workflows.mjs';
import {
	LOST,
	PARALLEL,
	credentialId,
	errorOf,
	faultBench,
	forEachFaultN8n,
	firstSentence,
	mdCell,
	notRun,
	pool,
	ref,
	refreshWorkflowId,
	selected,
	tableHead,
	writeFaultsSection,
} from './lib/bench.mjs';

/** What the description of an ambiguous failure says: the refresh may have been used. */
const MAY_HAVE_ROTATED = /may have rotated/;

/**
 * The matrix. steps: what the proxy does with each token request presenting the case's refresh
 * token (the last step repeats). expect.message: what phase 1 shows (null: it succeeds);
 * toAac: token requests the stand-in received; marker: whether "refresh started" stays recorded;
 * next: how phase 2 ends (ok | lost | rejected | clientRejected).
 */
const CASES = selected([
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
]);

const NEXT = {
	ok: { message: null },
	lost: { message: LOST },
	rejected: { message: /rejected the refresh token \(invalid_grant/ },
	clientRejected: { message: /rejected the client ID/ },
};

forEachFaultN8n(
	'the token endpoint',
	{ name: 'faults-token-endpoint', standIn: { accessTokenTtlSeconds: 300 } },
	(fx) => {
		const bench = faultBench(fx);

		let standIn;
		let proxy;
		let n8n;
		let refusedPort;
		const minted = {};
		const outcome = {};
		const reuseBefore = {};
		const storedAll = () => bench.storedAll();

		before(async () => {
			({ standIn, proxy, n8n } = await bench.start());
			refusedPort = await freePort(); // nothing listens here until phase 2
			const credentials = [];
			for (const spec of CASES) {
				const { key } = spec;
				minted[key] = await standIn.mint({ accessTokenExpired: true });
				proxy.plan(minted[key].refreshToken, spec.steps ?? ['pass'], key);
				if (spec.revoke) await standIn.revokeFamily(minted[key].refreshToken);
				credentials.push(
					bench.credential(key, minted[key], {
						issuer: spec.refused ? `http://127.0.0.1:${refusedPort}/as` : proxy.issuer,
						clientId: spec.clientId ?? '',
					}),
				);
			}
			await n8n.importCredentials(credentials);
			await n8n.importWorkflow(
				CASES.map((spec) =>
					wf.chain(refreshWorkflowId(spec.key), `faults: ${spec.key}`, [
						wf.manualTrigger(),
						wf.aacNode('Refresh', 'refresh', ref(spec.key)),
					]),
				),
			);
		});

		after(() => bench.close());

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
					problems.push(
						`AAC received ${result.toAac} token requests, expected ${spec.expect.toAac}`,
					);
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
			// The refused case's issuer listens from now on.
			await bench.startProxy({ port: refusedPort });
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

		after(() => {
			const lines = ['## Token endpoint faults (the refresh)', ''];
			lines.push(
				'CLI executions of a Manual Trigger → Alteryx Analytics Cloud: Refresh workflow, one credential and token family per case, the fault proxy in front of the token endpoint.',
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
			writeFaultsSection('token-endpoint', bench, lines);
		});

		after(() => bench.assertNoLeaks());
	},
);
