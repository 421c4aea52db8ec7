// 4. Footprint: what `npm pack` would publish, how long the built credential and node take to load
// in a fresh process, and the heap the rotation memory holds after 10,000 distinct credentials
// have refreshed (a child process with --expose-gc; see bench/child/).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, progress, summarize } from './lib.mjs';

function runChild(args) {
	const out = execFileSync(process.execPath, args, {
		cwd: ROOT,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
	});
	return JSON.parse(out.trim().split('\n').at(-1));
}

export async function runFootprint({ requireProcesses = 9, credentials = 10_000 }) {
	// npm pack --dry-run: the tarball's size and file list, without writing it (no scripts run).
	const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
	const [packed] = JSON.parse(
		execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
			cwd: ROOT,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'ignore'],
		}),
	);
	const pack = {
		size: packed.size,
		unpackedSize: packed.unpackedSize,
		entryCount: packed.entryCount,
		filename: packed.filename,
	};
	progress(
		`footprint: npm pack ${pack.size} bytes packed, ${pack.unpackedSize} unpacked, ${pack.entryCount} files`,
	);

	const loads = [];
	for (let i = 0; i < requireProcesses; i++)
		loads.push(runChild([join(ROOT, 'bench/child/require-time.cjs')]));
	const requireTime = {
		processes: requireProcesses,
		oursMs: summarize(loads.map((load) => load.oursMs)),
		totalMs: summarize(loads.map((load) => load.totalMs)),
		n8nWorkflowMs: summarize(loads.map((load) => load.n8nWorkflowMs)),
		ourModules: loads[0].ourModules,
	};
	progress(
		`footprint: require credential + node ${requireTime.oursMs.median.toFixed(1)} ms with n8n-workflow loaded, ${requireTime.totalMs.median.toFixed(0)} ms cold incl. n8n-workflow (medians of ${requireProcesses} processes)`,
	);

	const memory = runChild([
		'--expose-gc',
		join(ROOT, 'bench/child/rotation-memory.cjs'),
		String(credentials),
	]);
	const at = (n) => memory.points.find((point) => point.credentials === n);
	const heldAt = (n) => at(n).heapUsed - memory.baseline;
	const rotation = {
		credentials,
		points: memory.points.map((point) => ({ ...point, held: point.heapUsed - memory.baseline })),
		held1k: heldAt(1000),
		heldFinal: heldAt(credentials),
		sizeFinal: at(credentials).size,
		accessTokenLength: memory.accessTokenLength,
		refreshTokenLength: memory.refreshTokenLength,
	};
	progress(
		`footprint: rotation memory after ${credentials.toLocaleString('en-US')} credentials: ${(rotation.heldFinal / 1048576).toFixed(2)} MiB held, coordinator.size ${rotation.sizeFinal} (after 1,000: ${(rotation.held1k / 1048576).toFixed(2)} MiB)`,
	);
	return { pack, requireTime, rotation };
}
