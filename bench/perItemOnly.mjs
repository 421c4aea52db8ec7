// Section 6 (per-item overhead) of the benchmark alone, for a change that touches only it:
//   npm run build && npx tsc -p bench/tsconfig.json && node --expose-gc bench/perItemOnly.mjs
// Same sizes and settings as in bench/run.mjs (BENCH_PER_ITEM, BENCH_PER_ITEM_ROUNDS). Replaces
// only section 6's rows and note in bench/RESULTS.md, and adds a line under its header saying
// when and under what load they were re-run; every other section keeps the figures of its last
// full run. Exits non-zero when the section's token accounting fails (as run.mjs does).
import * as os from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, loadHarness, loadPackage, progress, setting } from './lib.mjs';
import { createOpsRunner, loadN8nNodesBase, startOpsStandIn } from './ops.mjs';
import { concurrentItems, runPerItem } from './perItem.mjs';
import { tableRow } from './report.mjs';
import { perItemNote, perItemRows } from './reportOps.mjs';
import { checkTokenRecords } from './tokens.mjs';

const startedAt = new Date();
const loadAtStart = os.loadavg();
const pkg = loadPackage();
loadHarness();
const nodesBase = loadN8nNodesBase();
const { opsStandIn } = await startOpsStandIn();
let perItem;
try {
	const runner = createOpsRunner({ pkg, standIn: opsStandIn, nodesBase });
	perItem = await runPerItem({
		runner,
		standIn: opsStandIn,
		items: setting('BENCH_PER_ITEM', 1000),
		rounds: setting('BENCH_PER_ITEM_ROUNDS', 5),
		concurrency: concurrentItems(pkg),
	});
} finally {
	await opsStandIn.close();
}
const tokens = checkTokenRecords(perItem.tokenRecords);
progress(
	`token calls in section 6: ${tokens.tokenRequests} in ${tokens.scenarios} scenarios for ${tokens.spannedLo}–${tokens.spannedHi} lifetimes spanned, ${tokens.reuseDetections} reuse detections, ${tokens.violations.length} violations`,
);

const resultsPath = join(ROOT, 'bench/RESULTS.md');
const lines = readFileSync(resultsPath, 'utf8').split('\n');
const firstRow = lines.findIndex((line) => line.startsWith('| 6 |'));
const rowCount = lines.filter((line) => line.startsWith('| 6 |')).length;
const note = lines.findIndex((line) => line.startsWith('6. **Per-item overhead.**'));
if (firstRow < 0 || note < 0) throw new Error(`${resultsPath}: no section 6 to replace`);
const rows = perItemRows(perItem).map(tableRow);
lines.splice(note, 1, perItemNote(perItem));
lines.splice(firstRow, rowCount, ...rows);
const rerunLine = (line) => line.startsWith('- Section 6 re-run alone');
const kept = lines.filter((line) => !rerunLine(line));
const durationLine = kept.findIndex((line) => line.startsWith('- Duration:'));
kept.splice(
	durationLine + 1,
	0,
	`- Section 6 re-run alone (\`bench/perItemOnly.mjs\`): ${startedAt.toISOString()}, ${process.version}, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at start, ${os
		.loadavg()
		.map((l) => l.toFixed(2))
		.join(
			' ',
		)} at end; ${tokens.tokenRequests} token requests for ${tokens.spannedLo}–${tokens.spannedHi} lifetimes spanned, ${tokens.reuseDetections} reuse detections`,
);
writeFileSync(resultsPath, kept.join('\n'));
console.log(`\n${rows.join('\n')}\n`);
progress(`wrote section 6 of ${resultsPath}`);
if (tokens.violations.length > 0) {
	console.error(
		`bench: token accounting violated:\n${tokens.violations.map((v) => `  ${v}`).join('\n')}`,
	);
	process.exitCode = 1;
}
