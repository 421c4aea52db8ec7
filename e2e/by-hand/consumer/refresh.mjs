// ESM consumer of the installed package (run from the install folder: node refresh.mjs).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as pkg from 'n8n-nodes-alteryx-analytics-cloud';
import { scenario } from './scenario.mjs';

const required = createRequire(import.meta.url)('n8n-nodes-alteryx-analytics-cloud');
const named = Object.keys(pkg).filter((name) => name !== 'default');
const summary = await scenario(pkg, (name) => process.env[name]);
process.stdout.write(
	`${JSON.stringify({
		entry: fileURLToPath(import.meta.resolve('n8n-nodes-alteryx-analytics-cloud')),
		// index.mjs lists the names by hand: they must be exactly index.js's, on one module instance.
		esmNamesMatchCjs: JSON.stringify(named.sort()) === JSON.stringify(Object.keys(required).sort()),
		oneInstance: pkg.default === required && pkg.sharedCoordinator === required.sharedCoordinator,
		...summary,
	})}\n`,
);
