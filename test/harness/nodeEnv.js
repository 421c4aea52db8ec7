'use strict';
// The Node-side parts of the n8n harness (test/harness/harness.ts); typed by JSDoc, checked by
// checkJs (test/tsconfig.json).
// Plain JavaScript because they need Node built-ins (fs, module, os, path) and `process`, which
// n8n's community-package lint forbids in TypeScript files; this package's tests are linted too.
const { mkdtempSync, rmSync } = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

// n8n-core ships its own nested copies of @n8n/di and @n8n/backend-common (the top-level ones
// are older and belong to @n8n/node-cli). Services must be registered in the Container that
// n8n-core itself uses, so load those modules relative to n8n-core.
const requireFromCore = createRequire(require.resolve('n8n-core'));
const { Container } = requireFromCore('@n8n/di');
const { Logger: BackendLogger } = requireFromCore('@n8n/backend-common');

/**
 * Registers `logger` as n8n-core's backend Logger service (before anything asks for one).
 * @param {object} logger
 * @returns {void}
 */
function registerBackendLogger(logger) {
	Container.set(BackendLogger, logger);
}

/** @type {string | undefined} The temp folder createUserFolderIfUnset made, if it made one. */
let ownUserFolder;

/**
 * InstanceSettings writes an n8n config file with an encryption key into
 * $N8N_USER_FOLDER/.n8n; unless N8N_USER_FOLDER is already set, point it at a fresh temp folder.
 * @returns {void}
 */
function createUserFolderIfUnset() {
	if (process.env.N8N_USER_FOLDER !== undefined) return;
	ownUserFolder = mkdtempSync(join(tmpdir(), 'n8n-harness-'));
	process.env.N8N_USER_FOLDER = ownUserFolder;
}

/**
 * Removes the folder createUserFolderIfUnset made (if any) and unsets the env var it set.
 * @returns {void}
 */
function removeOwnUserFolder() {
	if (ownUserFolder === undefined) return;
	rmSync(ownUserFolder, { recursive: true, force: true });
	if (process.env.N8N_USER_FOLDER === ownUserFolder) delete process.env.N8N_USER_FOLDER;
}

/**
 * Returns `fn()`; if it throws, appends `suffix` to the error's message and rethrows the same
 * error object, as n8n's CredentialsHelper does when credential expressions fail to resolve.
 * (Here rather than in n8n.ts because the lint wants every rethrow in a .ts file wrapped in
 * NodeApiError/NodeOperationError, and the harness must mirror n8n, not change the error.)
 * @template T
 * @param {string} suffix
 * @param {() => T} fn
 * @returns {T}
 */
function withErrorMessageSuffix(suffix, fn) {
	try {
		return fn();
	} catch (error) {
		/** @type {Error} */ (error).message += suffix;
		throw error;
	}
}

module.exports = {
	registerBackendLogger,
	createUserFolderIfUnset,
	removeOwnUserFolder,
	withErrorMessageSuffix,
};
