// Mutation testing over src/ (npm run test:mutation; docs/TESTING.md). Not part of CI's
// default run: it takes hours on two cores.
//
// The suite tests the built library (tests import ../dist/index.js), so Stryker
// instruments src/ in its sandbox and then builds dist/ from it (buildCommand): every
// mutant is compiled into dist/ and switched on by id at run time. Code that runs in a
// worker thread or a child process (the Agent fixture, pool workers) learns the active
// mutant from the environment: test/mutation/setup.ts copies it there.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  buildCommand: 'npx tsc -p tsconfig.build.json',
  mutate: [
    'src/**/*.ts',
    '!src/bullmq/**', // needs Redis: npm run test:bullmq
    '!src/index.ts', // re-exports only
  ],
  ignorePatterns: ['.matrix', 'build-*', 'prebuilds', 'bench', 'dist', 'reports', '.stryker-tmp', 'test/stress'],
  coverageAnalysis: 'perTest',
  concurrency: 1, // two cores, shared; each test file starts threads of its own
  timeoutMS: 20_000,
  timeoutFactor: 2,
  disableBail: false,
  thresholds: { high: 90, low: 80, break: 80 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
