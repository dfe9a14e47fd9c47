// A stress worker: runs trees of regions and fires interrupts until told to stop; exits
// by process.exit() inside a region when asked to (G7).
import { parentPort, workerData } from 'node:worker_threads';
import { currentThreadHandle, interruptible } from '../../dist/index.js';
import { createAgent, fullGc } from './agent.mjs';

const { index, seed, shared, control } = workerData;
Atomics.store(shared.threads, index, currentThreadHandle().thread);
const agent = createAgent({ index, seed, shared });
let round = 0;
let gcSeen = 0;
while (Atomics.load(control, 0) === 0) {
  // control[size]: a GC round the main thread asks for (to sample RSS); ack in control[size + 1].
  const gcWanted = Atomics.load(control, shared.tokens.length);
  if (gcWanted !== gcSeen) {
    gcSeen = gcWanted;
    fullGc();
    Atomics.store(shared.heapMb, index, Math.round(process.memoryUsage().heapUsed / 2 ** 20));
    Atomics.add(control, shared.tokens.length + 1, 1);
    Atomics.notify(control, shared.tokens.length + 1);
  }
  if (Atomics.load(control, index) === 1) interruptible(() => process.exit(3));
  agent.tree();
  agent.fire(2);
  // Let the event loop turn now and then, as real workers do: V8 finishes some of its
  // memory housekeeping in tasks that only run there.
  if (++round % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
}
Atomics.store(shared.threads, index, 0);
parentPort.postMessage(agent.stats);
