// Target of bench/latency.mjs: runs regions of one kind, and records, in its catch, how
// long after the requester's timestamp the typed error arrived.
import { parentPort, workerData } from 'node:worker_threads';
import { interruptible } from '../dist/index.js';

const { cells, stamp, mode, rounds } = workerData; // cells: [token now running, stop]
const latencies = [];
function call(x) {
  return (x * 31 + 7) % 1000003;
}
const wait = new Int32Array(new SharedArrayBuffer(4));
parentPort.postMessage({ handle: (await import('../dist/index.js')).currentThreadHandle() });
for (let r = 0; r < rounds; r++) {
  try {
    interruptible((scope) => {
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
  }
  Atomics.store(cells, 0, 0);
}
parentPort.postMessage({ latencies });
