// Mutation testing of the code that runs only inside pool workers and child processes
// (docs/TESTING.md, "Mutation testing over src/"). Stryker measures coverage in the test's
// thread only, and with perTest coverage (stryker.config.mjs) reports these mutants as
// "no coverage" without running them. Here coverage analysis is off: every mutant runs
// against the test files that start those workers and processes (vitest.stryker.workers.config.ts),
// which load the mutated dist/ (test/mutation/setup.ts passes the active mutant on).
//
//   npx stryker run stryker.workers.config.mjs
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { configFile: 'vitest.stryker.workers.config.ts', related: false },
  mutate: ['src/pool/runner.ts', 'src/pool/thread-entry.ts', 'src/pool/process-entry.ts'],
  coverageAnalysis: 'off',
  tempDirName: '.stryker-tmp/workers',
  htmlReporter: { fileName: 'reports/mutation/workers.html' },
  jsonReporter: { fileName: 'reports/mutation/workers.json' },
};
