// Preloaded into each n8n process of the by-hand test (NODE_OPTIONS=--require <this file>): a
// recorder, not a fake. It writes one JSON line to $AAC_PROBE_FILE for every time code of this
// package resolves `n8n-workflow`, saying which file it got, and at exit the folders of every
// n8n-workflow copy the process loaded. Changes nothing.
'use strict';
const Module = require('node:module');
const { appendFileSync } = require('node:fs');

const file = process.env.AAC_PROBE_FILE;
const PACKAGE_PATH = '/node_modules/n8n-nodes-alteryx-analytics-cloud/';
const record = (entry) =>
	appendFileSync(file, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
const resolveFilename = Module._resolveFilename;

Module._resolveFilename = function (request, parent, ...rest) {
	const resolved = resolveFilename.call(this, request, parent, ...rest);
	if (request === 'n8n-workflow' && parent?.filename?.includes(PACKAGE_PATH))
		record({ kind: 'resolve', from: parent.filename, resolved });
	return resolved;
};

process.on('exit', () => {
	const copies = new Set();
	for (const loaded of Object.keys(require.cache)) {
		const match = /^(.*\/node_modules\/n8n-workflow)\//.exec(loaded);
		if (match) copies.add(match[1]);
	}
	record({ kind: 'exit', argv: process.argv.slice(2, 3), n8nWorkflowCopies: [...copies] });
});
