// Copies what the compiled files need beside them into dist/: the icons, and each node's codex
// (<Node>.node.json: categories and documentation links, read by n8n next to <Node>.node.js).
// `encoding: false` keeps binary files (PNG) intact: gulp 5 reads files as UTF-8 text by default.
const { src, dest } = require('gulp');

function buildAssets() {
	return src(['nodes/**/*.{png,svg}', 'nodes/**/*.node.json', 'credentials/**/*.{png,svg}'], {
		encoding: false,
		base: '.',
	}).pipe(dest('dist'));
}

exports['build:assets'] = buildAssets;
