// The addon unloaded under its own timer thread: SIGSEGV (README.md here).
//
//   node experiments/addon-unload/repro.mjs; echo $?     # 139 in about 1 run of 4
//
// The main thread never loads the addon; a worker loads it and arms a deadline, which
// starts the process-wide timer thread (native/deadline.cc, detached, never stopped); the
// worker exits. Node closes the addons an environment loaded when it is torn down
// (dlclose): with no other environment holding it, the library is unmapped while the
// timer thread still sleeps in it, and the thread crashes when it wakes.
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const index = new URL('../../dist/index.js', import.meta.url).href;
const mapped = () => readFileSync('/proc/self/maps', 'utf8').includes('interruptible');
const w = new Worker(`const { withTimeout } = await import(${JSON.stringify(index)}); withTimeout(300, () => 1);`, {
  eval: true,
  type: 'module',
});
w.on('exit', (code) => {
  console.log(`worker exited ${code}; the addon is still mapped: ${mapped()}; threads: ${readdirSync('/proc/self/task').length}`);
  setTimeout(() => console.log('still alive 1 s later'), 1000);
});
