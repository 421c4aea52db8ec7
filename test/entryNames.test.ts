// index.mjs lists the names of index.js by hand (CommonJS exports built with a spread are
// invisible to ESM). The by-hand install test checks this too, but only after the e2e install;
// this fails in the first minute when a name is added to the core and forgotten in index.mjs.
import { readFileSync } from 'fs';
import { join } from 'path';
import * as core from '../nodes/AlteryxAnalyticsCloud/core';

function namesListedIn(file: string): string[] {
	const text = readFileSync(join(__dirname, '..', file), 'utf8');
	const list = /export const \{([^}]*)\} = core;/.exec(text);
	if (!list) throw new Error(`${file} has no "export const { … } = core;" list`);
	return list[1]
		.split(',')
		.map((name) => name.trim())
		.filter(Boolean)
		.sort();
}

test('index.mjs exports exactly the core names plus createRefreshClient, as index.js does', () => {
	const expected = [...Object.keys(core), 'createRefreshClient'].sort();
	expect(namesListedIn('index.mjs')).toEqual(expected);
});
