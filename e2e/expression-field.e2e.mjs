// Issue 9, case 2, in real n8n 2.41.1: the Refresh Token field holds an n8n expression. n8n 2.x
// resolves the expression for the request, but when preAuthentication returns the rotated pair it
// keeps every stored field that holds an expression (credentials-helper.js, preAuthentication), so
// the rotated refresh token is never saved and the credential keeps presenting the spent one. The
// package must notice (a refresh token this process rotated arriving again more than 30 s after
// the rotation: the save cannot have landed) and fail with "could not be saved" instead of
// serving the pair from memory until a restart, after which the spent token revokes the family.
//
//   node --test --test-concurrency=1 e2e/expression-field.e2e.mjs     (about 2 minutes)
//
// One long-running `n8n start` (SQLite) with a webhook workflow: Webhook → HTTP Request
// (predefined credential) → the stand-in's /v4/people/current. Access tokens live 10 s. Call 1
// refreshes and answers 200; call 2 comes more than 30 s after that rotation. Needs
// `npm run e2e:install` (n8n 2.41.1 and the packed package).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';

import { CREDENTIAL_TYPE, freePort } from './lib/n8n.mjs';
import { forEachN8n } from './lib/versions.mjs';
import * as wf from './lib/workflows.mjs';
import { startMain } from './queue/processes.mjs';

const TOKEN_TTL_SECONDS = 10;
/** How long after the rotation call 2 comes: past the package's 30 s. */
const LATE_MS = 32_000;
const CRED = { id: 'aacExprField', name: 'AAC, Refresh Token field as an expression' };
const WORKFLOW_ID = 'aacExprReader';
const WEBHOOK_PATH = 'aac-expression-field';
const NOT_SAVED = /^The rotated tokens could not be saved into the credential/;

const webhook = {
	id: `wh-${WEBHOOK_PATH}`.slice(0, 36),
	name: 'Webhook',
	type: 'n8n-nodes-base.webhook',
	typeVersion: 2,
	position: [0, 0],
	webhookId: WEBHOOK_PATH,
	// "Respond: When Last Node Finishes" with its first item: the caller sees the HTTP Request outcome.
	parameters: {
		httpMethod: 'POST',
		path: WEBHOOK_PATH,
		responseMode: 'lastNode',
		responseData: 'firstEntryJson',
		options: {},
	},
};

/** The webhook's answer: the HTTP Request node's first item (full response, or the error continued as output). */
async function call(url) {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: '{}',
	});
	const text = await response.text();
	let body;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	const error = body?.error;
	const message =
		typeof error === 'string'
			? error
			: typeof error?.message === 'string'
				? error.message
				: undefined;
	return { status: response.status, text, body, message, at: Date.now() };
}

// On 2.x only: what it tests is the n8n 2.x behaviour described above.
forEachN8n(
	'a credential whose Refresh Token field holds an expression (HTTP Request path)',
	{
		versions: ['2'],
		name: 'expression-field',
		standIn: { accessTokenTtlSeconds: TOKEN_TTL_SECONDS },
		timeout: 10 * 60_000,
	},
	(fx) => {
		const started = Date.now();
		let standIn;
		let n8n;
		let main;
		let webhookUrl;
		let pair;
		let expression;
		const answers = [];
		const figures = {};

		before(async () => {
			({ standIn, n8n } = fx);
			// Expired at once, so call 1 is due; every rotated access token lives 10 s.
			pair = await standIn.mint({ accessTokenExpired: true });
			expression = `={{ "${pair.refreshToken}" }}`;
			await n8n.importCredentials([
				{
					...CRED,
					type: CREDENTIAL_TYPE,
					data: {
						accessToken: pair.accessToken,
						refreshToken: expression,
						allowCustomIssuer: true,
						apiBaseUrl: standIn.apiBaseUrl,
					},
				},
			]);
			const reader = wf.chain(
				WORKFLOW_ID,
				'AAC reader: Webhook → HTTP Request (predefined credential)',
				[
					webhook,
					wf.httpWithCredential(
						'Who am I',
						`${standIn.apiBaseUrl}/v4/people/current`,
						wf.credentialRef(CRED.id, CRED.name),
						{
							neverError: true,
							onError: 'continueRegularOutput',
						},
					),
				],
			);
			await n8n.importWorkflow(reader);
			// 2.41.1 imports workflows deactivated; publish:workflow activates it for the next start.
			const published = await n8n.run(['publish:workflow', `--id=${WORKFLOW_ID}`], {
				label: 'publish',
			});
			assert.equal(published.exitCode, 0, `publish:workflow failed; see ${published.logFile}`);

			const port = await freePort();
			const base = `http://127.0.0.1:${port}`;
			webhookUrl = `${base}/webhook/${WEBHOOK_PATH}`;
			main = await startMain(n8n, { port });
			figures.bootSeconds = Math.round(main.bootMs / 1000);
		});

		after(async () => {
			await main?.stop();
			figures.wallSeconds = Math.round((Date.now() - started) / 1000);
			console.log(`\nexpression field in n8n ${fx.version}: ${JSON.stringify(figures)}`);
		});

		test('call 1 refreshes and answers 200; n8n keeps the expression; call 2, over 30 s later, fails with "could not be saved" and sends nothing', async () => {
			// The first answer that is not a 404 (webhook not registered yet: nothing runs) is call 1.
			let first;
			for (const deadline = Date.now() + 120_000; ; ) {
				first = await call(webhookUrl);
				if (first.status !== 404) break;
				assert.ok(Date.now() < deadline, 'the webhook was not registered within 120 s');
				await wait(250);
			}
			answers.push(first.text);
			assert.equal(
				first.status,
				200,
				`call 1: webhook answered ${first.status}: ${first.text.slice(0, 300)}`,
			);
			assert.equal(
				first.body?.statusCode,
				200,
				`call 1: ${first.message ?? first.text.slice(0, 300)}`,
			);
			assert.ok(first.body?.body?.email, 'call 1: the API answered with the current user');
			const afterCall1 = standIn.stats();
			figures.call1 = { status: first.body.statusCode, tokenRequests: afterCall1.tokenRequests };
			assert.equal(afterCall1.tokenRequests, 1, 'call 1 refreshed once');
			assert.equal(afterCall1.refreshGrantsOk, 1);
			const rotated = standIn.issuedRefreshTokens().at(-1);
			// Compared as booleans throughout: a failed assertion prints both sides, and tests print no token.
			assert.ok(rotated && rotated !== pair.refreshToken, 'the stand-in rotated the refresh token');

			// What 2.41.1 stored after the refresh (export:credentials --decrypted, while the wait runs).
			const stored = (await n8n.exportCredentials()).find((entry) => entry.id === CRED.id).data;
			figures.storedAfterCall1 = {
				refreshTokenField:
					stored.refreshToken === expression
						? 'the expression, unchanged'
						: stored.refreshToken === rotated
							? 'the rotated token'
							: 'something else',
				accessTokenField:
					stored.accessToken === pair.accessToken ? 'unchanged' : 'the new access token',
				lastRotatedAt: Boolean(stored.lastRotatedAt),
			};
			assert.ok(
				stored.refreshToken === expression,
				`n8n 2.41.1 keeps a credential field that holds an expression (found ${figures.storedAfterCall1.refreshTokenField})`,
			);
			assert.ok(stored.accessToken !== pair.accessToken, 'the plain Access Token field was saved');

			const lateAt = first.at + LATE_MS;
			await wait(Math.max(0, lateAt - Date.now()));
			const second = await call(webhookUrl);
			answers.push(second.text);
			const afterCall2 = standIn.stats();
			figures.call2 = {
				secondsAfterCall1: Math.round((second.at - first.at) / 1000),
				webhookStatus: second.status,
				apiStatus: second.body?.statusCode ?? null,
				message: second.message?.split(/(?<=\.)\s/)[0] ?? null,
				tokenRequests: afterCall2.tokenRequests,
				reuseDetections: afterCall2.reuseDetections,
			};
			assert.match(second.message ?? '', NOT_SAVED, `call 2: ${second.text.slice(0, 300)}`);
			assert.equal(afterCall2.tokenRequests, 1, 'call 2 sent no token request');
			assert.equal(afterCall2.reuseDetections, 0);
			assert.equal(afterCall2.refreshTokensPresented, 1);
			// The newest pair never left this process: the family is alive, a person can still paste it.
			assert.equal(await standIn.familyAlive(rotated), true, 'the family is alive');
		});

		test('secrets: no refresh token in what n8n printed or in the webhook answers', () => {
			const tokens = standIn.issuedRefreshTokens().filter((token) => token.length >= 16);
			assert.ok(tokens.length >= 2);
			const places = [
				main?.text() ?? '',
				...n8n.commands.map((command) => command.stdout + command.stderr),
				...answers,
			];
			const leaks = tokens.filter((token) => places.some((text) => text.includes(token)));
			assert.equal(
				leaks.length,
				0,
				`${leaks.length} refresh tokens appear in n8n's output or the webhook answers`,
			);
		});
	},
);
