// Experiment 4: work queued in the context's queue by main-realm code after the drain.
// node exp-stall.mjs
// Nothing in Node drains a context's own queue except our drains (once per uv prepare/check
// phase, times `drainRounds`); when main-realm code (a stream, a library's async function)
// resolves task promises after that, the loop can block in poll with work still queued.
import { startWorker } from './harness.mjs';

const cases = {
  'for await over Readable.from([1,2,3])': `async (env) => { let n = 0; for await (const c of env.Readable.from([1, 2, 3])) n += c; return n; }`,
  'a dependency awaiting 50 task promises (p-map style)': `async (env) => env.pingPong(() => Promise.resolve(1), 50)`,
};
const out = { node: process.version, stalledOf10: {} };
for (const [label, opts] of [['drainRounds=1', { drainRounds: 1 }], ['drainRounds=2', { drainRounds: 2 }],
  ['drainRounds=16', { drainRounds: 16 }], ['uv_idle while a task runs', { drainRounds: 1, idle: true }]]) {
  const h = await startWorker(opts);
  for (const [name, src] of Object.entries(cases)) {
    let stalls = 0;
    for (let i = 0; i < 10; i++) if ((await h.run(src, null, 500)).timeout) stalls++;
    (out.stalledOf10[name] ??= {})[label] = stalls;
  }
  // What the configuration costs while a task only waits: process CPU over a 200 ms timer await.
  const c0 = process.cpuUsage();
  await h.run(`async (env) => { await env.timer(200); return 1; }`, null, 2000);
  const c = process.cpuUsage(c0);
  (out.cpuMsDuring200msAwait ??= {})[label] = Math.round((c.user + c.system) / 1000);
  await h.w.terminate();
}
console.log(JSON.stringify(out));
