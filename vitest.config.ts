import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/stress/**', 'test/bullmq/**', 'node_modules/**'], // bullmq: npm run test:bullmq (needs Redis)
    // Each file in its own process: a test of a real main thread must own that thread.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
