// The n8n 2.41.1 editor in a real browser (Debian's Chromium driven by playwright-core): the
// package's node and credential as a user meets them. Saves the screenshots the README shows.
// Run: node --test e2e/browser/ (after npm run e2e:install; .ci/run installs chromium).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { ROOT, createN8n } from '../lib/n8n.mjs';
import { setUpOwner, startServer } from '../lib/server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];
const OWNER = {
	email: 'owner@example.com',
	firstName: 'Demo',
	lastName: 'Owner',
	password: 'Demo-Passw0rd1',
};
const DOCS = join(ROOT, 'docs');

let server;
let browser;
let page;

before(async () => {
	mkdirSync(DOCS, { recursive: true });
	server = await startServer(createN8n({ version: '2.41.1', name: 'browser' }));
	// The owner account, through the REST API as the setup screen would create it; signed in as
	// that owner with the session cookie the setup answer set.
	const session = (await setUpOwner(server, OWNER)).slice('n8n-auth='.length);
	browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
	await context.addCookies([{ name: 'n8n-auth', value: session, url: server.url }]);
	page = await context.newPage();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

/** Opens the node panel of a new workflow (it lists triggers first). */
async function openNewWorkflowPanel() {
	await page.goto(`${server.url}/workflow/new`);
	await page
		.locator('[data-test-id="canvas-add-button"], [data-test-id="canvas-plus-button"]')
		.first()
		.click();
}

/** Types into the open node panel's search; returns the entries' names. */
async function searchNodes(search) {
	await page
		.locator('[data-test-id="node-creator-search-bar"] input, input[placeholder*="Search"]')
		.first()
		.fill(search);
	return page.locator('[data-test-id="node-creator-item-name"]');
}

/** Searches the open node panel and picks the entry with exactly that name. */
async function pick(search, name) {
	await (await searchNodes(search)).getByText(name, { exact: true }).first().click();
}

/**
 * Adds the node with that name to a new workflow. An action node (`afterTrigger`) is picked after
 * a Manual Trigger, as users add one: a new workflow's panel lists triggers, and there this
 * package shows its own three triggers instead of the node.
 */
async function addNode(search, name, { afterTrigger = false } = {}) {
	await openNewWorkflowPanel();
	if (afterTrigger) {
		await pick('manual', 'Trigger manually');
		await page.locator('[data-test-id="canvas-handle-plus"]').first().click();
	}
	await pick(search, name);
}

test('a new workflow offers the three triggers (n8n drops " Trigger" from their names there)', async () => {
	await openNewWorkflowPanel();
	const names = await searchNodes('Alteryx');
	await names.getByText('Alteryx Analytics Cloud Token Keeper', { exact: true }).waitFor();
	assert.deepEqual((await names.allInnerTexts()).sort(), [
		'Alteryx Analytics Cloud',
		'Alteryx Analytics Cloud Flow',
		'Alteryx Analytics Cloud Token Keeper',
	]);
	await page.screenshot({ path: join(DOCS, 'node-triggers.png') });
});

test('the node offers Get, Inspect and Refresh, and its credential form shows every field', async () => {
	await addNode('Alteryx', 'Alteryx Analytics Cloud', { afterTrigger: true });
	const creator = page.locator('[data-test-id="node-creator"]');
	for (const action of [
		'Get a valid access token',
		'Inspect the stored tokens',
		'Refresh the tokens now',
	]) {
		await creator.getByText(action, { exact: true }).waitFor();
	}
	await page.screenshot({ path: join(DOCS, 'node-actions.png') });
	await creator.getByText('Get a valid access token', { exact: true }).click();

	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.getByText('Connect to Alteryx Analytics Cloud').waitFor();
	assert.equal(
		await ndv.locator('[data-test-id="parameter-input-resource"] input').inputValue(),
		'Access Token',
	);
	assert.equal(
		await ndv.locator('[data-test-id="parameter-input-operation"] input').inputValue(),
		'Get',
	);
	await page.screenshot({ path: join(DOCS, 'node-get.png') });

	await ndv.getByText('Connect to Alteryx Analytics Cloud').click();
	const form = page.locator('[data-test-id="editCredential-modal"]');
	await form.getByText('Alteryx Analytics Cloud OAuth2 API').first().waitFor();
	for (const field of [
		'accessToken',
		'refreshToken',
		'clientId',
		'issuer',
		'allowCustomIssuer',
		'apiBaseUrl',
		'refreshMode',
		'refreshMarginSeconds',
		'requestTimeoutSeconds',
	]) {
		assert.equal(
			await form.locator(`[data-test-id="parameter-input-${field}"]`).count(),
			1,
			`credential field ${field} missing`,
		);
	}
	// Hidden bookkeeping fields stay hidden.
	assert.equal(await form.locator('[data-test-id="parameter-input-expiryCheck"]').count(), 0);
	assert.equal(await form.locator('[data-test-id="parameter-input-lastRotatedAt"]').count(), 0);
	// The token fields are password inputs.
	assert.equal(
		await form
			.locator('[data-test-id="parameter-input-accessToken"] input[type="password"]')
			.count(),
		1,
	);
	assert.equal(
		await form
			.locator('[data-test-id="parameter-input-refreshToken"] input[type="password"]')
			.count(),
		1,
	);
	await page.screenshot({ path: join(DOCS, 'credential-form.png') });
});

test('Run a plan opens with the plan picker, Wait for Completion on and the run options', async () => {
	await addNode('Alteryx', 'Alteryx Analytics Cloud', { afterTrigger: true });
	const creator = page.locator('[data-test-id="node-creator"]');
	await creator.getByText('Run a plan', { exact: true }).click();
	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.locator('[data-test-id="parameter-input-operation"]').waitFor();
	assert.equal(
		await ndv.locator('[data-test-id="parameter-input-resource"] input').inputValue(),
		'Plan',
	);
	assert.equal(
		await ndv.locator('[data-test-id="parameter-input-operation"] input').inputValue(),
		'Run',
	);
	// The plan is a resource locator (From List / By ID) and waiting is on by default.
	await ndv
		.locator('[data-test-id="resource-locator-planId"], [data-test-id="parameter-input-planId"]')
		.first()
		.waitFor();
	const wait = ndv.locator('[data-test-id="parameter-input-waitForCompletion"]');
	assert.equal(await wait.count(), 1, 'Wait for Completion is shown');
	assert.equal(
		(await wait.locator('.is-checked, [aria-checked="true"], input:checked').count()) > 0,
		true,
		'Wait for Completion is on by default',
	);
	await page.screenshot({ path: join(DOCS, 'node-plan-run.png') });
});

test('the HTTP Request node offers the credential under Predefined Credential Type', async () => {
	await addNode('HTTP Request', 'HTTP Request');
	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.locator('[data-test-id="parameter-input-authentication"]').click();
	await page
		.locator('.el-select-dropdown__item, [role="option"]', {
			hasText: 'Predefined Credential Type',
		})
		.first()
		.click();
	const typePicker = ndv.locator('[data-test-id="parameter-input-nodeCredentialType"]');
	await typePicker.click();
	await page.keyboard.type('Alteryx');
	const option = page
		.locator('.el-select-dropdown__item, [role="option"]', {
			hasText: 'Alteryx Analytics Cloud OAuth2 API',
		})
		.first();
	await option.waitFor();
	await page.screenshot({ path: join(DOCS, 'http-request-predefined-credential.png') });
	await option.click();
	assert.equal(
		await typePicker.locator('input').inputValue(),
		'Alteryx Analytics Cloud OAuth2 API',
	);
});
