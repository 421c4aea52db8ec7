#!/usr/bin/env node
// Installs the pinned real n8n versions (and Node 24 for n8n 2.x) that the e2e suite drives,
// into the git-ignored .tools/<name>/, and packs this package as n8n would install it.
//
//   node e2e/install.mjs            install what is missing or changed, then pack the package
//   node e2e/install.mjs --force    reinstall everything
//   node e2e/install.mjs n8n-2.41.1 only the named targets (node24, n8n-1.123.81, n8n-2.41.1)
//
// Each install is `npm ci --ignore-scripts` from the committed lockfile in e2e/<name>/ (install
// scripts that download from hosts other than the npm registry would fail here), then
// `npm rebuild` of the native modules n8n needs. A stamp file records a hash of the inputs
// (package.json, lockfile, Node version, this recipe); an unchanged install is skipped.
// No dependencies: Node built-ins only.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
	existsSync,
	mkdirSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	writeFileSync,
	copyFileSync,
	statfsSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = join(ROOT, '.tools');
const RECIPE = 1; // bump when the install steps below change: every stamp then mismatches
const GIB = 1024 ** 3;
const NEEDED_BYTES_PER_N8N = 3 * GIB; // ~2.7 GB installed, plus npm's cache growth
let reservedBytes = 0;

export const NODE24_DIR = join(TOOLS, 'node24', 'node_modules', 'node');
export const PACKAGE_DIR = join(TOOLS, 'package', 'n8n-nodes-alteryx-analytics-cloud');

/** What to install. `node` is the Node.js binary n8n runs on (undefined: the system's). */
export const TARGETS = [
	{ name: 'node24', rebuild: [], check: 'node_modules/node/bin/node' },
	{ name: 'n8n-1.123.81', rebuild: ['sqlite3'], check: 'node_modules/n8n/bin/n8n' },
	{
		name: 'n8n-2.41.1',
		node: 'node24',
		rebuild: ['sqlite3', 'isolated-vm'],
		check: 'node_modules/n8n/bin/n8n',
	},
];

const log = (message) =>
	process.stdout.write(`[e2e:install ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function run(command, args, { cwd, env = process.env, quiet = false, prefix = '' } = {}) {
	return new Promise((resolvePromise, reject) => {
		const started = Date.now();
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const keep = (chunk) => {
			// Enough for `npm pack --json`, whose file list the caller parses (a cut-off start breaks it).
			tail = (tail + chunk.toString()).slice(-500_000);
			if (!quiet) process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `    ${prefix}`));
		};
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		child.on('error', reject);
		child.on('close', (code) => {
			if (code === 0)
				return resolvePromise({ seconds: (Date.now() - started) / 1000, output: tail });
			reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code}:\n${tail}`));
		});
	});
}

function sha256(...parts) {
	const hash = createHash('sha256');
	for (const part of parts) hash.update(part);
	return hash.digest('hex');
}

/** Environment in which npm (and node-gyp) run on the target's Node.js, building against its headers. */
function envFor(target) {
	if (!target.node) return { ...process.env };
	const nodeDir = join(TOOLS, target.node, 'node_modules', 'node');
	return {
		...process.env,
		PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
		// The machine's npm config points node-gyp at the system Node's headers; Node 24's
		// registry package ships its own include/node.
		npm_config_nodedir: nodeDir,
	};
}

async function nodeVersion(env) {
	const { output } = await run('node', ['--version'], { env, quiet: true });
	return output.trim();
}

function freeBytes() {
	const stats = statfsSync(ROOT);
	return stats.bavail * stats.bsize;
}

async function install(target, force) {
	const source = join(ROOT, 'e2e', target.name);
	const dest = join(TOOLS, target.name);
	const stampFile = join(dest, '.e2e-install-stamp.json');
	const env = envFor(target);
	const packageJson = readFileSync(join(source, 'package.json'));
	const lockfile = readFileSync(join(source, 'package-lock.json'));
	const version = await nodeVersion(env);
	const stamp = {
		recipe: RECIPE,
		node: version,
		lockfileSha256: sha256(lockfile),
		inputsSha256: sha256(String(RECIPE), version, packageJson, lockfile, target.rebuild.join(',')),
	};

	if (!force && existsSync(stampFile) && existsSync(join(dest, target.check))) {
		const old = JSON.parse(readFileSync(stampFile, 'utf8'));
		if (old.inputsSha256 === stamp.inputsSha256) {
			log(
				`${target.name}: up to date (lockfile ${stamp.lockfileSha256.slice(0, 12)}, ${version}), skipped`,
			);
			return;
		}
		log(
			`${target.name}: inputs changed (lockfile ${old.lockfileSha256?.slice(0, 12)} → ${stamp.lockfileSha256.slice(0, 12)}), reinstalling`,
		);
	}

	// n8n installs run side by side: each reserves its share of the free space before it starts.
	const free = freeBytes() - reservedBytes;
	log(`${target.name}: installing on ${version}; ${(free / GIB).toFixed(1)} GiB free on ${ROOT}`);
	if (target.name.startsWith('n8n-')) {
		if (free < NEEDED_BYTES_PER_N8N) {
			throw new Error(
				`${target.name} needs about ${NEEDED_BYTES_PER_N8N / GIB} GiB, only ${(free / GIB).toFixed(1)} GiB free (df -h ${ROOT})`,
			);
		}
		reservedBytes += NEEDED_BYTES_PER_N8N;
	}

	await rm(dest, { recursive: true, force: true }); // async: the other install goes on meanwhile
	mkdirSync(dest, { recursive: true });
	copyFileSync(join(source, 'package.json'), join(dest, 'package.json'));
	copyFileSync(join(source, 'package-lock.json'), join(dest, 'package-lock.json'));

	log(`${target.name}: npm ci --ignore-scripts (a few minutes for n8n)`);
	const ci = await run(
		'npm',
		['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
		{ cwd: dest, env, prefix: `${target.name}: ` },
	);
	log(`${target.name}: npm ci done in ${ci.seconds.toFixed(0)} s`);

	if (target.rebuild.length) {
		log(
			`${target.name}: npm rebuild ${target.rebuild.join(' ')} (native modules, built from source: about a minute)`,
		);
		// --ignore-scripts=false: rebuild runs exactly these packages' install scripts.
		// build_from_source: sqlite3 would first try to download a prebuilt binary from outside the registry.
		const rebuilt = await run(
			'npm',
			[
				'rebuild',
				...target.rebuild,
				'--ignore-scripts=false',
				'--foreground-scripts',
				'--loglevel=error',
			],
			{
				cwd: dest,
				env: { ...env, npm_config_build_from_source: 'true' },
				quiet: true,
			},
		);
		log(`${target.name}: rebuild done in ${rebuilt.seconds.toFixed(0)} s`);
		// Load each native module once on the target's Node, so a broken build fails here, not in a test.
		for (const module of target.rebuild) {
			await run('node', ['-e', `require(${JSON.stringify(module)})`], {
				cwd: dest,
				env,
				quiet: true,
			});
		}
		log(`${target.name}: ${target.rebuild.join(', ')} load on ${version}`);
	}

	writeFileSync(
		stampFile,
		`${JSON.stringify({ ...stamp, installedAt: new Date().toISOString() }, null, 2)}\n`,
	);
	log(`${target.name}: installed`);
}

function newestMtime(dir, filter) {
	let newest = 0;
	if (!existsSync(dir)) return newest;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, filter));
		else if (filter(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

/**
 * Builds when dist/ is missing or older than the sources, then packs the package and unpacks the
 * tarball into .tools/package/: exactly the files npm would publish, which the runner installs
 * into each n8n user folder as a community package.
 */
async function packPackage() {
	const sources = Math.max(
		newestMtime(join(ROOT, 'credentials'), (name) => /\.(ts|svg)$/.test(name)),
		newestMtime(join(ROOT, 'nodes'), (name) => /\.(ts|svg)$/.test(name)),
	);
	const built = newestMtime(join(ROOT, 'dist'), (name) => name.endsWith('.js'));
	if (built === 0 || built < sources) {
		log('dist/ is missing or older than the sources: npm run build');
		await run('npm', ['run', 'build', '--silent'], { cwd: ROOT, quiet: true });
	}
	const packDir = join(TOOLS, 'package');
	rmSync(packDir, { recursive: true, force: true });
	mkdirSync(PACKAGE_DIR, { recursive: true });
	const { output } = await run(
		'npm',
		['pack', '--ignore-scripts', '--json', '--pack-destination', packDir],
		{ cwd: ROOT, quiet: true },
	);
	const [{ filename, files }] = JSON.parse(output.slice(output.indexOf('[')));
	await run('tar', ['-xzf', join(packDir, filename), '-C', PACKAGE_DIR, '--strip-components=1'], {
		quiet: true,
	});
	rmSync(join(packDir, filename));
	log(`packed ${filename} (${files.length} files) into ${PACKAGE_DIR.slice(ROOT.length + 1)}`);
}

async function main() {
	const args = process.argv.slice(2);
	const force = args.includes('--force');
	const only = args.filter((arg) => !arg.startsWith('--'));
	const unknown = only.filter((name) => !TARGETS.some((target) => target.name === name));
	if (unknown.length)
		throw new Error(
			`unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`,
		);
	const started = Date.now();
	mkdirSync(TOOLS, { recursive: true });
	const chosen = TARGETS.filter((target) => only.length === 0 || only.includes(target.name));
	// Node 24 first (n8n 2.x is installed and rebuilt with it), then the n8n versions side by side.
	for (const target of chosen.filter((t) => !t.name.startsWith('n8n-')))
		await install(target, force);
	await Promise.all(
		chosen.filter((t) => t.name.startsWith('n8n-')).map((target) => install(target, force)),
	);
	await packPackage();
	log(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	main().catch((error) => {
		process.stderr.write(`[e2e:install] FAILED: ${error.message}\n`);
		process.exit(1);
	});
}
