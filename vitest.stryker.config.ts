// The suite as Stryker runs it (stryker.config.mjs). Stryker's vitest runner runs every
// file in one worker thread (pool: threads), not in a process of its own; the files left
// out here need the main thread or a process of their own (they exit it, or load the
// library without the addon).
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/node-termination.test.ts', 'test/no-addon.test.ts'],
      setupFiles: ['test/mutation/setup.ts'],
    },
  }),
);
