// The library must stay loaded for the process's life: Node unloads an environment's addons
// when it is torn down, and our process-wide threads (deadline timer, stall watchdog) would
// then run in unmapped memory (docs/HAZARDS.md; native/pin.h).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const index = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('loaded only by a worker', () => {
  it.runIf(existsSync('/proc/self/maps'))(
    'hazard: the addon stays mapped after the only worker that loaded it exited, and its timer thread does not crash the process',
    () => {
      // The main thread never loads the library; a worker arms a deadline (which starts the
      // timer thread) and exits; the deadline's wake-up comes 300 ms later.
      const script = `
        const { readFileSync } = require('node:fs');
        const { Worker } = require('node:worker_threads');
        const w = new Worker('const { withTimeout } = await import(${JSON.stringify(JSON.stringify(index)).slice(1, -1)}); withTimeout(300, () => 1);', { eval: true, type: 'module' });
        w.on('exit', (code) => {
          const mapped = readFileSync('/proc/self/maps', 'utf8').includes('interruptible');
          setTimeout(() => console.log(JSON.stringify({ code, mapped })), 600);
        });`;
      const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
      expect(child.signal, child.stderr).toBeNull();
      expect(child.status, child.stderr).toBe(0);
      expect(JSON.parse(child.stdout.trim())).toEqual({ code: 0, mapped: true });
    },
  );
});
