// The test helpers written in plain JavaScript (test/harness/*.js, test/helpers/*.js: they need
// Node built-ins or legacy n8n helpers that n8n's lint forbids in TypeScript files) go through
// ts-jest too, so their JSDoc types are checked (checkJs in test/tsconfig.json) whenever a test
// loads them.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testTimeout: 60000,
	transform: { '^.+\\.ts$': tsJest, '^.+/test/(harness|helpers)/[^/]+\\.js$': tsJest },
};
