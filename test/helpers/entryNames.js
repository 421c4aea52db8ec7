'use strict';
// The names an ESM entry lists by hand in its `export const { … } = core;` (a helper in JS: the
// package's lint rules forbid fs and path in TypeScript, tests included).
const { readFileSync } = require('fs');
const { join } = require('path');

/** @param {string} file a path from the repository root */
function namesListedIn(file) {
	const text = readFileSync(join(__dirname, '..', '..', file), 'utf8');
	const list = /export const \{([^}]*)\} = core;/.exec(text);
	if (!list) throw new Error(`${file} has no "export const { … } = core;" list`);
	return list[1]
		.split(',')
		.map((name) => name.trim())
		.filter(Boolean)
		.sort();
}

module.exports = { namesListedIn };
