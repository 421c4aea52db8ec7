// Types of nodeEnv.js: the Node-side parts of the n8n harness (test/harness/n8n.ts).
// The implementation is plain JavaScript because it needs Node built-ins and `process`, which
// n8n's community-package lint forbids in TypeScript files; this package's tests are linted too.

/**
 * Registers `logger` as the Logger service in the DI Container of n8n-core's own nested
 * @n8n/di (with the Logger class of its nested @n8n/backend-common).
 */
export function registerBackendLogger(logger: object): void;

/**
 * Unless N8N_USER_FOLDER is set, creates a temp folder and sets N8N_USER_FOLDER to it
 * (n8n-core's InstanceSettings writes a config file with an encryption key there).
 */
export function createUserFolderIfUnset(): void;

/** Removes the folder createUserFolderIfUnset created (if any) and unsets N8N_USER_FOLDER if it still points there. */
export function removeOwnUserFolder(): void;

/** Returns `fn()`; if it throws, appends `suffix` to the error's message and rethrows that same error. */
export function withErrorMessageSuffix<T>(suffix: string, fn: () => T): T;
