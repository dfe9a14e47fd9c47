// Global setup of npm run test:bullmq: use INTERRUPTIBLE_REDIS_URL when set, else start a
// redis-server for the run (the test files and the processes they fork inherit the URL).
import { REDIS_URL_VARIABLE, startRedis } from '../../scripts/redis-server.mjs';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env[REDIS_URL_VARIABLE]) return undefined;
  const redis = await startRedis();
  process.env[REDIS_URL_VARIABLE] = redis.url;
  return () => redis.stop();
}
