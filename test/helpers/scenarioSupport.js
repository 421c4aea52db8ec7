'use strict';
// What the shared scenarios (test/scenarios/) need from Node's built-ins, for jest in Node and for
// Deno alike (Deno runs this CommonJS file through its Node compatibility: package.json says
// "type": "commonjs"). Plain JavaScript because n8n's community-package lint forbids node:assert,
// node:path and __dirname in TypeScript files, and this package's tests are linted too.
const strict = require('node:assert/strict');
const { resolve } = require('node:path');

/** The package's root folder (its package.json, dist/ and the TypeScript sources). */
const packageRoot = resolve(__dirname, '..', '..');

/**
 * JSON's view of a value, made in the caller's realm. Jest runs a test in a vm context of its own,
 * while the objects fetch's json() makes come from Node's; node:assert's strict deep equality
 * compares prototypes and would tell `[]` from `[]`.
 * @param {unknown} value
 * @returns {unknown}
 */
const plain = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/**
 * @typedef {object} ScenarioAssert
 * @property {(value: unknown, message?: string) => void} ok
 * @property {(actual: unknown, expected: unknown, message?: string) => void} equal
 * @property {(actual: unknown, expected: unknown, message?: string) => void} notEqual
 * @property {(actual: unknown, expected: unknown, message?: string) => void} deepEqual
 */

/**
 * node:assert/strict, its deep equality on JSON values (what the scenarios compare).
 * @type {ScenarioAssert}
 */
const assert = {
	ok: strict.ok,
	equal: strict.equal,
	notEqual: strict.notEqual,
	/**
	 * @param {unknown} actual
	 * @param {unknown} expected
	 * @param {string} [message]
	 * @returns {void}
	 */
	deepEqual(actual, expected, message) {
		strict.deepStrictEqual(plain(actual), plain(expected), message);
	},
};

module.exports = { assert, packageRoot };
