// The smoke checks of a prebuilt binary on a platform's own Node (run by test-win32.sh with
// the official node.exe of each line under wine, against the packed and unpacked package):
// the prebuild for this platform and ABI is the file that loaded; a worker is interrupted
// with a typed error; withTimeout ends a runaway loop on the main thread; interruptedAt
// names the loop; an object reason is cloned across threads; a Pool task is cancelled by
// interrupt and its worker kept. Prints one line per check; exits non-zero on the first
// failure. SMOKE_LIB names the library (default: the installed package 'interruptible').
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const spec = process.env.SMOKE_LIB ?? 'interruptible';
const lib = await import(spec);
const { Pool, TimeoutError, addonError, interrupt, withTimeout } = lib;
const here = dirname(fileURLToPath(import.meta.url));
const ok = (what) => console.log(`ok ${what}`);
function check(condition, what, detail) {
  if (!condition) throw new Error(`FAILED ${what}: ${JSON.stringify(detail)}`);
  ok(what);
}

// 1. the prebuild for this platform and ABI is what loaded
check(addonError() === undefined, 'the addon loaded', addonError()?.message);
const require = createRequire(import.meta.url);
const pkgRoot = dirname(require.resolve(`${spec}/package.json`));
const { locate, prebuildName } = require(join(pkgRoot, 'scripts', 'locate-addon.cjs'));
const found = locate(pkgRoot);
check(found.file === join(pkgRoot, 'prebuilds', prebuildName()), `it is the prebuild ${prebuildName()}`, found);

// 2. a worker interrupted with a typed error; 5. an object reason cloned across threads
const worker = new Worker(
  `import(${JSON.stringify(spec)}).then(({ interruptible, InterruptError }) => {
     const { parentPort } = require('node:worker_threads');
     try { interruptible((scope) => { parentPort.postMessage(scope.handle); for (;;) {} }); }
     catch (e) { parentPort.postMessage({ typed: e instanceof InterruptError, reason: e.reason, frames: e.interruptedAt.length }); }
   });`,
  { eval: true },
);
const handle = await new Promise((resolve) => worker.once('message', resolve));
const reason = { why: 'smoke', limits: [1, 2], when: new Date(0) };
check(interrupt(handle, reason) === true, 'interrupt() reached the running region', handle);
const result = await new Promise((resolve) => worker.once('message', resolve));
await worker.terminate();
check(result.typed, 'the worker caught an InterruptError', result);
check(result.reason?.why === 'smoke' && result.reason.limits[1] === 2 && result.reason.when instanceof Date,
  'the object reason was cloned into the worker', result.reason);

// 3. withTimeout on the main thread; 4. interruptedAt names the loop
function spinForever() {
  for (;;) {}
}
let timedOut;
try {
  withTimeout(50, () => spinForever());
} catch (error) {
  timedOut = error;
}
check(timedOut instanceof TimeoutError, 'withTimeout(50) threw a TimeoutError on the main thread', String(timedOut));
check(timedOut.interruptedAt[0]?.function === 'spinForever', 'interruptedAt names the spinning function', timedOut.interruptedAt);

// 6. a Pool task cancelled by interrupt, its worker kept
const task = join(here, 'smoke-platform-task.mjs');
writeFileSync(task, `import { threadId } from 'node:worker_threads';
export default function task(input) { if (input === 'spin') for (;;) {} return threadId; }\n`);
const pool = new Pool({ filename: pathToFileURL(task), size: 1, grace: 20, force: 30_000 });
try {
  const before = await pool.run('id');
  const cancelled = await pool.run('spin', { timeout: 50 }).catch((e) => e);
  check(cancelled instanceof TimeoutError && cancelled.rung === 'interrupt', 'a Pool task was cancelled by interrupt',
    String(cancelled));
  const after = await pool.run('id');
  check(after === before && pool.stats().respawns === 0, 'the Pool kept its worker', { before, after, stats: pool.stats() });
} finally {
  await pool.close();
}
console.log(`smoke-platform ok: Node ${process.version} ${process.platform}-${process.arch}`);
