// The frames another thread is executing now, taken without stopping it: the addon asks
// the thread through the interrupt callback; a thread blocked in native code does not
// answer, which is an answer too.
// Imported, not the global: Node loads the global `performance` lazily, on first use, and a
// first use inside a region could be interrupted halfway (README, hazards), breaking it.
import { performance } from 'node:perf_hooks';
import { framesFrom, type InterruptFrame } from './frames.js';
import { addon } from './native.js';

export type ThreadStack =
  | { state: 'running'; frames: InterruptFrame[] }
  | { state: 'idle'; frames: null }
  | { state: 'unresponsive'; frames: null }
  | { state: 'exited'; frames: null };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Thread `thread`'s frames, answered within `timeout` ms; `exited()` says whether it has gone meanwhile. */
export async function threadStack(thread: number, timeout: number, exited: () => boolean): Promise<ThreadStack> {
  const b = addon;
  if (thread === 0 || b === undefined) return { state: 'unresponsive', frames: null };
  const id = b.snapshot(thread);
  if (id === 0) return { state: 'exited', frames: null };
  const deadline = performance.now() + timeout;
  for (;;) {
    const flat = b.takeSnapshot(id, false);
    if (flat !== undefined) return flat.length === 0 ? { state: 'idle', frames: null } : { state: 'running', frames: framesFrom(flat) };
    // Stryker disable next-line EqualityOperator: timing only, the same instant of a continuous clock
    if (performance.now() >= deadline) {
      if (b.takeSnapshot(id, true) !== undefined) continue;
      return exited() ? { state: 'exited', frames: null } : { state: 'unresponsive', frames: null };
    }
    await delay(1);
  }
}
