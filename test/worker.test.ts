// StoppableWorker: the ladder, interrupt, stack, state.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StoppableWorker, type StackSnapshot, type WorkerState } from '../dist/index.js';
import { sleepChildRunning, sleepChildren } from './helpers.js';

const script = new URL('./fixtures/stoppable.mjs', import.meta.url);

async function started(): Promise<{ w: StoppableWorker; messages: string[]; next: (m: string) => Promise<void> }> {
  const w = new StoppableWorker(script);
  const messages: string[] = [];
  const waiters: Array<[string, () => void]> = [];
  w.on('message', (m: string) => {
    messages.push(m);
    for (const [i, [want, wake]] of waiters.entries()) if (want === m) (waiters.splice(i, 1), wake());
  });
  const next = (m: string) =>
    messages.includes(m) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push([m, resolve]));
  await next('ready');
  return { w, messages, next };
}

describe('StoppableWorker.stop(): the ladder', () => {
  it('cooperative: a busy loop sees stopRequested() at once; the worker ends by itself', async () => {
    const { w, messages, next } = await started();
    w.postMessage('poll');
    await next('busy');
    expect(await w.stop({ grace: 5_000, force: 10_000 })).toEqual({ rung: 'cooperative', exited: true, exitCode: 0 });
    expect(messages).toContain('saw the stop flag');
    expect(messages).toContain('signal aborted');
    expect(w.state).toBe('exited');
  });

  it('interrupt: a region that never polls is interrupted after grace; its catch runs', async () => {
    const { w, messages, next } = await started();
    w.postMessage('region');
    await next('busy');
    expect(await w.stop({ grace: 20, force: 10_000 })).toEqual({ rung: 'interrupt', exited: true, exitCode: 0 });
    expect(messages).toContain('interrupted: stop');
  });

  it('terminate: code outside any region that never polls is terminated after force', async () => {
    const { w, next } = await started();
    w.postMessage('hard');
    await next('busy');
    expect(await w.stop({ grace: 10, force: 50 })).toEqual({ rung: 'terminate', exited: true, exitCode: 1 });
  });

  it('G15: stop() resolves at its last rung while the worker is blocked in a native call, and says so', async () => {
    const { w, next } = await started();
    const before = sleepChildren();
    w.postMessage('native-long');
    await next('busy');
    await sleepChildRunning(before);
    const t0 = performance.now();
    const result = await w.stop({ grace: 10, force: 50 });
    expect(result).toEqual({ rung: 'terminate', exited: false, exitCode: undefined });
    expect(performance.now() - t0).toBeLessThan(2_500); // the call sleeps 3 s
    expect(await new Promise((resolve) => w.once('exit', resolve))).toBe(1); // it does exit, later
  });

  it('walks down to the workers the worker created, children first', async () => {
    const { w, messages, next } = await started();
    w.postMessage('child');
    await next('child busy');
    const result = await w.stop({ grace: 20, force: 10_000 });
    expect(messages).toContain('child interrupted: stop'); // the child's region was interrupted
    expect(['cooperative', 'interrupt']).toContain(result.rung);
  });

  it('stop() on an exited worker resolves at once', async () => {
    const { w } = await started();
    await w.terminate();
    expect(await w.stop()).toEqual({ rung: 'exited', exited: true, exitCode: 1 });
  });

  it('a worker whose file is missing does not take the process down; stop() reports its error', async () => {
    const w = new StoppableWorker(new URL('./fixtures/does-not-exist.mjs', import.meta.url));
    // force is long: the worker fails by itself, before any terminate() could end it first
    const result = await w.stop({ grace: 10_000, force: 20_000 });
    expect(result.exited).toBe(true);
    expect(String((result.error as Error)?.message)).toMatch(/does-not-exist/);
  });

  it('rejects bad options', async () => {
    const { w } = await started();
    expect(() => w.stop({ grace: -1 })).toThrow(RangeError);
    await w.terminate();
  });
});

describe('StoppableWorker: interrupt, stack, state', () => {
  it('interrupt(reason) interrupts the region the worker runs now; false when idle or exited', async () => {
    const { w, messages, next } = await started();
    expect(w.interrupt('idle')).toBe(false);
    w.postMessage('region');
    await next('busy');
    expect(w.interrupt('now')).toBe(true);
    await next('interrupted: now');
    expect(messages).toContain('interrupted: now');
    await w.terminate();
    expect(w.interrupt('late')).toBe(false);
  });

  it('stack() shows the running frames without stopping the worker; idle when idle; unresponsive in native code', async () => {
    const { w, messages, next } = await started();
    // Right after 'ready' the worker may still be finishing that callback: ask until it
    // has gone idle (it has nothing else to do).
    let idle = await w.stack();
    for (let i = 0; i < 100 && idle.state !== 'idle'; i++) idle = await w.stack();
    expect(idle).toEqual({ state: 'idle', frames: null });
    w.postMessage('region');
    await next('busy');
    const snap = await w.stack();
    expect(snap.state).toBe('running');
    expect(snap.frames?.[0]?.script).toMatch(/stoppable\.mjs$/);
    expect(w.interrupt('after the snapshot')).toBe(true); // it was still running
    await next('interrupted: after the snapshot');
    w.postMessage('native');
    await next('busy');
    // Between 'busy' and the blocking call the worker still runs JS: ask until it has
    // entered the call (it answers 'unresponsive') or left it.
    const states = new Set<string>();
    while (!messages.includes('native done')) states.add((await w.stack({ timeout: 50 })).state);
    expect(states).toContain('unresponsive');
    await w.terminate();
    expect(await w.stack()).toEqual({ state: 'exited', frames: null });
  });

  it('stack() of a worker that never loaded this library is unresponsive, not exited, while it runs', async () => {
    const w = new StoppableWorker(
      "require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1000);",
      { eval: true },
    );
    try {
      await once(w, 'message');
      expect(await w.stack({ timeout: 10 })).toEqual({ state: 'unresponsive', frames: null });
    } finally {
      await w.terminate();
    }
    expect(await w.stack()).toEqual({ state: 'exited', frames: null });
  });

  it('stack() asked as the worker exits answers "exited" at once, not after its timeout', async () => {
    const { w } = await started();
    // Before the StoppableWorker sees the exit: the thread has left the addon's registry.
    const asked = new Promise<[StackSnapshot, number]>((resolve) => {
      w.worker.prependOnceListener('exit', () => {
        const start = performance.now();
        void w.stack({ timeout: 60_000 }).then((s) => resolve([s, performance.now() - start]));
      });
    });
    await w.terminate();
    const [snapshot, ms] = await asked;
    expect(snapshot).toEqual({ state: 'exited', frames: null });
    expect(ms).toBeLessThan(30_000);
  });

  it('state follows the worker, and state events report each change', async () => {
    const w = new StoppableWorker(script);
    const seen: WorkerState[] = [];
    w.on('state', (s: WorkerState) => seen.push(s));
    expect(w.state).toBe('starting');
    await once(w, 'message'); // ready
    expect(w.state).toBe('idle');
    w.postMessage('region');
    await once(w, 'message'); // busy
    expect(w.state).toBe('running');
    w.interrupt('x');
    await once(w, 'message');
    expect(w.state).toBe('idle');
    await w.stop({ grace: 10, force: 1000 });
    expect(w.state).toBe('exited');
    expect(seen[0]).toBe('idle');
    expect(seen).toContain('running');
    expect(seen.slice(-2)).toEqual(['stopping', 'exited']);
  });
});
