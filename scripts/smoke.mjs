// The smoke test of an installed or cross-built addon: load the library, interrupt a
// worker, catch the typed error. Exits non-zero on any failure. SMOKE_LIB names the
// library to load (default: the installed package 'interruptible').
import { Worker } from 'node:worker_threads';

const spec = process.env.SMOKE_LIB ?? 'interruptible';
const { InterruptError, addonError, interrupt } = await import(spec);
if (addonError()) throw new Error(`the addon did not load: ${addonError().message}`);
const worker = new Worker(
  `import(${JSON.stringify(spec)}).then(({ interruptible, InterruptError }) => {
     const { parentPort } = require('node:worker_threads');
     try { interruptible((scope) => { parentPort.postMessage(scope.handle); for (;;) {} }); }
     catch (e) { parentPort.postMessage({ typed: e instanceof InterruptError, reason: e.reason }); }
   });`,
  { eval: true },
);
const handle = await new Promise((resolve) => worker.once('message', resolve));
interrupt(handle, 'smoke');
const result = await new Promise((resolve) => worker.once('message', resolve));
await worker.terminate();
if (!result.typed || result.reason !== 'smoke') throw new Error(`unexpected: ${JSON.stringify(result)}`);
if (!(InterruptError.prototype instanceof Error)) throw new Error('bad export');
console.log(`smoke ok: Node ${process.version} ${process.arch}, interrupted a worker, caught InterruptError`);
