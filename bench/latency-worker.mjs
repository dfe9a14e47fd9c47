// Target of bench/latency.mjs: runs regions of one kind, and records, in its catch, how
// long after the requester's timestamp the typed error arrived.
import { parentPort, workerData } from 'node:worker_threads';
import { interruptible } from '../dist/index.js';

const { cells, stamp, mode, rounds } = workerData; // cells: [token now running, stop]
const latencies = [];
// CPU this thread burned after the request, where Node has per-thread CPU time (23.9+):
// on a loaded machine a late round may just have been preempted, while a round that ran
// more than 10 ms of its own CPU after the request was not serviced (the Maglev tier-up
// stall). A lower bound: CPU from entry to catch, less the wall time from entry to the
// request (the thread cannot have run longer than that before it).
const threadCpu = process.threadCpuUsage ? () => { const u = process.threadCpuUsage(); return u.user + u.system; } : null;
const cpus = [];
let c0 = 0;
let entered = 0n;
function call(x) {
  return (x * 31 + 7) % 1000003;
}
const wait = new Int32Array(new SharedArrayBuffer(4));
parentPort.postMessage({ handle: (await import('../dist/index.js')).currentThreadHandle() });
for (let r = 0; r < rounds; r++) {
  try {
    interruptible((scope) => {
      if (threadCpu) {
        c0 = threadCpu();
        entered = process.hrtime.bigint();
      }
      Atomics.store(cells, 0, scope.handle.region);
      let x = 0;
      switch (mode) {
        case 'tight loop':
          for (;;) x++;
        case 'function calls':
          for (;;) x = call(x);
        case 'regex':
          for (;;) /(a+)+$/.test(`${'a'.repeat(40)}!`);
        case 'Atomics.wait':
          for (;;) Atomics.wait(wait, 0, 0);
      }
    });
  } catch {
    const now = process.hrtime.bigint();
    latencies.push(Number(now - stamp[0]) / 1000);
    if (threadCpu) cpus.push(threadCpu() - c0 - Number(stamp[0] - entered) / 1000);
  }
  Atomics.store(cells, 0, 0);
}
parentPort.postMessage({ latencies, stalls: threadCpu ? cpus.filter((us) => us > 10_000).length : undefined });
