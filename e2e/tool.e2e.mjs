// The node as an AI agent's tool in real n8n (1.123.81 and 2.41.1): n8n's AI Agent with n8n's
// OpenAI Chat Model, pointed at a fake provider (e2e/lib/fakeModelProvider.mjs) that calls the
// tool, then n8n executes the workflow. Agent 2.2 invokes tools through n8n-core's
// createNodeAsTool; Agent 3 through engine requests. What the provider received must hold no
// piece of a token; the refresh the tool caused must have saved the rotated pair.
// Run: node --test --test-concurrency=1 e2e/tool.e2e.mjs (after npm run e2e:install)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startFakeModelProvider } from './lib/fakeModelProvider.mjs';
import { CREDENTIAL_TYPE, NODE_TYPE } from './lib/n8n.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';

const TOOL_TYPE = `${NODE_TYPE}Tool`;
const PIECE = 12;
const agentVersions = [2.2, 3];

/** Every PIECE-character window of each secret that occurs in `text`, by secret index and offset. */
function piecesIn(text, secrets) {
	const found = [];
	secrets.forEach((secret, index) => {
		for (let start = 0; start + PIECE <= secret.length; start++) {
			if (text.includes(secret.slice(start, start + PIECE))) {
				found.push(`secret ${index} at ${start}`);
				return;
			}
		}
	});
	return found;
}

/** The tool node: Access Token → Get unless `tool` says otherwise ({ parameters, extra }). */
function agentWorkflow(id, agentVersion, credential, openAiCredential, tool = {}) {
	const nodes = [
		{
			id: `${id}-t`,
			name: 'Start',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: `${id}-a`,
			name: 'AI Agent',
			type: '@n8n/n8n-nodes-langchain.agent',
			typeVersion: agentVersion,
			position: [220, 0],
			parameters: {
				promptType: 'define',
				text: 'Is the Alteryx Analytics Cloud connection usable? Check the access token.',
				options: {},
			},
		},
		{
			id: `${id}-m`,
			name: 'OpenAI Chat Model',
			type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
			typeVersion: 1.2,
			position: [220, 220],
			parameters: {
				model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' },
				options: { maxRetries: 0 },
			},
			credentials: { openAiApi: openAiCredential },
		},
		{
			id: `${id}-x`,
			name: 'AAC token',
			type: TOOL_TYPE,
			typeVersion: 1,
			position: [440, 220],
			parameters: tool.parameters ?? { resource: 'accessToken', operation: 'get' },
			credentials: credential,
			...tool.extra,
		},
	];
	const connections = {
		Start: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
		'OpenAI Chat Model': {
			ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]],
		},
		'AAC token': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
	};
	return {
		id,
		name: `e2e tool: agent ${agentVersion}`,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

forEachN8n(
	"the node as an AI agent's tool",
	{ name: 'tool', standIn: { accessTokenTtlSeconds: 300 }, timeout: 10 * 60_000 },
	(fx) => {
		let standIn;
		let provider;
		let n8n;
		const minted = {};
		const openAi = { id: 'e2eFakeOpenAi', name: 'Fake model provider' };
		const cred = (agentVersion) => ({
			id: `e2eTool${String(agentVersion).replace('.', '')}`,
			name: `AAC tool agent ${agentVersion}`,
		});

		before(async () => {
			({ standIn, n8n } = fx);
			provider = await startFakeModelProvider();
			for (const agentVersion of agentVersions)
				minted[agentVersion] = await standIn.mint({ accessTokenExpired: true });
			await n8n.importCredentials([
				{
					...openAi,
					type: 'openAiApi',
					data: { apiKey: 'sk-fake-provider-key', url: provider.baseUrl },
				},
				...agentVersions.map((agentVersion) => ({
					...cred(agentVersion),
					type: CREDENTIAL_TYPE,
					data: {
						accessToken: minted[agentVersion].accessToken,
						refreshToken: minted[agentVersion].refreshToken,
						allowCustomIssuer: true,
						apiBaseUrl: standIn.apiBaseUrl,
					},
				})),
			]);
			await n8n.importWorkflow([
				...agentVersions.map((agentVersion) =>
					agentWorkflow(
						`toolAgent${String(agentVersion).replace('.', '')}`,
						agentVersion,
						wf.credentialRef(cred(agentVersion).id, cred(agentVersion).name),
						openAi,
					),
				),
				// Plan → Run as the tool, with Retry On Fail (issue 19, item 1).
				...agentVersions.map((agentVersion) =>
					agentWorkflow(
						`toolRun${String(agentVersion).replace('.', '')}`,
						agentVersion,
						wf.credentialRef(cred(agentVersion).id, cred(agentVersion).name),
						openAi,
						{
							parameters: {
								resource: 'plan',
								operation: 'run',
								planId: wf.byId(1),
								options: { pollIntervalSeconds: 1, maxPollIntervalSeconds: 1 },
							},
							extra: { retryOnFail: true, maxTries: 2, waitBetweenTries: 0 },
						},
					),
				),
			]);
		});

		after(async () => {
			await provider?.close();
		});

		for (const agentVersion of agentVersions) {
			test(`AI Agent ${agentVersion} calls Get as a tool: the provider gets status and expiry, no piece of a token; the rotated pair is saved`, async (t) => {
				provider.reset();
				standIn.resetStats();
				const run = await n8n.execute(`toolAgent${String(agentVersion).replace('.', '')}`);
				assert.ok(
					run.succeeded,
					`n8n execute failed (exit ${run.exitCode}, status ${run.status}): ${wf.runError(run.json)?.message ?? 'no run JSON'} (log: ${run.logFile})`,
				);

				// The tool ran, and what it answered reached the provider.
				const toolResults = provider.toolResults();
				assert.equal(
					toolResults.length,
					1,
					`tool results sent to the provider: ${toolResults.length} (log: ${run.logFile})`,
				);

				// One refresh, its pair stored by n8n, the family alive.
				const stats = standIn.stats();
				assert.equal(stats.refreshGrantsOk, 1, JSON.stringify(stats));
				assert.equal(stats.maxUsesOfOneRefreshToken, 1, JSON.stringify(stats));
				const stored = (await n8n.exportCredentials()).find(
					(c) => c.id === cred(agentVersion).id,
				).data;
				assert.notEqual(stored.refreshToken, minted[agentVersion].refreshToken);
				assert.notEqual(stored.accessToken, minted[agentVersion].accessToken);
				assert.equal(await standIn.familyAlive(stored.refreshToken), true);

				// No piece of any token, old or new, in anything the provider got, nor in the run n8n printed.
				const secrets = [
					minted[agentVersion].accessToken,
					minted[agentVersion].refreshToken,
					stored.accessToken,
					stored.refreshToken,
				];
				const providerSaw = provider.requests.map((request) => request.body).join('\n');
				assert.ok(provider.requests.length >= 2, `provider requests: ${provider.requests.length}`);
				assert.deepEqual(piecesIn(providerSaw, secrets), []);
				assert.deepEqual(piecesIn(run.stdout + run.stderr, secrets), []);

				// What the tool answered instead: status and expiry.
				const answer = JSON.parse(toolResults[0]);
				const status = Array.isArray(answer) ? answer[0] : answer;
				assert.equal(status.status, 'valid');
				assert.equal(status.refreshed, true);
				assert.ok(status.expiresIn > 200, `expiresIn ${status.expiresIn}`);
				assert.equal('accessToken' in status || 'authorization' in status, false);
				const offered = JSON.parse(provider.requests[0].body).tools?.[0]?.function;
				t.diagnostic(
					`tool offered to the model: ${offered?.name}: ${offered?.description}; its answer: ${toolResults[0]}`,
				);
			});
		}

		for (const agentVersion of agentVersions) {
			test(`AI Agent ${agentVersion} runs a plan as a tool with Retry On Fail, and AAC's answer to the first POST is lost (502 after it started the run): the retry carries the same x-execution-id, one run in AAC`, async () => {
				standIn.api.reset();
				standIn.api.setFixture({ kind: 'plan', id: 1, queuedMs: 500, runningMs: 2000 });
				standIn.api.addFault({ endpoint: 'runPlan', phase: 'after', status: 502 });
				provider.reset();
				const run = await n8n.execute(`toolRun${String(agentVersion).replace('.', '')}`);
				// The retry gets 304 and, with the first answer lost, says AAC refused a repeat: the agent
				// hands that to the model (the execution succeeds) or fails the execution with it (Agent 3
				// on 1.x); either way no second run.
				const error = wf.runError(run.json)?.message;
				if (!run.succeeded) assert.match(String(error), /AAC refused to start plan 1 again/);
				const counters = standIn.api.counters();
				assert.deepEqual(counters.runsStarted.plan, { 1: 1 }, JSON.stringify(counters));
				assert.deepEqual(Object.values(counters.postsPerExecutionId), [2]);
				assert.equal(counters.notModified, 1);
			});
		}
	},
);
