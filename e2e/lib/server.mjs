// `n8n start` for the editor (npm run dev) and the browser test: the same isolated n8n home as
// the CLI runner (e2e/lib/n8n.mjs), serving the UI and REST API on 127.0.0.1.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

import { VERSIONS, freePort } from './n8n.mjs';
import { stopProcessGroup } from './processGroup.mjs';

/** Whether n8n's REST API answers at `url`: /healthz answers while n8n is still starting up. */
export async function restApiAnswers(url) {
	const response = await fetch(`${url}/rest/settings`);
	return response.ok && (response.headers.get('content-type') ?? '').includes('json');
}

/**
 * Starts `n8n start` for a runner made by createN8n and resolves once its REST API answers.
 * `output` collects everything n8n prints (for the secrets checks); `stop()` ends the whole
 * process group it started and waits for it.
 */
export async function startServer(n8n, { port, timeoutMs = 240_000, inheritOutput = false } = {}) {
	const listenPort = port ?? (await freePort());
	const brokerPort = await freePort();
	const child = spawn(
		join(VERSIONS[n8n.version].install, 'node_modules', 'n8n', 'bin', 'n8n'),
		['start'],
		{
			cwd: n8n.runDir,
			env: {
				...n8n.env,
				N8N_PORT: String(listenPort),
				N8N_RUNNERS_BROKER_PORT: String(brokerPort),
				N8N_EDITOR_BASE_URL: `http://127.0.0.1:${listenPort}`,
				N8N_SECURE_COOKIE: 'false',
			},
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		},
	);
	const output = [];
	const collect = (chunk) => {
		output.push(chunk.toString());
		if (inheritOutput) process.stdout.write(chunk);
	};
	child.stdout.on('data', collect);
	child.stderr.on('data', collect);
	const exited = once(child, 'exit');
	const url = `http://127.0.0.1:${listenPort}`;

	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (child.exitCode !== null)
			throw new Error(`n8n start exited ${child.exitCode}:\n${output.join('').slice(-3000)}`);
		try {
			if (await restApiAnswers(url)) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline)
			throw new Error(`n8n did not become healthy within ${timeoutMs / 1000} s`);
		await wait(500);
	}

	return {
		url,
		output,
		stop: () =>
			stopProcessGroup(child, { exited, signal: 'SIGTERM', graceMs: 15_000, wholeGroup: true }),
	};
}

/** The owner account an e2e test signs in as (the REST API needs one; the setup screen makes it). */
export const OWNER = {
	email: 'owner@example.com',
	firstName: 'Test',
	lastName: 'Owner',
	password: 'Test-Passw0rd1',
};

/**
 * Creates the owner through `POST /rest/owner/setup`, as the setup screen does, and returns the
 * `n8n-auth=…` cookie of that session for REST calls.
 */
export async function setUpOwner(server, owner = OWNER) {
	const setup = await fetch(`${server.url}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify(owner),
	});
	if (setup.status !== 200)
		throw new Error(`owner setup failed: ${setup.status} ${await setup.text()}`);
	const cookie = /n8n-auth=[^;]+/.exec(setup.headers.get('set-cookie') ?? '')?.[0];
	if (!cookie) throw new Error('owner setup set no n8n-auth cookie');
	return cookie;
}
