// Long-running n8n processes for the queue-mode test: `n8n start` (main) and `n8n worker`, each
// with its own task-broker port, everything it prints kept in memory (secrets check) and in a log
// file, stopped by PID (SIGTERM to the process, SIGKILL to its process group after a grace period).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

import { VERSIONS, freePort } from '../lib/n8n.mjs';
import { signalGroup, stopProcessGroup } from '../lib/processGroup.mjs';
import { restApiAnswers } from '../lib/server.mjs';

/**
 * `n8n start` (editor, REST API and webhooks) on 127.0.0.1:`port`, ready once its REST API
 * answers: the main process of a test.
 */
export function startMain(n8n, { port, label = 'main' }) {
	const base = `http://127.0.0.1:${port}`;
	return startN8nProcess(n8n, {
		label,
		args: ['start'],
		env: {
			N8N_PORT: String(port),
			N8N_EDITOR_BASE_URL: base,
			N8N_WEBHOOK_URL: `${base}/`,
			N8N_SECURE_COOKIE: 'false',
		},
		ready: () => restApiAnswers(base),
	});
}

/**
 * Spawns `n8n <args>` for a runner made by createN8n with `env` on top of the runner's env, and
 * resolves once `ready()` returns true (polled every 500 ms) or rejects when the process exits or
 * `timeoutMs` passes.
 */
export async function startN8nProcess(n8n, { label, args, env = {}, ready, timeoutMs = 240_000 }) {
	const brokerPort = await freePort();
	const logFile = join(n8n.logDir, `${label}.log`);
	const log = createWriteStream(logFile);
	const child = spawn(
		join(VERSIONS[n8n.version].install, 'node_modules', 'n8n', 'bin', 'n8n'),
		args,
		{
			cwd: n8n.runDir,
			env: { ...n8n.env, N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...env },
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true, // its own process group: n8n and its task runner end together
		},
	);
	const output = [];
	const collect = (chunk) => {
		const text = chunk.toString();
		output.push(text);
		log.write(text);
	};
	child.stdout.on('data', collect);
	child.stderr.on('data', collect);
	const exited = once(child, 'exit');
	const started = Date.now();
	const text = () => output.join('');

	let stopping;
	const handle = {
		label,
		pid: child.pid,
		brokerPort,
		logFile,
		output,
		text,
		get alive() {
			return child.exitCode === null && child.signalCode === null;
		},
		bootMs: undefined,
		stop({ graceMs = 20_000 } = {}) {
			stopping ??= (async () => {
				await stopProcessGroup(child, { exited, signal: 'SIGTERM', graceMs });
				signalGroup(child.pid); // the task runner child, should it have outlived n8n
				await new Promise((resolveEnd) => log.end(resolveEnd));
			})();
			return stopping;
		},
	};

	const deadline = started + timeoutMs;
	for (;;) {
		if (!handle.alive)
			throw new Error(
				`n8n ${args.join(' ')} (${label}) exited ${child.exitCode ?? child.signalCode} during start-up; see ${logFile}\n${text().slice(-3000)}`,
			);
		try {
			if (await ready(handle)) break;
		} catch {
			// not ready yet
		}
		if (Date.now() > deadline) {
			await handle.stop();
			throw new Error(
				`n8n ${args.join(' ')} (${label}) not ready within ${timeoutMs / 1000} s; see ${logFile}`,
			);
		}
		await wait(500);
	}
	handle.bootMs = Date.now() - started;
	return handle;
}
