// Runs n8n's community-package scanner offline, the way `npx @n8n/scan-community-package` does
// after download: on the source (nodes, credentials, package.json) and on the unpacked tarball
// that `npm pack` makes (compiled .js and the published package.json). Exits 1 on any finding.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const scannerPath = join(
	require.resolve('@n8n/scan-community-package/package.json'),
	'..',
	'scanner',
	'scanner.mjs',
);
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(scannerPath);

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'aac-scan-'));
try {
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
			cwd: root,
			encoding: 'utf8',
		}),
	);
	execFileSync('tar', ['-xzf', join(work, packed[0].filename), '-C', work]);
	const legs = [
		['source', await analyzePackage(root, SOURCE_FILE_PATTERNS)],
		['npm pack tarball', await analyzePackage(join(work, 'package'), ['**/*.js', 'package.json'])],
	];
	let failed = false;
	for (const [name, result] of legs) {
		console.log(`scanner (${name}): ${result.passed ? 'no findings' : result.message}`);
		if (!result.passed) {
			failed = true;
			if (result.details) console.log(result.details);
		}
	}
	console.log(
		`tarball: ${packed[0].filename}, ${packed[0].size} bytes packed, ${packed[0].entryCount} files`,
	);
	process.exitCode = failed ? 1 : 0;
} finally {
	rmSync(work, { recursive: true, force: true });
}
