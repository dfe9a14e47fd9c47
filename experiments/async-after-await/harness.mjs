// Parent side: start a task worker, run tasks, try to interrupt a spinning one, fall back to terminate.
import { Worker } from 'node:worker_threads';
import { probe } from './lib.mjs';

export async function startWorker(opts = {}) {
  const sab = new SharedArrayBuffer(16);
  const w = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { ...opts, sab } });
  const flags = new Int32Array(sab);
  const exited = new Promise((r) => w.once('exit', (code) => r({ code, t: performance.now() })));
  w.on('error', () => {});
  const ready = await new Promise((r, j) => { w.once('message', r); w.once('error', j); });
  let next = 1;
  const pending = new Map();
  w.on('message', (m) => { pending.get(m.id)?.(m); pending.delete(m.id); });
  return {
    w, flags, exited, id: ready.id,
    post(src, arg) { const id = next++; Atomics.store(flags, 0, 0); w.postMessage({ id, src, arg }); return new Promise((r) => pending.set(id, r)); },
    run(src, arg, ms = 5000) { return Promise.race([this.post(src, arg), new Promise((r) => setTimeout(() => r({ timeout: true }), ms).unref())]); },
  };
}

// Wait (sync, bounded) until the task says it spins, then request interrupts every ~1 ms for
// budgetMs. Returns { outcome: 'interrupted'|'not', ms } ; on 'not' the worker is terminated.
export async function interruptSpinning(h, budgetMs = 300) {
  if (Atomics.wait(h.flags, 0, 0, 5000) === 'timed-out') return { outcome: 'never-spun' };
  const before = Atomics.load(h.flags, 1);
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    probe.interrupt(h.id);
    if (Atomics.wait(h.flags, 1, before, 1) !== 'timed-out') return { outcome: 'interrupted', ms: performance.now() - t0 };
  }
  const t1 = performance.now();
  const st = probe.stats(h.id);
  h.w.terminate();
  const ex = await Promise.race([h.exited, new Promise((r) => setTimeout(() => r(null), 5000).unref())]);
  return { outcome: 'not', stats: st, terminated: ex ? { code: ex.code, ms: +(ex.t - t1).toFixed(1) } : 'NO EXIT in 5 s' };
}
