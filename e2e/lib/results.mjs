// e2e/RESULTS.md: the measured figures of the latest e2e run, one section per n8n version.
// A run replaces its version's section and leaves the other versions' sections as they were.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from './n8n.mjs';

export const RESULTS_FILE = join(ROOT, 'e2e', 'RESULTS.md');

const HEADER = `# e2e results: the package inside real n8n

Written by \`npm run test:e2e\` (e2e/lib/suite.mjs): each run replaces the section of the n8n version
it ran, so these are the figures of the latest run per version. "Refreshes" are successful
refresh-token grants counted by the AAC stand-in (standin/aac-standin.mjs, the real
oidc-provider with rotation and reuse detection); "reuse detections" are refresh tokens presented
a second time, each of which makes the stand-in (like AAC) revoke the whole token family.
`;

const markers = (version) => [`<!-- e2e:${version}:start -->`, `<!-- e2e:${version}:end -->`];

export function updateResults(version, section) {
	const [start, end] = markers(version);
	let text = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : HEADER;
	const block = `${start}\n${section.trim()}\n${end}`;
	const from = text.indexOf(start);
	const to = text.indexOf(end);
	if (from !== -1 && to > from)
		text = `${text.slice(0, from)}${block}${text.slice(to + end.length)}`;
	else text = `${text.trimEnd()}\n\n${block}\n`;
	// Sections in version order, whatever order the runs came in.
	const sections = [...text.matchAll(/<!-- e2e:([\d.]+):start -->[\s\S]*?<!-- e2e:\1:end -->/g)];
	if (sections.length > 1) {
		const head = text.slice(0, sections[0].index);
		const sorted = sections
			.map((match) => ({ version: match[1], body: match[0] }))
			.sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true }));
		text = `${head.trimEnd()}\n\n${sorted.map((s) => s.body).join('\n\n')}\n`;
	}
	writeFileSync(RESULTS_FILE, text);
}
