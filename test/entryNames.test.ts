// index.mjs lists the names of index.js by hand (CommonJS exports built with a spread are
// invisible to ESM). The by-hand install test checks this too, but only after the e2e install;
// this fails in the first minute when a name is added to the core and forgotten in index.mjs.
import * as core from '../nodes/AlteryxAnalyticsCloud/core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { namesListedIn } = require('./helpers/entryNames') as {
	namesListedIn: (file: string) => string[];
};

test('index.mjs exports exactly the core names plus createRefreshClient, as index.js does', () => {
	const expected = [...Object.keys(core), 'createRefreshClient'].sort();
	expect(namesListedIn('index.mjs')).toEqual(expected);
});
