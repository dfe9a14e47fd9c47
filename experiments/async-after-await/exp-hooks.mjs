// Experiment 1: design (c) under AsyncLocalStorage and enabled async hooks.
// node exp-hooks.mjs <mode: none|als|hookInit|hookBefore> <checkAsync: 1|0> [rounds]
// Each round: a task awaits (null, timer, fs.promises, setImmediate) then spins; the parent
// interrupts it, or after 300 ms of refusals terminates the worker (the pool's fallback).
// After each interruption a health task checks awaits and ALS stores; 200 more at the end.
import { startWorker, interruptSpinning } from './harness.mjs';

const [mode = 'none', check = '1', rounds = '12'] = process.argv.slice(2);
const kinds = { null: 'await null', timer: 'await env.timer(2)', fs: 'await env.fsp.readFile(env.file)', immediate: 'await env.immediate()' };
const HEALTH = `async (env, token) => {
  env.useAls = ${mode === 'als'};
  const syncStore = env.als.getStore()?.outer ?? null;
  await null; await env.timer(1); await env.fsp.readFile(env.file); await env.immediate();
  await Promise.all([env.timer(1), env.immediate(), null]);
  // ALS only in the 'als' mode: on Node 20/22 its first use enables a promise hook for good.
  const inner = !env.useAls ? token : await env.als.run(token, async () => { await env.timer(1); await null; await env.immediate(); return env.als.getStore(); });
  return { innerOk: inner === token, syncStore, endStore: env.als.getStore()?.outer ?? null };
}`;
const opts = { mode, checkAsync: check === '1' };
const res = { node: process.version, mode, checkAsync: opts.checkAsync, interrupted: 0, not: 0, byKind: {}, heldAsync: 0, terminateMs: [], interruptMs: [], health: { ok: 0, bad: [] } };

function healthy(m) {
  const v = m.value;
  const ok = v && v.innerOk && v.syncStore === v.endStore && (mode === 'als' ? typeof v.syncStore === 'number' : v.syncStore === null) && m.outerStore === null;
  if (ok) res.health.ok++; else if (res.health.bad.length < 3) res.health.bad.push(m);
}

let h = await startWorker(opts);
for (let i = 0; i < +rounds; i++) {
  const kind = Object.keys(kinds)[i % 4];
  h.post(`async (env) => { ${kinds[kind]}; env.spinning(); for (;;); }`);
  const r = await interruptSpinning(h);
  if (r.outcome === 'interrupted') {
    res.interrupted++;
    res.byKind[kind] = (res.byKind[kind] ?? '') + 'i';
    res.interruptMs.push(+r.ms.toFixed(2));
    healthy(await h.run(HEALTH, `t${i}`));
  } else {
    res.not++;
    res.byKind[kind] = (res.byKind[kind] ?? '') + 'n';
    res.heldAsync += r.stats?.heldAsync ?? 0;
    res.terminateMs.push(r.terminated);
    h = await startWorker(opts);
  }
}
for (let i = 0; i < 200; i++) healthy(await h.run(HEALTH, `n${i}`));
res.stats = (await import('./lib.mjs')).probe.stats(h.id);
await h.w.terminate();
console.log(JSON.stringify(res));
