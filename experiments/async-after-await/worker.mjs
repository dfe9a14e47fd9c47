// The task thread of every experiment: runs task sources in a per-task context whose
// microtasks the probe drains inside its boundary. workerData: { mode, checkAsync, probeStopping, sab }.
import { parentPort, workerData } from 'node:worker_threads';
import { AsyncLocalStorage, createHook, executionAsyncId } from 'node:async_hooks';
import fsp from 'node:fs/promises';
import { once, EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as timer, setImmediate as immediate } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as dep from './dep.mjs';
import { probe, makeContext, compileIn } from './lib.mjs';

const { mode = 'none', checkAsync = true, probeStopping = true, sab } = workerData;
const flags = new Int32Array(sab); // [0] spinning, [1] interrupted, [2] exited-run-after-interrupt
const als = new AsyncLocalStorage();
if (mode === 'hookInit') createHook({ init() {} }).enable();
if (mode === 'hookBefore') createHook({ before() {}, after() {} }).enable();

let ctx;
let current = null;
const env = {
  spinning() { Atomics.store(flags, 0, 1); Atomics.notify(flags, 0); },
  fsp, timer, immediate, als, once, EventEmitter, Readable, dep, executionAsyncId,
  file: fileURLToPath(import.meta.url),
  run: (fn) => probe.run(fn), // a callback wrapped in the boundary
  mainThen: (p, f) => p.then((v) => f(v)), // a main-realm handler calling task code
  // main-realm code awaiting promises made in the task's context, n times in a row
  async pingPong(make, n) { let s = 0; for (let i = 0; i < n; i++) s += await make(); return s; },
};

function onInterrupt() {
  Atomics.add(flags, 1, 1);
  Atomics.notify(flags, 1);
  const task = current;
  current = null;
  probe.end();
  fresh(); // the interrupted context may be dirty: a new one for the next task
  if (task) parentPort.postMessage({ id: task.id, interrupted: true });
  if (workerData.spinAfterInterrupt) setImmediate(() => { const t = Date.now() + 1500; while (Date.now() < t); Atomics.store(flags, 2, 1); });
}

let id = 0;
function fresh() {
  ctx = makeContext(workerData.copyGlobals !== false);
  id = probe.attach(compileIn(ctx, 'function () {}'), onInterrupt, checkAsync, probeStopping, workerData.drainRounds ?? 1, workerData.idle === true);
}
fresh();

parentPort.on('message', (msg) => {
  const fn = compileIn(ctx, msg.src);
  current = { id: msg.id };
  Atomics.store(flags, 0, 0);
  probe.begin();
  const start = () => fn(env, msg.arg);
  let p;
  try {
    p = mode === 'als' ? als.run({ outer: msg.id }, start) : start();
  } catch (e) {
    p = Promise.reject(e);
  }
  probe.drain();
  Promise.resolve(p).then(
    (value) => { if (current?.id === msg.id) { current = null; probe.end(); parentPort.postMessage({ id: msg.id, value, outerStore: als.getStore() ?? null }); } },
    (e) => { if (current?.id === msg.id) { current = null; probe.end(); parentPort.postMessage({ id: msg.id, error: String(e?.stack ?? e) }); } },
  );
});
parentPort.postMessage({ ready: true, id });
