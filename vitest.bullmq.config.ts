import { defineConfig } from 'vitest/config';

// npm run test:bullmq: the BullMQ adapter against a real Redis (INTERRUPTIBLE_REDIS_URL,
// or a redis-server that the global setup starts and stops). Not part of npm test.
export default defineConfig({
  test: {
    include: ['test/bullmq/**/*.test.ts'],
    globalSetup: ['test/bullmq/redis-setup.ts'],
    pool: 'forks',
    // The files share one Redis; one at a time keeps the 2-core machine's timings sane.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
