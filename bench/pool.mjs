// 4. A pool under cancellation: throughput and p99 latency of ~2 ms CPU tasks with 0%,
// 10% and 30% of tasks cancelled mid-run (runaway tasks aborted 1 ms after they start);
// ours (interrupt, worker kept) vs piscina (abort = terminate + respawn) vs workerpool
// (cancel()), same pool size, same submission pattern. Also the CPU burned in the 200 ms
// after the last task: a cancel that leaves a thread spinning shows up there.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from '../dist/index.js';
import { fmt, header, long, optional, percentile, table } from './lib.mjs';

header();
const SIZE = 2;
const TASKS = long ? 2000 : 150;
const taskUrl = new URL('./pool-task.mjs', import.meta.url);
const piscinaModule = await optional('piscina');
const workerpool = await optional('workerpool');

/** Runs TASKS tasks with SIZE in flight; every k-th is a runaway aborted 1 ms in. */
async function drive(submit, fraction) {
  const every = fraction > 0 ? Math.round(1 / fraction) : Infinity;
  const latencies = [];
  let next = 0;
  let cancelled = 0;
  const t0 = performance.now();
  async function lane() {
    while (next < TASKS) {
      const i = next++;
      const runaway = (i + 1) % every === 0;
      const started = performance.now();
      if (runaway) {
        cancelled++;
        await submit({ spin: true }, 1).catch(() => {});
      } else {
        await submit({ ms: 2 }, 0);
        latencies.push(performance.now() - started);
      }
    }
  }
  await Promise.all(Array.from({ length: SIZE }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const cpu0 = process.cpuUsage();
  await sleep(200);
  const cpu = process.cpuUsage(cpu0);
  return { throughput: (TASKS - cancelled) / seconds, p99: percentile(latencies, 99), idleCpu: (cpu.user + cpu.system) / 1000 / 200 };
}

const contenders = [];
contenders.push(['interruptible Pool', async () => {
  const pool = new Pool({ filename: taskUrl, size: SIZE, grace: 0, force: 5_000 });
  await pool.ready();
  const submit = (input, abortAfter) => {
    if (!abortAfter) return pool.run(input);
    const c = new AbortController();
    setTimeout(() => c.abort(), abortAfter);
    return pool.run(input, { signal: c.signal });
  };
  return { submit, close: () => pool.close(), respawns: () => pool.stats().respawns };
}]);
if (piscinaModule.Piscina) {
  contenders.push(['piscina', async () => {
    const pool = new piscinaModule.Piscina({ filename: taskUrl.href, minThreads: SIZE, maxThreads: SIZE });
    await Promise.all(Array.from({ length: SIZE }, () => pool.run({ ms: 0 })));
    const submit = (input, abortAfter) => {
      if (!abortAfter) return pool.run(input);
      const c = new AbortController();
      setTimeout(() => c.abort(), abortAfter);
      return pool.run(input, { signal: c.signal });
    };
    return { submit, close: () => pool.destroy(), respawns: () => 'n/a' };
  }]);
}
if (workerpool.pool) {
  contenders.push(['workerpool', async () => {
    const pool = workerpool.pool(new URL('./workerpool-worker.cjs', import.meta.url).pathname, { maxWorkers: SIZE, minWorkers: SIZE });
    await Promise.all(Array.from({ length: SIZE }, () => pool.exec('task', [{ ms: 0 }])));
    const submit = (input, abortAfter) => {
      const p = pool.exec('task', [input]);
      if (abortAfter) setTimeout(() => p.cancel(), abortAfter);
      return p;
    };
    return { submit, close: () => pool.terminate(true), respawns: () => 'n/a' };
  }]);
}

const rows = [];
const base = new Map();
for (const fraction of [0, 0.1, 0.3]) {
  for (const [name, make] of contenders) {
    const c = await make();
    const r = await drive(c.submit, fraction);
    const respawns = c.respawns();
    await c.close();
    if (name === 'interruptible Pool') base.set(fraction, r.throughput);
    rows.push([`${fraction * 100}%`, name, fmt(r.throughput), fmt(r.p99), fmt(r.idleCpu * 100, 0) + '%', String(respawns),
      `${fmt(base.get(fraction) / r.throughput)}×`]);
  }
}
table(`Pool of ${SIZE}, ${TASKS} tasks of ~2 ms, a share of them runaways cancelled 1 ms in`,
  ['cancelled', 'pool', 'tasks/s', 'p99 ms', 'CPU after (of a core)', 'respawns', 'ours vs this (throughput)'], rows);
const at30 = rows.filter((r) => r[0] === '30%');
const piscinaRow = at30.find((r) => r[1] === 'piscina');
if (piscinaRow) console.log(`\ntarget: ≥ 10× piscina's throughput with 30% cancelled: ${piscinaRow[6]} → ${parseFloat(piscinaRow[6]) >= 10 ? 'met' : 'MISSED'}`);
