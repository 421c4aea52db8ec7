// Throwaway Redis and PostgreSQL for the queue-mode e2e test (e2e/queue/): each on a free
// 127.0.0.1 port, with its own data folder under .tools/services/<name>/ (wiped first), no unix
// socket anywhere, stopped by PID (SIGTERM, then SIGKILL).
//
//   const redis = await startRedis({ name: 'queue-redis' });      // {host, port, pid, stop()}
//   const pg = await startPostgres({ name: 'queue-postgres' });   // {host, port, database, user, password, psql(sql), stop()}
//
// PostgreSQL refuses to run as root: when this process is root (CI), initdb and postgres run as
// the `postgres` system user (Debian's package creates it), which then owns the data folder.
// Uses Debian's packages: `apt-get install redis-server postgresql`.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
	chmodSync,
	chownSync,
	createWriteStream,
	existsSync,
	mkdirSync,
	readdirSync,
	rmSync,
	writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';

import { TOOLS, freePort } from './n8n.mjs';
import { stopProcessGroup } from './processGroup.mjs';

export const SERVICES_DIR = join(TOOLS, 'services');
const HOST = '127.0.0.1';

/** Debian's PostgreSQL binaries (/usr/lib/postgresql/<major>/bin), newest major first; PG_BIN overrides. */
export function postgresBin() {
	if (process.env.PG_BIN) return process.env.PG_BIN;
	const base = '/usr/lib/postgresql';
	const majors = existsSync(base)
		? readdirSync(base)
				.filter((entry) => /^\d+$/.test(entry) && existsSync(join(base, entry, 'bin', 'postgres')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (!majors.length)
		throw new Error(
			`no PostgreSQL server under ${base}: apt-get install postgresql (or set PG_BIN)`,
		);
	return join(base, majors[0], 'bin');
}

function freshFolder(name) {
	if (!/^[\w.-]+$/.test(name))
		throw new Error(`service name "${name}" must be a plain folder name`);
	const dir = join(SERVICES_DIR, name);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	// Traversable by the `postgres` user whatever the umask (PostgreSQL keeps its data folder 0700).
	chmodSync(SERVICES_DIR, 0o755);
	chmodSync(dir, 0o755);
	return dir;
}

/** uid/gid to run PostgreSQL as: the `postgres` user when we are root, else ourselves (undefined). */
function postgresIdentity() {
	if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
	try {
		const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
		const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
		return { uid, gid };
	} catch {
		throw new Error(
			'running as root, but there is no `postgres` user to run PostgreSQL as (apt-get install postgresql creates it)',
		);
	}
}

/**
 * Spawns a long-running service with its output in `logFile`. stop() sends `stopSignal` to its PID,
 * then SIGKILL to its process group (it leads one: detached) if it has not exited after `graceMs`.
 */
function spawnService(command, args, { logFile, identity, env = {}, stopSignal = 'SIGTERM' }) {
	const log = createWriteStream(logFile, { flags: 'a' });
	const child = spawn(command, args, {
		env: { ...process.env, LC_ALL: 'C', ...env },
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
		...(identity ?? {}),
	});
	child.stdout.pipe(log, { end: false });
	child.stderr.pipe(log, { end: false });
	const exited = once(child, 'exit');
	let stopping;
	const stop = ({ graceMs = 15_000 } = {}) => {
		stopping ??= stopProcessGroup(child, { exited, signal: stopSignal, graceMs }).then(() => {
			log.end();
		});
		return stopping;
	};
	return { child, stop, exited: () => child.exitCode !== null || child.signalCode !== null };
}

/** Sends one inline Redis command over TCP and resolves with the first reply line. */
function redisCommand(port, command, timeoutMs = 2000) {
	return new Promise((resolveReply, reject) => {
		const socket = connect({ host: HOST, port });
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error('redis: no reply'));
		}, timeoutMs);
		let data = '';
		socket.on('connect', () => socket.write(`${command}\r\n`));
		socket.on('data', (chunk) => {
			data += chunk;
			if (data.includes('\r\n')) {
				clearTimeout(timer);
				socket.end();
				resolveReply(data.split('\r\n')[0]);
			}
		});
		socket.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

async function waitUntil(what, ready, service, logFile, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		if (service.exited()) throw new Error(`${what} exited during start-up; see ${logFile}`);
		try {
			if (await ready()) return;
		} catch {
			// not up yet
		}
		if (Date.now() > deadline) {
			await service.stop();
			throw new Error(`${what} not ready within ${timeoutMs / 1000} s; see ${logFile}`);
		}
		await wait(200);
	}
}

/** A Redis server on a free loopback port: no persistence, no unix socket, data folder of its own. */
export async function startRedis({ name = 'redis', timeoutMs = 30_000 } = {}) {
	const dir = freshFolder(name);
	const port = await freePort();
	const logFile = join(dir, 'redis.log');
	const service = spawnService(
		'redis-server',
		[
			'--bind',
			HOST,
			'--port',
			String(port),
			'--unixsocket',
			'',
			'--dir',
			dir,
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
			'--protected-mode',
			'yes',
			'--logfile',
			'',
		],
		{ logFile },
	);
	await waitUntil(
		'redis-server',
		async () => (await redisCommand(port, 'PING')) === '+PONG',
		service,
		logFile,
		timeoutMs,
	);
	return {
		host: HOST,
		port,
		pid: service.child.pid,
		dir,
		logFile,
		/** One inline command (e.g. 'DBSIZE'), the first reply line. */
		command: (text) => redisCommand(port, text),
		stop: service.stop,
	};
}

/**
 * A PostgreSQL server on a free loopback port (TCP only: unix_socket_directories is empty) with a
 * database and a password-authenticated role for n8n. The cluster is tuned for a throwaway test
 * database (fsync off). `psql(sql)` runs SQL as that role and returns the unaligned, tab-separated
 * output.
 */
export async function startPostgres({
	name = 'postgres',
	database = 'n8n',
	user = 'n8n',
	timeoutMs = 60_000,
} = {}) {
	const bin = postgresBin();
	const dir = freshFolder(name);
	const identity = postgresIdentity();
	const dataDir = join(dir, 'data');
	const logFile = join(dir, 'postgres.log');
	const superPassword = randomBytes(18).toString('base64url');
	const password = randomBytes(18).toString('base64url');
	const pwFile = join(dir, 'superuser.pw');
	writeFileSync(pwFile, `${superPassword}\n`, { mode: 0o600 });
	writeFileSync(logFile, '');
	if (identity) {
		for (const path of [dir, pwFile, logFile]) chownSync(path, identity.uid, identity.gid);
	}

	// initdb: TCP logins need a password (scram), local (socket) logins do not exist.
	try {
		execFileSync(
			join(bin, 'initdb'),
			[
				'-D',
				dataDir,
				'-U',
				'postgres',
				`--pwfile=${pwFile}`,
				'--auth-host=scram-sha-256',
				'--auth-local=reject',
				'--no-locale',
				'--encoding=UTF8',
				'--no-instructions',
			],
			{
				env: { ...process.env, LC_ALL: 'C' },
				stdio: ['ignore', 'pipe', 'pipe'],
				cwd: dir,
				...(identity ?? {}),
			},
		);
	} catch (error) {
		const hint = identity
			? ` (it runs as the postgres user, who must be able to enter every folder above ${dir})`
			: '';
		throw new Error(`initdb failed${hint}: ${error.stderr?.toString() ?? error.message}`);
	} finally {
		rmSync(pwFile, { force: true });
	}

	const port = await freePort();
	const service = spawnService(
		join(bin, 'postgres'),
		[
			'-D',
			dataDir,
			'-p',
			String(port),
			'-c',
			`listen_addresses=${HOST}`,
			'-c',
			'unix_socket_directories=',
			'-c',
			'dynamic_shared_memory_type=mmap',
			'-c',
			'max_connections=100',
			'-c',
			'fsync=off',
			'-c',
			'synchronous_commit=off',
			'-c',
			'full_page_writes=off',
			'-c',
			'logging_collector=off',
		],
		// SIGINT is PostgreSQL's "fast shutdown" (SIGTERM, "smart", would wait for clients to leave).
		{ logFile, identity, stopSignal: 'SIGINT' },
	);

	const psqlAs = (role, rolePassword, db, sql) =>
		execFileSync(
			'psql',
			[
				'-h',
				HOST,
				'-p',
				String(port),
				'-U',
				role,
				'-d',
				db,
				'-v',
				'ON_ERROR_STOP=1',
				'-X',
				'-q',
				'-A',
				'-t',
				'-F',
				'\t',
				'-c',
				sql,
			],
			{
				env: { ...process.env, PGPASSWORD: rolePassword, PGCONNECT_TIMEOUT: '5' },
				encoding: 'utf8',
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);

	await waitUntil(
		'postgres',
		async () => psqlAs('postgres', superPassword, 'postgres', 'select 1').trim() === '1',
		service,
		logFile,
		timeoutMs,
	);
	psqlAs(
		'postgres',
		superPassword,
		'postgres',
		`CREATE ROLE "${user}" LOGIN PASSWORD '${password}'`,
	);
	psqlAs('postgres', superPassword, 'postgres', `CREATE DATABASE "${database}" OWNER "${user}"`);

	return {
		host: HOST,
		port,
		database,
		user,
		password,
		pid: service.child.pid,
		dir,
		logFile,
		/** SQL as the n8n role; unaligned, tuples only, tab-separated. */
		psql: (sql) => psqlAs(user, password, database, sql),
		/** `pg_dump` of the database (plain SQL, data included) into `file`. */
		dump(file) {
			execFileSync(
				'pg_dump',
				['-h', HOST, '-p', String(port), '-U', user, '-d', database, '--no-owner', '-f', file],
				{
					env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' },
					stdio: ['ignore', 'pipe', 'pipe'],
				},
			);
			return file;
		},
		stop: service.stop,
	};
}
