#!/usr/bin/env node
// The floors of the product code, checked from its import statements (docs/architecture.md draws
// them). Run: `node .ci/floors.mjs` (CI runs it after lint); it prints every import that breaks a
// rule and exits 1, or prints the floors it checked and exits 0.
//
// Inside nodes/AlteryxAnalyticsCloud/ imports run downward only (or within one floor):
//   node → actions → runs, methods → transport → helpers → core
// The triggers and the Token Keeper own their code: they may use the action node's runs/,
// methods/, transport/, helpers/ and core/, never its actions/ or node file, and never each other.
// The credential uses helpers/ and core/ only. Nothing under nodes/AlteryxAnalyticsCloud/ imports
// a trigger. core/ imports only core/: no npm package (it runs in plain Node and in Deno).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const NODE = 'nodes/AlteryxAnalyticsCloud';

/** Higher imports lower; the same number may import each other. */
const FLOORS = [
	[`${NODE}/AlteryxAnalyticsCloud.node.ts`, 6],
	[`${NODE}/actions/`, 5],
	[`${NODE}/runs/`, 4],
	[`${NODE}/methods/`, 4],
	[`${NODE}/transport/`, 3],
	[`${NODE}/helpers/`, 2],
	[`${NODE}/core/`, 1],
];
const OWNERS = [
	'nodes/AlteryxAnalyticsCloudTrigger/',
	'nodes/AlteryxAnalyticsCloudFlowTrigger/',
	'nodes/AlteryxAnalyticsCloudTokenKeeper/',
];
/** The highest floor of the action node each kind of code may reach. */
const REACH = { owner: 4, credential: 2 };

const floorOf = (file) => FLOORS.find(([prefix]) => file.startsWith(prefix))?.[1];
const ownerOf = (file) => OWNERS.find((prefix) => file.startsWith(prefix));

function sourceFiles(dir) {
	return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
		const path = `${dir}/${entry.name}`;
		if (entry.isDirectory()) return sourceFiles(path);
		return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
	});
}

/** Every module an import, export … from, require() or import() names, with its line. */
function importsOf(file) {
	const text = readFileSync(join(ROOT, file), 'utf8');
	const found = [];
	const pattern =
		/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;
	for (const match of text.matchAll(pattern)) {
		const line =
			text.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0);
		found.push({ module: match[1] ?? match[2] ?? match[3], line });
	}
	return found;
}

/** The repository path a relative import names (no extension), or null for a package. */
function target(file, module) {
	if (!module.startsWith('.')) return null;
	return relative(ROOT, resolve(ROOT, dirname(file), module))
		.split(sep)
		.join('/');
}

/** What is wrong with `file` importing `module`, or null. */
export function violation(file, module) {
	const to = target(file, module);
	const from = floorOf(file);
	if (from === 1) {
		if (to === null)
			return `core imports the package ${module}: core must run without npm packages`;
		return floorOf(`${to}.ts`) === 1 || floorOf(`${to}/`) === 1
			? null
			: 'core imports outside core';
	}
	if (to === null) return null;
	const toFile = `${to}.ts`;
	const toFloor = floorOf(toFile) ?? floorOf(`${to}/`);
	const toOwner = ownerOf(toFile);
	const fromOwner = ownerOf(file);
	if (toOwner && toOwner !== fromOwner) return `imports ${toOwner}, which owns its code`;
	if (from !== undefined)
		return toFloor !== undefined && toFloor > from
			? `runs back up (floor ${from} → ${toFloor})`
			: null;
	const reach = fromOwner
		? REACH.owner
		: file.startsWith('credentials/')
			? REACH.credential
			: undefined;
	if (reach !== undefined && toFloor !== undefined && toFloor > reach)
		return `reaches floor ${toFloor} of the action node (at most ${reach} from here)`;
	return null;
}

export function checkFloors() {
	const files = [...sourceFiles('nodes'), ...sourceFiles('credentials')];
	const problems = [];
	for (const file of files)
		for (const { module, line } of importsOf(file)) {
			const problem = violation(file, module);
			if (problem) problems.push(`${file}:${line}: '${module}' ${problem}`);
		}
	return { files: files.length, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
	const { files, problems } = checkFloors();
	if (problems.length) {
		console.error(`floors: ${problems.length} import(s) break the floors (see .ci/floors.mjs):`);
		for (const problem of problems) console.error(`  ${problem}`);
		process.exit(1);
	}
	console.log(
		`floors: ${files} files, every import downward (node → actions → runs, methods → transport → helpers → core); triggers, keeper and credential within their reach; core without packages`,
	);
}
