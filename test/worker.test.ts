// StoppableWorker: the ladder, interrupt, stack, state.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StopRequestedError, StoppableWorker, stopRequested, stopSignal, throwIfStopRequested, type StackSnapshot, type WorkerState } from '../dist/index.js';
import { sleepChildRunning, sleepChildren, withWarnings } from './helpers.js';

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
    // Announcing the child to this worker's parent is not a stop for this worker.
    w.postMessage('aborted?');
    await next('aborted: false');
    const result = await w.stop({ grace: 20, force: 10_000 });
    expect(messages).toContain('child interrupted: stop'); // the child's region was interrupted
    expect(['cooperative', 'interrupt']).toContain(result.rung);
  });

  it('walks down to the workers its workers created too (three levels)', async () => {
    const { w, messages, next } = await started();
    w.postMessage('grandchild');
    await next('child: child busy');
    const result = await w.stop({ grace: 20, force: 5_000 });
    expect(messages).toContain('child: child interrupted: stop'); // the grandchild's region was interrupted
    expect(result.exited).toBe(true);
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

  it('rejects bad options, naming the option and the value', async () => {
    const { w } = await started();
    expect(() => w.stop({ grace: -1 })).toThrow(RangeError);
    expect(() => w.stop({ grace: -1 })).toThrow(/options\.grace .*-1/);
    expect(() => w.stop({ force: -2 })).toThrow(/options\.force .*-2/);
    expect(() => w.stop('soon' as never)).toThrow(/stop\(\) options must be an object/);
    await expect(w.stack({ timeout: -3 })).rejects.toThrow(/options\.timeout .*-3/);
    await expect(w.stack(7 as never)).rejects.toThrow(/stack\(\) options must be an object/);
    await w.terminate();
  });

  it('throwIfStopRequested() throws a StopRequestedError once stop() was called; stopSignal() aborts with one', async () => {
    const { w, messages, next } = await started();
    w.postMessage('throw-poll');
    await next('busy'); // it polled and went on: no stop yet
    expect(await w.stop({ grace: 5_000, force: 10_000 })).toMatchObject({ rung: 'cooperative', exited: true });
    const report = messages.find((m): m is never => typeof m === 'object') as unknown as {
      thrown: { name: string; code: string; message: string; isStopRequested: boolean };
      reason: { name: string; code: string; isStopRequested: boolean };
    };
    expect(report.thrown).toMatchObject({ name: 'StopRequestedError', code: 'ERR_STOP_REQUESTED', isStopRequested: true });
    expect(report.thrown.message).toMatch(/asked to stop/);
    expect(report.reason).toEqual({ name: 'StopRequestedError', code: 'ERR_STOP_REQUESTED', isStopRequested: true });
  });

  it('outside a StoppableWorker nothing asks to stop: stopRequested() is false, throwIfStopRequested() returns, the signal never aborts', () => {
    expect(stopRequested()).toBe(false);
    expect(() => throwIfStopRequested()).not.toThrow();
    expect(stopSignal().aborted).toBe(false);
    expect(new StopRequestedError()).toMatchObject({ name: 'StopRequestedError', code: 'ERR_STOP_REQUESTED' });
  });

  it('a worker stopped before it loaded the library sees the stop when it does: flag set, signal aborted', async () => {
    const lib = new URL('../dist/index.js', import.meta.url).href;
    const w = new StoppableWorker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', async () => {
         const lib = await import(${JSON.stringify(lib)});
         await new Promise((resolve) => setImmediate(resolve)); // what the import queued has run
         parentPort.postMessage({ requested: lib.stopRequested(), aborted: lib.stopSignal().aborted });
       });`,
      { eval: true },
    );
    const answer = once(w, 'message');
    const stopping = w.stop({ grace: 5_000, force: 10_000 });
    w.postMessage('load the library now');
    expect((await answer)[0]).toEqual({ requested: true, aborted: true });
    expect(await stopping).toMatchObject({ rung: 'cooperative', exited: true });
  });

  it('stopping one worker leaves another alone: its flag and signal stay clear', async () => {
    const a = await started();
    const b = await started();
    a.w.postMessage('poll');
    await a.next('busy');
    expect(await a.w.stop({ grace: 5_000, force: 10_000 })).toMatchObject({ rung: 'cooperative' });
    b.w.postMessage('aborted?');
    const exited = once(b.w, 'exit').then(() => 'exited');
    expect(await Promise.race([b.next('aborted: false').then(() => 'aborted: false'), exited])).toBe('aborted: false');
    expect(b.messages).not.toContain('signal aborted');
    const answer = once(b.w, 'message');
    b.w.postMessage('requested?');
    expect((await answer)[0]).toBe('requested: false');
    expect(b.w.state).toBe('idle');
    await b.w.terminate();
  });

  it('a plain Worker started inside a StoppableWorker does not take its control block: the stop is not its', async () => {
    const { w, next } = await started();
    w.postMessage('plain');
    await next('plain ready');
    const stopping = w.stop({ grace: 10_000, force: 20_000 });
    w.postMessage('ask plain');
    await next('plain stopRequested: false; own: true');
    expect(await stopping).toMatchObject({ rung: 'cooperative', exited: true });
  });

  it('the interrupt rung interrupts the region running at grace, not the one the worker runs after it', async () => {
    const { w, messages, next } = await started();
    w.postMessage('region-twice');
    await next('busy');
    expect(await w.stop({ grace: 20, force: 10_000 })).toEqual({ rung: 'interrupt', exited: true, exitCode: 0 });
    expect(messages).toContain('interrupted: stop');
    expect(messages).toContain('second region done');
  });

  it('the interrupt rung, finding no region at grace, tries again until the worker runs one', async () => {
    const { w, messages, next } = await started();
    w.postMessage('idle, then a region');
    await next('idle');
    // grace 0: the rung is first tried within stop(), while the worker is idle.
    const stopping = w.stop({ grace: 0, force: 5_000 });
    w.postMessage('enter the region now');
    expect(await stopping).toEqual({ rung: 'interrupt', exited: true, exitCode: 0 });
    expect(messages).toContain('late region interrupted: stop');
  });

  it('a stop() before the worker is online: the state stays "stopping" once it is', async () => {
    const w = new StoppableWorker(script);
    const stopping = w.stop({ grace: 5_000, force: 10_000 });
    await once(w, 'online');
    expect(w.state).toBe('stopping');
    await w.terminate();
    await stopping;
  });

  it('[Symbol.asyncDispose] stops the worker', async () => {
    const { w } = await started();
    await w[Symbol.asyncDispose]();
    expect(w.state).toBe('exited');
    expect(w.exitCode).toBe(0);
  });
});

describe('StoppableWorker: errors of the worker', () => {
  const missing = new URL('./fixtures/does-not-exist.mjs', import.meta.url);

  it("with an 'error' listener the worker's uncaught error goes to it, and no process warning", async () => {
    await withWarnings(async (warnings) => {
      const w = new StoppableWorker(missing);
      const errors: unknown[] = [];
      w.on('error', (error) => errors.push(error));
      await new Promise((resolve) => w.worker.once('exit', resolve));
      expect(errors).toHaveLength(1);
      expect(String((errors[0] as Error).message)).toMatch(/does-not-exist/);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === 'InterruptibleWorkerWarning')).toEqual([]);
    });
  });

  it('without one it becomes a process warning naming the error', async () => {
    await withWarnings(async (warnings) => {
      const w = new StoppableWorker(missing);
      // Not once(w, 'exit'): it would listen for 'error' too.
      await new Promise((resolve) => w.worker.once('exit', resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const ours = warnings.filter((w) => w.name === 'InterruptibleWorkerWarning');
      expect(ours).toHaveLength(1);
      expect(ours[0]?.message).toMatch(/StoppableWorker's worker failed: .*does-not-exist/);
    });
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

  it('a worker that never loaded the library: interrupt() is false, stack() unresponsive, then exited', async () => {
    const w = new StoppableWorker(`require('node:worker_threads').parentPort.postMessage('busy'); for (;;) {}`, { eval: true });
    await once(w, 'message');
    expect(w.interrupt('x')).toBe(false);
    expect(await w.stack({ timeout: 20 })).toEqual({ state: 'unresponsive', frames: null });
    await w.terminate();
    expect(await w.stack()).toEqual({ state: 'exited', frames: null });
  });

  it("a 'state' listener alone is enough: it sees the worker go running and idle, and can interrupt it when it hears 'running'", async () => {
    const w = new StoppableWorker(script);
    const seen: WorkerState[] = [];
    // 'running' is published from inside the region (src/region-stack.ts, entered): an
    // interrupt() from the listener finds it active.
    const running = new Promise<boolean>((resolve) =>
      w.on('state', (s: WorkerState) => {
        seen.push(s);
        if (s === 'running') resolve(w.interrupt('x'));
      }),
    );
    // Messages through the underlying worker: no listener on w but 'state'.
    await once(w.worker, 'message'); // ready
    const interrupted = new Promise<void>((resolve) =>
      w.worker.on('message', (m: unknown) => {
        if (m === 'interrupted: x') resolve();
      }),
    );
    w.postMessage('region');
    expect(await running).toBe(true);
    await interrupted;
    await w.stop({ grace: 10, force: 1000 });
    expect(seen).toContain('running');
  });

  it("a 'state' listener added after the last one was removed sees changes again", async () => {
    const { w, messages, next } = await started();
    const first = () => {};
    w.on('state', first);
    await new Promise((resolve) => setImmediate(resolve)); // its watch has begun
    w.off('state', first);
    // A region entered and left: the watch wakes, finds no listener, and ends.
    w.postMessage('region');
    await next('busy');
    w.interrupt('x');
    await next('interrupted: x');
    const seen: WorkerState[] = [];
    const running = new Promise<void>((resolve) =>
      w.on('state', (s: WorkerState) => {
        seen.push(s);
        if (s === 'running') resolve();
      }),
    );
    messages.length = 0;
    w.postMessage('region');
    await running;
    await next('busy');
    expect(w.interrupt('y')).toBe(true);
    await next('interrupted: y');
    await w.terminate();
    expect(seen).toContain('running');
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
