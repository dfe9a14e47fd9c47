// 6. BullMQ: jobs/s of one worker process (concurrency 2) with 0% and 30% runaway jobs,
// each runaway cancelled with worker.cancelJob() 100 ms after it starts: our adapter
// (processWith on a Pool of 2) vs a plain processor that honours its signal vs BullMQ's
// sandboxed processors (useWorkerThreads). The same Redis, the same job code, the same
// submission; each run is bounded in time (a stuck worker stops counting, it does not
// stop the benchmark). Needs redis-server (or INTERRUPTIBLE_REDIS_URL).
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { REDIS_URL_VARIABLE, connectionFor, startRedis } from '../scripts/redis-server.mjs';
import { fmt, header, long, table } from './lib.mjs';

header();
const SIZE = 2;
const JOBS = long ? 2000 : 300;
const BUDGET_MS = long ? 60_000 : 15_000;
const ROUNDS = long ? 3 : 1;
let redis;
if (!process.env[REDIS_URL_VARIABLE]) {
  redis = await startRedis();
  process.env[REDIS_URL_VARIABLE] = redis.url;
}
const connection = connectionFor(process.env[REDIS_URL_VARIABLE]);

async function once(mode, fraction) {
  const name = `bench-${mode}-${randomUUID()}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const child = fork(new URL('./bullmq-worker.mjs', import.meta.url), [JSON.stringify({ mode, queue: name, size: SIZE })]);
  const messages = [];
  const waiters = [];
  child.on('message', (m) => {
    messages.push(m);
    for (const w of waiters.splice(0)) w();
  });
  const next = async (event, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.find((m) => m.event === event);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      let timer;
      await new Promise((resolve) => {
        waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  };
  await next('ready', 30_000);
  // Exactly `fraction` of each 10 jobs, spread out: 30% is jobs 2, 5 and 8 of each 10.
  const runawayAt = new Set([2, 5, 8].slice(0, Math.round(fraction * 10)));
  const specs = Array.from({ length: JOBS }, (_, i) => ({
    name: 'job',
    data: runawayAt.has(i % 10) ? { spin: true } : { ms: 2 },
    opts: { attempts: 1, removeOnComplete: true, removeOnFail: true },
  }));
  const runaways = specs.filter((s) => s.data.spin).length;
  let completed = 0;
  let failed = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  events.on('completed', () => ++completed + failed === JOBS && finish());
  events.on('failed', () => completed + ++failed === JOBS && finish());
  const t0 = performance.now();
  await queue.addBulk(specs);
  let budget;
  await Promise.race([finished, new Promise((resolve) => (budget = setTimeout(resolve, BUDGET_MS)))]);
  clearTimeout(budget);
  const seconds = (performance.now() - t0) / 1000;
  const done = { completed, failed };
  child.send({ type: 'stats' });
  const stats = await next('stats', 2000);
  child.kill('SIGKILL');
  await events.close();
  await queue.obliterate({ force: true }).catch(() => {});
  await queue.close();
  return {
    jobsPerSecond: done.completed / seconds,
    seconds,
    completed: done.completed,
    normal: JOBS - runaways,
    cancelled: done.failed,
    runaways,
    responsive: stats !== undefined,
    respawns: stats?.respawns ?? null,
  };
}

const contenders = [
  ['pool', 'interruptible/bullmq (Pool of 2)'],
  ['plain', 'plain processor, honours its signal'],
  ['sandboxed', 'BullMQ sandboxed (useWorkerThreads)'],
];
const rows = [];
try {
  for (const fraction of [0, 0.3]) {
    const results = new Map(contenders.map(([mode]) => [mode, []]));
    // Rounds interleave the contenders, so that noise hits all alike; the median run is reported.
    for (let r = 0; r < ROUNDS; r++) for (const [mode] of contenders) results.get(mode).push(await once(mode, fraction));
    const median = (runs) => [...runs].sort((a, b) => a.jobsPerSecond - b.jobsPerSecond)[runs.length >> 1];
    const ours = median(results.get('pool'));
    for (const [mode, label] of contenders) {
      const r = median(results.get(mode));
      rows.push([
        `${fraction * 100}%`,
        label,
        fmt(r.jobsPerSecond),
        `${r.completed}/${r.normal}`,
        `${r.cancelled}/${r.runaways}`,
        fmt(r.seconds, 1),
        r.responsive ? 'yes' : '**no**',
        r.respawns === null ? 'n/a' : String(r.respawns),
        r.jobsPerSecond > 0 ? `${fmt(ours.jobsPerSecond / r.jobsPerSecond)}×` : '∞',
      ]);
    }
  }
} finally {
  await redis?.stop();
}
table(`BullMQ, one worker process, concurrency ${SIZE}, ${JOBS} jobs of ~2 ms CPU; runaways cancelled 100 ms in; at most ${BUDGET_MS / 1000} s per run`,
  ['runaways', 'processor', 'jobs/s', 'normal jobs done', 'runaways ended', 's', 'worker event loop free after', 'pool respawns', 'ours vs this (jobs/s)'], rows);
