// Mutation testing of the code that Stryker's perTest coverage cannot see (docs/TESTING.md,
// "Mutation testing over src/"): code that runs only inside workers and child processes
// (pool workers, a StoppableWorker's side of the control block, the watchdog's child-process
// cases) or only without the addon (native.ts's failure paths). Stryker measures coverage
// in the test's thread only, and with perTest coverage (stryker.config.mjs) reports these
// mutants as "no coverage" without running them. Here coverage analysis is off: every
// mutant runs against the test files that reach its code (which load the mutated dist/;
// test/mutation/setup.ts passes the active mutant on to threads and processes).
//
// With coverage off each mutant runs every test file of the run (until the first failure),
// so the files are split in groups, each with only the test files that reach it:
//
//   STRYKER_WORKERS_GROUP=control npx stryker run stryker.workers.config.mjs   # one group
//   bash scripts/mutation-workers.sh     # every group, then reports/mutation/workers.json
import base from './stryker.config.mjs';

/** Each group: the files it mutates, and the test files (vitest.stryker.workers.config.ts) that reach them. */
export const groups = {
  pool: {
    mutate: ['src/pool/runner.ts', 'src/pool/thread-entry.ts', 'src/pool/process-entry.ts'],
    tests: ['test/pool.test.ts', 'test/pool-bounds.test.ts', 'test/no-addon.test.ts'],
  },
  // The worker's side of the control block; a pool's (setCurrentJob, adoptControl) too.
  control: { mutate: ['src/control.ts'], tests: ['test/worker.test.ts', 'test/stop-flag.test.ts', 'test/pool.test.ts'] },
  native: { mutate: ['src/native.ts'], tests: ['test/addon-load.test.ts', 'test/no-addon.test.ts'] },
  // log: true, an onStall that throws, and the feature's name without the addon: child processes.
  watchdog: { mutate: ['src/watchdog.ts'], tests: ['test/watchdog.test.ts', 'test/no-addon.test.ts'] },
};

const group = process.env.STRYKER_WORKERS_GROUP ?? '';
if (!Object.hasOwn(groups, group)) {
  throw new Error(`stryker.workers.config.mjs: set STRYKER_WORKERS_GROUP to one of ${Object.keys(groups).join(', ')}`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { configFile: 'vitest.stryker.workers.config.ts', related: false },
  mutate: groups[group].mutate,
  coverageAnalysis: 'off',
  tempDirName: `.stryker-tmp/workers-${group}`,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/workers-${group}.html` },
  jsonReporter: { fileName: `reports/mutation/workers-${group}.json` },
  // A group's score is not the score (the merged one is).
  thresholds: { ...base.thresholds, break: null },
};
