// Stopping a process that leads its own process group (spawned with `detached: true`), so that
// what it started (n8n's task runner, PostgreSQL's backends) ends with it. By PID, never by name.

/** Sends `signal` to the process group that `pid` leads; nothing if it is gone already. */
export function signalGroup(pid, signal = 'SIGKILL') {
	try {
		process.kill(-pid, signal);
	} catch {
		// already gone
	}
}

/**
 * Stops `child` (spawned detached, so it leads its own process group): `signal` to its PID (with
 * `wholeGroup`, to its whole group at once), then SIGKILL to its whole group if it has not exited
 * after `graceMs`. `exited` is the promise of its 'exit' event, taken when it was spawned.
 * Resolves once it exited (at once if it had).
 */
export async function stopProcessGroup(
	child,
	{ exited, signal = 'SIGTERM', graceMs, wholeGroup = false },
) {
	if (child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(wholeGroup ? -child.pid : child.pid, signal);
	} catch {
		// already gone
	}
	const killer = setTimeout(() => signalGroup(child.pid), graceMs);
	await exited;
	clearTimeout(killer);
}
