// The package as users get it: `npm pack` of this checkout (the tarball npm would publish), then
// `npm install <tarball>` in an empty folder outside the repository, exactly the command the
// README gives (the registry name there, the tarball here). Used by the by-hand tests in this
// folder and by the Deno test (test/deno/).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-alteryx-analytics-cloud';
/** The README's manual install command, without the package (the registry name or a tarball). */
export const NPM_INSTALL = ['install', '--no-audit', '--no-fund'];

/** Node.js binaries the tests run on: the system's (20) and Node 24 from e2e/install.mjs. */
export const NODES = {
	20: { bin: process.execPath, pathPrefix: [] },
	24: {
		bin: join(ROOT, '.tools', 'node24', 'node_modules', 'node', 'bin', 'node'),
		pathPrefix: [join(ROOT, '.tools', 'node24', 'node_modules', 'node', 'bin')],
	},
};

/** Runs a command; resolves with its output and duration, rejects with both on a non-zero exit. */
export function run(command, args, { cwd, env = process.env, timeoutMs = 180_000 } = {}) {
	const started = Date.now();
	return new Promise((resolvePromise, reject) => {
		execFile(
			command,
			args,
			{ cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
			(error, stdout, stderr) => {
				const result = { stdout, stderr, seconds: (Date.now() - started) / 1000 };
				if (error) {
					reject(
						Object.assign(
							new Error(
								`${command} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`,
							),
							result,
						),
					);
				} else resolvePromise(result);
			},
		);
	});
}

/** The environment npm and node run in for one Node.js version: that `node` first on PATH. */
export function envFor(nodeMajor, extra = {}) {
	const spec = NODES[nodeMajor];
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !/^(NODE_PATH|NODE_OPTIONS|npm_.*)$/i.test(key)),
	);
	return { ...env, PATH: [...spec.pathPrefix, process.env.PATH].join(':'), ...extra };
}

/** A fresh, empty folder outside the repository (so nothing resolves into the repo's node_modules). */
export function emptyFolder(label) {
	return mkdtempSync(join(tmpdir(), `aac-${label}-`));
}

/**
 * Packs the checkout (built beforehand: `npm run build`) into a temporary folder. Returns the
 * tarball's path, its packed size in bytes and its file count.
 */
export async function packTarball() {
	if (!existsSync(join(ROOT, 'dist', 'nodes', 'AlteryxAnalyticsCloud', 'core', 'index.js'))) {
		throw new Error('dist/ is missing: npm run build first');
	}
	const dir = emptyFolder('tarball');
	const { stdout } = await run(
		'npm',
		['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
		{ cwd: ROOT },
	);
	const [{ filename, size, entryCount }] = JSON.parse(stdout.slice(stdout.indexOf('[')));
	return {
		tarball: join(dir, filename),
		size,
		entryCount,
		cleanup: () => rmSync(dir, { recursive: true, force: true }),
	};
}

/**
 * `npm install <tarball>` in `folder` on the given Node.js version, as the README says. Returns
 * what ended up in node_modules: top-level entries, the lockfile's packages and whether any of
 * them has an install script (a native build would need one).
 */
export async function installTarball(folder, tarball, { nodeMajor = 20, args = [] } = {}) {
	const { seconds, stdout, stderr } = await run('npm', [...NPM_INSTALL, ...args, tarball], {
		cwd: folder,
		env: envFor(nodeMajor),
	});
	const nodeModules = join(folder, 'node_modules');
	const lock = JSON.parse(readFileSync(join(folder, 'package-lock.json'), 'utf8'));
	const lockPackages = Object.keys(lock.packages).filter((key) => key !== '');
	return {
		seconds,
		output: `${stdout}\n${stderr}`,
		topLevel: readdirSync(nodeModules).filter((name) => name !== '.package-lock.json'),
		lockPackages,
		withInstallScripts: lockPackages.filter((key) => lock.packages[key].hasInstallScript),
		installedBytes: folderBytes(join(nodeModules, PACKAGE_NAME)),
	};
}

function folderBytes(dir) {
	return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
		const path = join(dir, entry.name);
		return sum + (entry.isDirectory() ? folderBytes(path) : statSync(path).size);
	}, 0);
}

/** Every file named `n8n-workflow` (a folder or link) under `dir`'s node_modules trees. */
export function n8nWorkflowCopies(dir) {
	const found = [];
	const walk = (current) => {
		if (!existsSync(current)) return;
		for (const entry of readdirSync(current, { withFileTypes: true })) {
			const path = join(current, entry.name);
			if (entry.name === 'n8n-workflow') found.push(path);
			else if (entry.isDirectory()) walk(path);
		}
	};
	walk(dir);
	return found;
}

/**
 * Runs a consumer of the installed package (`command args` in `folder`) on a freshly minted,
 * expired pair from the stand-in, handed over the way a user would: in the environment. The
 * consumer prints one JSON line of facts (e2e/by-hand/consumer/scenario.mjs), never a token.
 */
export async function runConsumer(standIn, folder, command, args, env = process.env) {
	const pair = await standIn.mint({ accessTokenExpired: true });
	await standIn.resetStats();
	const { stdout, stderr } = await run(command, args, {
		cwd: folder,
		env: {
			...env,
			AAC_ACCESS_TOKEN: pair.accessToken,
			AAC_REFRESH_TOKEN: pair.refreshToken,
			AAC_API_BASE_URL: standIn.apiBaseUrl,
		},
		timeoutMs: 60_000,
	});
	const line = stdout.trim().split('\n').at(-1);
	let summary;
	try {
		summary = JSON.parse(line);
	} catch {
		throw new Error(
			`${command} ${args.join(' ')} printed no summary (did the process exit early?):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`,
		);
	}
	return { pair, summary, output: `${stdout}\n${stderr}`, stats: standIn.stats() };
}

/** What every consumer run must show: one token request for 20 callers, the rotation remembered. */
export async function assertRefreshedOnce(assert, standIn, { pair, summary, output, stats }) {
	assert.equal(
		stats.tokenRequests,
		1,
		'one token request for 20 concurrent callers and a stale caller',
	);
	assert.equal(stats.refreshGrantsOk, 1);
	assert.equal(stats.maxUsesOfOneRefreshToken, 1, 'no refresh token sent twice');
	assert.equal(stats.reuseDetections, 0);
	assert.deepEqual(
		summary.refreshed,
		Array(20).fill(true),
		'all 20 callers got the refreshed pair',
	);
	assert.deepEqual(summary.changed, Array(20).fill(true));
	assert.equal(summary.distinctRefreshTokens, 1, 'all 20 callers got the same new pair');
	assert.equal(summary.rotated, true, 'both tokens are new');
	assert.equal(
		summary.staleRefreshed,
		false,
		'the caller holding the spent pair caused no request',
	);
	assert.equal(summary.staleGotNewest, true, 'and got the newest pair from the rotation memory');
	assert.equal(summary.apiStatus, 200, 'the new access token works at the API');
	assert.ok(
		summary.sleptMs >= 190,
		`the package's sleep kept the runtime alive for its 200 ms (slept ${summary.sleptMs} ms)`,
	);
	const newest = standIn.issuedRefreshTokens().at(-1);
	assert.equal(
		summary.newRefreshTokenSha256,
		createHash('sha256').update(newest).digest('hex'),
		'the consumer holds the newest issued refresh token',
	);
	assert.ok(await standIn.familyAlive(newest), 'token family alive');
	for (const token of [pair.accessToken, pair.refreshToken, newest]) {
		// The tail: a JWT's first characters are its header, the same in every token.
		assert.ok(!output.includes(token.slice(-16)), 'the consumer printed no token');
	}
}
