// Experiment 2: worker.terminate() racing an interrupt of code after an await (design (c)).
// node exp-race.mjs <probeStopping: 1|0> [iterations]
// Each iteration: a fresh worker; its task awaits then spins; the parent sends an interrupt
// and terminate() in a rotating order with a random 0-8 ms gap. After an interruption the
// worker starts 1.5 s of synchronous work, so a swallowed terminate() shows as a late exit.
import { startWorker } from './harness.mjs';
import { probe, pause } from './lib.mjs';

const [stop = '1', n = '60'] = process.argv.slice(2);
const kinds = ['await null', 'await env.timer(1)', 'await env.fsp.readFile(env.file)', 'await env.immediate()'];
const res = { node: process.version, probeStopping: stop === '1', runs: 0, exitMs: { max: 0, over1s: 0 }, noExit: 0, interruptedFirst: 0, codes: {} };
for (let i = 0; i < +n; i++) {
  const h = await startWorker({ probeStopping: stop === '1', spinAfterInterrupt: true });
  h.post(`async (env) => { ${kinds[i % 4]}; env.spinning(); for (;;); }`);
  Atomics.wait(h.flags, 0, 0, 5000);
  const gap = Math.random() * 8; // interrupt -> catch takes 0.2-6 ms here: cover the whole window
  let t0;
  switch (i % 3) {
    case 0: probe.interrupt(h.id); pause(gap); t0 = performance.now(); h.w.terminate(); break;
    case 1: t0 = performance.now(); h.w.terminate(); pause(gap); probe.interrupt(h.id); break;
    default: probe.interrupt(h.id); t0 = performance.now(); h.w.terminate(); probe.interrupt(h.id);
  }
  const ex = await Promise.race([h.exited, new Promise((r) => setTimeout(() => r(null), 5000).unref())]);
  res.runs++;
  if (!ex) { res.noExit++; continue; }
  const ms = ex.t - t0;
  res.exitMs.max = Math.max(res.exitMs.max, +ms.toFixed(1));
  if (ms > 1000) res.exitMs.over1s++;
  if (Atomics.load(h.flags, 1) > 0) res.interruptedFirst++;
  res.codes[ex.code] = (res.codes[ex.code] ?? 0) + 1;
}
console.log(JSON.stringify(res));
