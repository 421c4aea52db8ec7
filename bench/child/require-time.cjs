'use strict';
// Child process for bench/footprint.mjs: how long loading the built credential and node takes in a
// fresh process. Prints one JSON line. First n8n-workflow (always loaded in n8n before any
// community package), then our credential and node; `total` is both from a cold start.
const { join } = require('node:path');

const root = join(__dirname, '../..');
const t0 = performance.now();
require('n8n-workflow');
const t1 = performance.now();
require(join(root, 'dist/credentials/AlteryxAnalyticsCloudOAuth2Api.credentials.js'));
require(join(root, 'dist/nodes/AlteryxAnalyticsCloud/AlteryxAnalyticsCloud.node.js'));
const t2 = performance.now();
const ours = Object.keys(require.cache).filter((file) =>
	file.startsWith(join(root, 'dist')),
).length;
process.stdout.write(
	`${JSON.stringify({ n8nWorkflowMs: t1 - t0, oursMs: t2 - t1, totalMs: t2 - t0, ourModules: ours })}\n`,
);
