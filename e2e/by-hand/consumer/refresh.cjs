// CommonJS consumer of the installed package (run from the install folder: node refresh.cjs).
const pkg = require('n8n-nodes-alteryx-analytics-cloud');

(async () => {
	const { scenario } = await import('./scenario.mjs');
	const summary = await scenario(pkg, (name) => process.env[name]);
	process.stdout.write(
		`${JSON.stringify({ entry: require.resolve('n8n-nodes-alteryx-analytics-cloud'), ...summary })}\n`,
	);
})();
