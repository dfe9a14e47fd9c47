// The suite for mutants in code that runs only inside pool workers and child processes,
// or only without the addon (stryker.workers.config.mjs): the test files that start them.
// Stryker measures coverage in the test's thread only, so it would report these mutants
// as "no coverage" without running them; this config lets it run them (coverage off)
// against the tests that reach them, in reasonable time. no-addon.test.ts runs the library
// in a child process of its own, so Stryker's runner can run it too.
import { defineConfig } from 'vitest/config';
import stryker from './vitest.stryker.config.js';

export default defineConfig({
  ...stryker,
  test: {
    ...stryker.test,
    include: ['test/pool.test.ts', 'test/pool-bounds.test.ts', 'test/no-addon.test.ts'],
    exclude: ['node_modules/**'],
  },
});
