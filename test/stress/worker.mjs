// A stress worker: runs trees of regions and fires interrupts until told to stop; exits
// by process.exit() inside a region when asked to (G7).
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadHandle, interruptible } from '../../dist/index.js';
import { createAgent } from './agent.mjs';

const { index, seed, shared, control } = workerData;
Atomics.store(shared.threads, index, currentThreadHandle().thread);
const agent = createAgent({ index, seed, shared });
let round = 0;
while (Atomics.load(control, 0) === 0) {
  if (Atomics.load(control, index) === 1) interruptible(() => process.exit(3));
  agent.tree();
  agent.fire(2);
  // Let the event loop turn now and then, as real workers do: V8 finishes some of its
  // memory housekeeping in tasks that only run there.
  if (++round % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
Atomics.store(shared.threads, index, 0);
parentPort.postMessage(agent.stats);
