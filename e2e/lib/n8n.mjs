// Drives a real, pinned n8n (installed by e2e/install.mjs into .tools/) through its CLI, in an
// isolated user folder with this package installed as a community package.
//
//   const n8n = await createN8n({ version: '2.41.1', name: 'suite' });
//   await n8n.importCredentials([{ id, name, type, data }]);
//   await n8n.importWorkflow(workflowJson);            // or an array of workflows
//   const run = await n8n.execute('wf-id');           // {exitCode, stdout, stderr, json, ...}
//   const creds = await n8n.exportCredentials();      // decrypted
//
// Every command boots a whole n8n (5 to 15 s). Each gets its own task-broker port, so several can
// run at once on the same user folder and database. Everything a command printed is kept (in
// memory and under logs/) for the secrets checks.
import { execFileSync, spawn } from 'node:child_process';
import {
	cpSync,
	existsSync,
	mkdirSync,
	readFileSync,
	realpathSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { signalGroup } from './processGroup.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS = join(ROOT, '.tools');
export const PACKAGE_NAME = 'n8n-nodes-alteryx-analytics-cloud';
/**
 * What `e2e/install.mjs` packs: the files npm would publish. AAC_E2E_PACKAGE_DIR points the suite
 * at another build of the package (an unpacked tarball) instead.
 */
export const PACKED_PACKAGE = process.env.AAC_E2E_PACKAGE_DIR
	? resolve(process.env.AAC_E2E_PACKAGE_DIR)
	: join(TOOLS, 'package', PACKAGE_NAME);
export const NODE_TYPE = `${PACKAGE_NAME}.alteryxAnalyticsCloud`;
export const CREDENTIAL_TYPE = 'alteryxAnalyticsCloudOAuth2Api';
/** Fixed, so that the database of a run can be read by any later command of that run. */
export const ENCRYPTION_KEY = 'aac-e2e-fixed-encryption-key-not-a-secret';

const NODE24_BIN = join(TOOLS, 'node24', 'node_modules', 'node', 'bin');

/**
 * The pinned versions (e2e/install.mjs installs each from e2e/n8n-<version>/): where each is
 * installed, which Node.js runs it, and what it needs. Which of them a test runs on:
 * e2e/lib/versions.mjs (E2E_N8N).
 */
export const VERSIONS = {
	'1.123.81': {
		major: '1',
		nodeMajor: 20,
		install: join(TOOLS, 'n8n-1.123.81'),
		// System Node 20 (isolated-vm cannot build for it, hence the legacy expression engine).
		pathPrefix: [],
		env: { N8N_EXPRESSION_ENGINE: 'legacy' },
	},
	'2.41.1': {
		major: '2',
		nodeMajor: 24,
		install: join(TOOLS, 'n8n-2.41.1'),
		pathPrefix: [NODE24_BIN],
		env: {},
	},
};

/** A free loopback port (for each process's task broker). */
export function freePort() {
	return new Promise((resolvePort, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolvePort(port));
		});
	});
}

/**
 * The JSON document n8n printed (`execute --rawOutput` prints the run as indented JSON after any
 * log lines; a failed run is logged the same way). Returns the last complete one, or undefined.
 */
export function parseRunJson(text) {
	const lines = text.split('\n');
	let found;
	for (let start = 0; start < lines.length; start++) {
		if (lines[start] !== '{') continue;
		for (let end = start + 1; end < lines.length; end++) {
			if (lines[end] !== '}') continue;
			try {
				found = JSON.parse(lines.slice(start, end + 1).join('\n'));
				start = end;
				break;
			} catch {
				// not the closing brace of this document: keep looking
			}
		}
	}
	return found;
}

/**
 * Creates a fresh, isolated n8n home for `version` under .tools/run/<version>/<name>/ (wiped
 * first) and returns the runner. The package is installed the way n8n's community-package
 * installer leaves it: the packed files in ~/.n8n/nodes/node_modules/<name>, without
 * peer/dev dependencies, resolving `n8n-workflow` to n8n's own copy.
 */
export function createN8n({ version, name = 'default', extraEnv = {} }) {
	const spec = VERSIONS[version];
	if (!spec)
		throw new Error(`unknown n8n version ${version}; known: ${Object.keys(VERSIONS).join(', ')}`);
	const n8nPackage = join(spec.install, 'node_modules', 'n8n');
	if (!existsSync(join(n8nPackage, 'bin', 'n8n'))) {
		throw new Error(`n8n ${version} is not installed in ${spec.install}: run npm run e2e:install`);
	}
	if (!existsSync(join(PACKED_PACKAGE, 'package.json'))) {
		throw new Error(
			`${PACKED_PACKAGE} is missing: run npm run e2e:install (it builds and packs the package)`,
		);
	}

	const runDir = join(TOOLS, 'run', version, name);
	const userFolder = join(runDir, 'home');
	const n8nDir = join(userFolder, '.n8n');
	const logDir = join(runDir, 'logs');
	const scratchDir = join(runDir, 'scratch');
	rmSync(runDir, { recursive: true, force: true });
	for (const dir of [n8nDir, logDir, scratchDir]) mkdirSync(dir, { recursive: true });

	// The community package, as n8n installs one.
	const nodesDir = join(n8nDir, 'nodes');
	const installed = join(nodesDir, 'node_modules', PACKAGE_NAME);
	cpSync(PACKED_PACKAGE, installed, { recursive: true });
	const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
	delete manifest.peerDependencies;
	delete manifest.devDependencies;
	delete manifest.optionalDependencies;
	writeFileSync(join(installed, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
	writeFileSync(
		join(nodesDir, 'package.json'),
		`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: manifest.version } }, null, 2)}\n`,
	);
	// n8n resolves a community package's `n8n-workflow` through NODE_PATH to its own copy. This
	// folder sits inside the repository, whose node_modules would be found first by walking up,
	// so point the walk at n8n's copy explicitly: one n8n-workflow, as in a real install.
	const n8nWorkflow = dirname(
		createRequire(join(n8nPackage, 'package.json')).resolve('n8n-workflow/package.json'),
	);
	symlinkSync(realpathSync(n8nWorkflow), join(nodesDir, 'node_modules', 'n8n-workflow'), 'dir');

	const baseEnv = Object.fromEntries(
		Object.entries(process.env).filter(
			([key]) =>
				!/^(N8N_|DB_|EXECUTIONS_|GENERIC_TIMEZONE$|NODE_OPTIONS$|NODE_PATH$|https?_proxy$|HTTPS?_PROXY$|ALL_PROXY$)/i.test(
					key,
				),
		),
	);
	const env = {
		...baseEnv,
		PATH: [...spec.pathPrefix, process.env.PATH].join(':'),
		NO_PROXY: '127.0.0.1,localhost',
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		// Keep every execution in the database: the secrets check reads it.
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		...spec.env,
		...extraEnv,
	};

	/** The Node.js version n8n runs on here. */
	const nodeVersion = execFileSync('node', ['--version'], { env, encoding: 'utf8' }).trim();

	/** Every command run so far, with all it printed. */
	const commands = [];
	let counter = 0;
	let scratchCounter = 0;

	function scratchFile(label, content) {
		const file = join(scratchDir, `${++scratchCounter}-${label}.json`);
		if (content !== undefined)
			writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
		return file;
	}

	/**
	 * Runs `n8n <args>` to completion. Never rejects for a non-zero exit: the caller asserts.
	 * `timeoutMs` ends the process group after that long (exitCode null, timedOut true).
	 * `onSpawn(kill)` gets a function that SIGKILLs n8n's process group at once (crash tests).
	 */
	async function run(
		args,
		{ label = args[0], timeoutMs = 180_000, env: runEnv = {}, onSpawn } = {},
	) {
		const number = String(++counter).padStart(3, '0');
		const brokerPort = await freePort();
		const started = Date.now();
		const child = spawn(join(n8nPackage, 'bin', 'n8n'), args, {
			cwd: runDir,
			env: { ...env, N8N_RUNNERS_BROKER_PORT: String(brokerPort), ...runEnv },
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true, // own process group: a timeout ends n8n and its task runner together
		});
		const out = [];
		const err = [];
		onSpawn?.(() => signalGroup(child.pid));
		child.stdout.on('data', (chunk) => out.push(chunk));
		child.stderr.on('data', (chunk) => err.push(chunk));
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			signalGroup(child.pid);
		}, timeoutMs);
		const [exitCode, signal] = await new Promise((resolveExit, reject) => {
			child.on('error', reject);
			child.on('close', (code, signalName) => resolveExit([code, signalName]));
		});
		clearTimeout(timer);
		const result = {
			label,
			args,
			exitCode,
			/** Set when the process was ended by a signal (exitCode is null then). */
			signal,
			timedOut,
			stdout: Buffer.concat(out).toString('utf8'),
			stderr: Buffer.concat(err).toString('utf8'),
			startedAt: started,
			durationMs: Date.now() - started,
			brokerPort,
			logFile: join(logDir, `${number}-${label.replace(/[^\w.-]+/g, '_')}.log`),
		};
		writeFileSync(
			result.logFile,
			`$ n8n ${args.join(' ')}\n# exit ${exitCode}${signal ? ` (signal ${signal})` : ''}${timedOut ? ' (timed out)' : ''}, ${result.durationMs} ms, broker port ${brokerPort}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}\n`,
		);
		commands.push(result);
		return result;
	}

	/** Runs `script` with `db`, the database opened read-only, in Node 24's node:sqlite (the system Node 20 has none); returns its JSON output. */
	function readDatabase(script, ...args) {
		const prelude = `const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1], { readOnly: true });
`;
		const output = execFileSync(
			join(NODE24_BIN, 'node'),
			['--no-warnings', '-e', prelude + script, join(n8nDir, 'database.sqlite'), ...args],
			{
				encoding: 'utf8',
				maxBuffer: 512 * 1024 * 1024,
			},
		);
		return JSON.parse(output);
	}

	function failure(result, what) {
		return new Error(
			`${what}: n8n ${result.args.join(' ')} exited ${result.exitCode}${result.signal ? ` (signal ${result.signal})` : ''}${result.timedOut ? ' (timed out)' : ''}; see ${result.logFile}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`,
		);
	}

	return {
		version,
		nodeVersion,
		runDir,
		userFolder,
		logDir,
		/** The SQLite database (plus -wal/-shm/-journal files beside it, when present). */
		dbFile: join(n8nDir, 'database.sqlite'),
		dbFiles() {
			return ['', '-wal', '-shm', '-journal']
				.map((suffix) => join(n8nDir, `database.sqlite${suffix}`))
				.filter((file) => existsSync(file));
		},
		env,
		commands,
		run,

		/**
		 * Rows of a read-only SQL query on the SQLite database, through Node 24's node:sqlite (the
		 * system Node 20 has no SQLite). For columns n8n stores in plain text, e.g. timestamps.
		 */
		queryDatabase(sql) {
			return readDatabase(
				`process.stdout.write(JSON.stringify(db.prepare(process.argv[2]).all()));`,
				sql,
			);
		},

		/**
		 * Every table's rows ({ table: rows }), read through SQLite itself: rows still in the
		 * write-ahead log are included, and every value is whole (the files' bytes split long values
		 * across pages). BLOBs come back as latin1 strings. Run it while no n8n command runs.
		 */
		databaseTables() {
			return readDatabase(`const text = (value) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : typeof value === 'bigint' ? String(value) : value);
const tables = {};
for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()) {
	const rows = db.prepare(\`SELECT * FROM "\${name.replace(/"/g, '""')}"\`).all();
	tables[name] = rows.map((row) => Object.fromEntries(Object.entries(row).map(([column, value]) => [column, text(value)])));
}
process.stdout.write(JSON.stringify(tables));`);
		},

		/** `import:credentials` of an array of {id, name, type, data} (data in plain; n8n encrypts it). */
		async importCredentials(credentials) {
			const file = scratchFile('credentials', credentials);
			try {
				const result = await run(['import:credentials', `--input=${file}`], {
					label: 'import-credentials',
				});
				if (result.exitCode !== 0) throw failure(result, 'importing credentials failed');
				return result;
			} finally {
				rmSync(file, { force: true }); // it holds the tokens in plain text
			}
		},

		/** `import:workflow` of one workflow or an array of them (each with an id of at most 16 characters). */
		async importWorkflow(workflows) {
			const list = Array.isArray(workflows) ? workflows : [workflows];
			for (const workflow of list) {
				if (
					typeof workflow.id !== 'string' ||
					workflow.id.length === 0 ||
					workflow.id.length > 16
				) {
					throw new Error(`workflow "${workflow.name}" needs an id of 1 to 16 characters`);
				}
			}
			const result = await run(['import:workflow', `--input=${scratchFile('workflows', list)}`], {
				label: 'import-workflow',
			});
			if (result.exitCode !== 0) throw failure(result, 'importing workflows failed');
			return result;
		},

		/**
		 * `execute --id=ID --rawOutput`. `json` is the run n8n printed (IRun: data.resultData.runData
		 * per node, data.resultData.error on failure), parsed from stdout, or undefined; `status` is
		 * its status; `succeeded` is true when the run succeeded and n8n exited 0 (or crashed on exit
		 * after printing the successful run: `crashedOnExit`).
		 */
		async execute(workflowId, options = {}) {
			const result = await run(['execute', `--id=${workflowId}`, '--rawOutput'], {
				label: `execute-${workflowId}`,
				...options,
			});
			const json = parseRunJson(result.stdout);
			// n8n 2.41.1 on Node 24 now and then dies of a signal (SIGSEGV) while exiting, after it
			// printed the finished run: the run's own status then tells how it went.
			result.crashedOnExit = result.signal !== null && typeof json?.status === 'string';
			return Object.assign(result, {
				json,
				/** n8n's status of the run ('success', 'error', ...), or undefined when none was printed. */
				status: json?.status,
				succeeded: json?.status === 'success' && (result.exitCode === 0 || result.crashedOnExit),
			});
		},

		/** `export:credentials --all --decrypted`: the stored credentials, decrypted (file removed at once). */
		async exportCredentials() {
			const file = scratchFile('export-credentials');
			try {
				const result = await run(
					['export:credentials', '--all', '--decrypted', `--output=${file}`],
					{ label: 'export-credentials' },
				);
				if (result.exitCode !== 0) throw failure(result, 'exporting credentials failed');
				return JSON.parse(readFileSync(file, 'utf8'));
			} finally {
				rmSync(file, { force: true });
			}
		},

		/** `export:workflow --all`: the stored workflows. */
		async exportWorkflows() {
			const file = scratchFile('export-workflows');
			const result = await run(['export:workflow', '--all', `--output=${file}`], {
				label: 'export-workflows',
			});
			if (result.exitCode !== 0) throw failure(result, 'exporting workflows failed');
			return JSON.parse(readFileSync(file, 'utf8'));
		},

		/**
		 * `export:entities --includeExecutionHistoryDataTables=true`: every table, executions and
		 * their data included, into a folder. Returns the folder (its files are JSONL; whatever n8n
		 * encrypts stays encrypted).
		 */
		async exportEntities() {
			const dir = join(scratchDir, `entities-${++scratchCounter}`);
			const result = await run(
				['export:entities', `--outputDir=${dir}`, '--includeExecutionHistoryDataTables=true'],
				{
					label: 'export-entities',
				},
			);
			if (result.exitCode !== 0) throw failure(result, 'exporting entities failed');
			return dir;
		},
	};
}
