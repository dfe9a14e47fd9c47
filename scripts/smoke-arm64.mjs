// Run under qemu-aarch64 with an arm64 node and INTERRUPTIBLE_ADDON set to an arm64
// prebuild: load it, interrupt a worker, catch the typed error.
import { Worker } from 'node:worker_threads';
import { addonError, interrupt } from '../dist/index.js';

if (addonError()) throw new Error(`the addon did not load: ${addonError().message}`);
const lib = new URL('../dist/index.js', import.meta.url).href;
const worker = new Worker(
  `import(${JSON.stringify(lib)}).then(({ interruptible, InterruptError }) => {
     const { parentPort } = require('node:worker_threads');
     try { interruptible((scope) => { parentPort.postMessage(scope.handle); for (;;) {} }); }
     catch (e) { parentPort.postMessage({ typed: e instanceof InterruptError, reason: e.reason }); }
   });`,
  { eval: true },
);
const handle = await new Promise((resolve) => worker.once('message', resolve));
interrupt(handle, 'arm64');
const result = await new Promise((resolve) => worker.once('message', resolve));
await worker.terminate();
if (!result.typed || result.reason !== 'arm64') throw new Error(`unexpected: ${JSON.stringify(result)}`);
console.log(`  smoke ok under emulation: Node ${process.version} ${process.arch}, interrupted a worker, caught InterruptError`);
