// One BullMQ worker process of bench/bullmq.mjs: concurrency 2 with the given processor;
// every runaway job is cancelled (worker.cancelJob) 100 ms after it became active.
import { Worker } from 'bullmq';
import { Pool } from '../dist/index.js';
import { processWith } from '../dist/bullmq/index.js';
import { connectionFor } from '../scripts/redis-server.mjs';
import task from './bullmq-task.mjs';

const { mode, queue, size } = JSON.parse(process.argv[2]);
const connection = connectionFor(process.env.INTERRUPTIBLE_REDIS_URL);
const options = { connection, concurrency: size, autorun: false };
let pool;
let worker;
if (mode === 'pool') {
  // grace 0: the interrupt follows the cancel at once (a synchronous runaway cannot see its signal).
  pool = new Pool({ filename: new URL('./bullmq-task.mjs', import.meta.url), size, grace: 0 });
  await pool.ready();
  worker = new Worker(queue, processWith(pool), options);
} else if (mode === 'plain') {
  worker = new Worker(queue, async (job, _token, signal) => task(job.data, { signal }), options);
} else {
  worker = new Worker(queue, new URL('./bullmq-sandboxed.mjs', import.meta.url), { ...options, useWorkerThreads: true });
}
worker.on('active', (job) => {
  if (job.data.spin) setTimeout(() => worker.cancelJob(job.id, 'runaway'), 100);
});
worker.on('error', () => {});
await worker.waitUntilReady();
void worker.run();
process.send({ event: 'ready' });
// Answered only while this process's event loop turns.
process.on('message', (m) => {
  if (m.type === 'stats') process.send({ event: 'stats', respawns: pool ? pool.stats().respawns : null });
});
