// The suite for one group of stryker.workers.config.mjs (STRYKER_WORKERS_GROUP): only the
// test files that reach that group's code, since with coverage off every mutant runs all
// of them. The files run in one worker thread, as Stryker runs them; those that need a
// process of their own (no-addon.test.ts, addon-load.test.ts) start it themselves.
import { defineConfig } from 'vitest/config';
import { groups } from './stryker.workers.config.mjs';
import stryker from './vitest.stryker.config.js';

const group = groups[(process.env['STRYKER_WORKERS_GROUP'] ?? '') as keyof typeof groups];
if (group === undefined) throw new Error(`vitest.stryker.workers.config.ts: set STRYKER_WORKERS_GROUP to one of ${Object.keys(groups).join(', ')}`);

export default defineConfig({
  ...stryker,
  test: {
    ...stryker.test,
    include: group.tests,
    exclude: ['node_modules/**'],
    setupFiles: [...(stryker.test?.setupFiles as string[]), 'test/mutation/coverage-off.ts'],
  },
});
