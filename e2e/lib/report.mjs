// The one writer of the e2e RESULTS.md files: a file written whole (e2e/queue/RESULTS.md), or one
// section of it, so that runs in separate processes each replace their part and leave the others
// as they were (e2e/RESULTS.md: a section per n8n version, e2e/lib/suite.mjs; e2e/faults/RESULTS.md:
// a section per file, e2e/faults/lib/bench.mjs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A table cell: pipes escaped, on one line. */
export const cell = (text) =>
	String(text ?? '')
		.replace(/\|/g, '\\|')
		.replace(/\n/g, ' ');

const markers = (key) => [`<!-- ${key}:start -->`, `<!-- ${key}:end -->`];

/**
 * Writes `lines` (an array of lines, or a string) into the Markdown file `file`.
 * - Without `section`: the whole file is `lines`.
 * - With `section`: the lines go between `<!-- <section>:start -->` and `<!-- <section>:end -->`,
 *   replacing that section or adding it; `header` (when given) replaces the text above the first
 *   section; the sections are put in `order` (a list of section names; names not in it sort
 *   after, in numeric order, so versions sort as versions).
 * Returns the text written.
 */
export function writeResults(file, { lines, section, header, order = [] }) {
	const body = (Array.isArray(lines) ? lines.join('\n') : String(lines)).trim();
	mkdirSync(dirname(file), { recursive: true });
	if (!section) {
		writeFileSync(file, `${body}\n`);
		return `${body}\n`;
	}
	const [start, end] = markers(section);
	let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
	const block = `${start}\n${body}\n${end}`;
	const from = text.indexOf(start);
	const to = text.indexOf(end);
	if (from !== -1 && to > from)
		text = `${text.slice(0, from)}${block}${text.slice(to + end.length)}`;
	else text = `${text.trimEnd()}\n\n${block}\n`;
	const sections = [...text.matchAll(/<!-- (\S+):start -->[\s\S]*?<!-- \1:end -->/g)];
	const head = header ?? text.slice(0, sections[0].index);
	const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
	const sorted = sections
		.map((match) => ({ name: match[1], body: match[0] }))
		.sort(
			(a, b) =>
				rank(a.name) - rank(b.name) || a.name.localeCompare(b.name, 'en', { numeric: true }),
		);
	const all = sorted.map((s) => s.body).join('\n\n');
	text = head.trim() ? `${head.trim()}\n\n${all}\n` : `${all}\n`;
	writeFileSync(file, text);
	return text;
}
