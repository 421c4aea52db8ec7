// Copies the node's icons next to the compiled files. `encoding: false` keeps binary files (PNG)
// intact: gulp 5 reads files as UTF-8 text by default.
const { src, dest } = require('gulp');

function buildIcons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { encoding: false, base: '.' }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
