// The test helpers written in plain JavaScript (test/harness/*.js, test/helpers/*.js: they need
// Node built-ins or legacy n8n helpers that n8n's lint forbids in TypeScript files) go through
// ts-jest too, so their JSDoc types are checked (checkJs in test/tsconfig.json) whenever a test
// loads them.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }];

const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	transform: { '^.+\\.ts$': tsJest, '^.+/test/(harness|helpers)/[^/]+\\.js$': tsJest },
};

/**
 * Two worlds of AAC (standin/worlds.mjs): every test runs against the strict stand-in (what AAC
 * documents, and the harshest reading of what it does not); the tests of the operations and the
 * triggers, which touch AAC's unknowns, run again against the generous one. Both must pass.
 * @type {import('jest').Config}
 */
module.exports = {
	testTimeout: 60000,
	// Every request the package sends is compared with AAC's contract (standin/contract.json).
	globalSetup: '<rootDir>/test/contract/globalSetup.js',
	globalTeardown: '<rootDir>/test/contract/globalTeardown.js',
	projects: [
		{ ...common, displayName: 'strict', testMatch: ['**/*.test.ts'] },
		{
			...common,
			displayName: 'generous',
			testMatch: ['**/operations.*.test.ts', '**/trigger.*.test.ts', '**/compatibility.test.ts'],
			setupFiles: ['<rootDir>/test/contract/generousWorld.js'],
		},
	],
};
