// Jest configuration: ts-jest transpiles only (tsconfig's isolatedModules); `npm run typecheck` does the type checking.
// Two projects: the tests that start child processes (`dagmar` commands, crash writers) run them on the built
// dist/, which their project's globalSetup builds once per run when src/ has changed; a run without any of them
// (e.g. `npx jest test/protocol`) builds nothing, because jest runs a project's globalSetup only for a project
// that has tests in the run. test/consumer/ is a separate project run by its own run.sh against the packed tarball.
const CHILD_PROCESS_TESTS = ['<rootDir>/test/cli/**/*.test.ts', '<rootDir>/test/storage/*crash*.test.ts'];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'in-process',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumer/', '<rootDir>/test/cli/', '<rootDir>/test/storage/[^/]*crash[^/]*\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'child-process',
      testMatch: CHILD_PROCESS_TESTS,
      globalSetup: '<rootDir>/test/support/build-dist.global-setup.js',
    },
  ],
};
