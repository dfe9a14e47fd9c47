// A pool's workers from start to end: how many run at once (stats), the queue, a worker
// that dies under its task, cancels that race each other, and what close() and
// `await using` leave behind (no thread, no process, no timer, no listener).
import { getEventListeners } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { InterruptError, Pool, TimeoutError, type CancelledTaskError } from '../dist/index.js';
import { gate, open, sleepChildRunning, sleepChildren, until } from './helpers.js';

const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);

/** Whether process `pid` exists (a child that has exited and been reaped does not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('Pool: workers, queue and stats', () => {
  it('size workers run at once, the rest wait in the queue; stats() says how many of each', async () => {
    await using pool = new Pool({ filename: tasks, size: 2 });
    await pool.ready();
    const g = gate();
    const started = new Int32Array(new SharedArrayBuffer(4 * 3));
    const runs = [0, 1, 2].map((i) => pool.run<number>({ kind: 'hold', gate: g, started, i, n: i }));
    // After ready(), every worker takes a task at once (run() dispatches synchronously).
    expect(pool.stats()).toMatchObject({ running: 2, queued: 1 });
    await until(() => Atomics.load(started, 0) === 1 && Atomics.load(started, 1) === 1, 'the first two tasks started');
    expect(pool.stats()).toMatchObject({ size: 2, running: 2, queued: 1 });
    expect(Atomics.load(started, 2)).toBe(0);
    open(g);
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(pool.stats()).toMatchObject({ completed: 3, failed: 0, running: 0, queued: 0, respawns: 0 });
  });

  it('a task cancelled before it was queued, or while queued at the head, leaves the other queued tasks in order', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    await pool.ready();
    const g = gate();
    const started = new Int32Array(new SharedArrayBuffer(4 * 4));
    const first = pool.run({ kind: 'hold', gate: g, n: 0 });
    const controller = new AbortController();
    const head = pool.run({ kind: 'square', n: 1, started, i: 1 }, { signal: controller.signal });
    const second = pool.run({ kind: 'square', n: 2, started, i: 2 });
    const third = pool.run({ kind: 'square', n: 3, started, i: 3 });
    const never = pool.run({ kind: 'square', n: 4, started, i: 0 }, { signal: AbortSignal.abort('too late') });
    expect(((await never.catch((e: unknown) => e)) as CancelledTaskError).rung).toBe('queued');
    controller.abort();
    expect(((await head.catch((e: unknown) => e)) as CancelledTaskError).rung).toBe('queued');
    expect(pool.stats().queued).toBe(2);
    open(g);
    expect([await first, await second, await third]).toEqual([0, 4, 9]);
    expect(Atomics.load(started, 1)).toBe(0); // the cancelled head never ran
    expect(pool.stats()).toMatchObject({ completed: 3, cancelled: { queued: 2 } });
  });

  it('a finished task leaves no timer behind, nor a listener on a signal that many runs share', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    await pool.ready();
    const shared = new AbortController().signal;
    // Each task's own timer, followed through the global timer functions the pool calls:
    // counting every active Timeout in the process also counted other tests' timers, which
    // came and went meanwhile on a loaded machine.
    const set = vi.spyOn(globalThis, 'setTimeout');
    const clear = vi.spyOn(globalThis, 'clearTimeout');
    try {
      for (let n = 0; n < 3; n++) expect(await pool.run({ kind: 'square', n }, { signal: shared, timeout: 600_000 })).toBe(n * n);
      const armed = set.mock.calls.flatMap((call, i) => (call[1] === 600_000 ? [set.mock.results[i]!.value as unknown] : []));
      expect(armed).toHaveLength(3);
      // A 10-minute timeout does not keep the process alive after its task.
      for (const timer of armed) expect(clear.mock.calls.some(([t]) => t === timer)).toBe(true);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
    expect(getEventListeners(shared, 'abort')).toHaveLength(0);
  });

  it("a task's error names the task and its timeout; its rung is an own enumerable property (it shows when logged)", async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 5_000, force: 10_000 });
    const error = (await pool.run({ kind: 'cooperative' }, { timeout: 20 }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/\btask 1\b.*\b20 ms\b.*cooperative/); // tasks are numbered from 1 in run() order
    expect({ ...error }).toMatchObject({ rung: 'cooperative' });
    const next = (await pool.run({ kind: 'cooperative' }, { timeout: 20 }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(next.message).toMatch(/\btask 2\b/);
  });

  it('a cancel that comes second (close with a timeout) does not replace the first one: its reason, its ladder', async () => {
    const pool = new Pool({ filename: tasks, size: 1, grace: 300, force: 10_000 });
    await pool.ready();
    const started = new Int32Array(new SharedArrayBuffer(4));
    const controller = new AbortController();
    const running = pool.run({ kind: 'spin', started, i: 0 }, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => Atomics.load(started, 0) === 1, 'the task started');
    controller.abort(new Error('user pressed stop'));
    await pool.close({ timeout: 1 }); // its cancel-all comes long before the first cancel's interrupt
    const error = (await running) as CancelledTaskError;
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.rung).toBe('interrupt');
    expect((error.cause as Error).message).toBe('user pressed stop');
    expect(pool.stats().cancelled).toEqual({ queued: 0, cooperative: 0, interrupt: 1, terminate: 0, kill: 0 });
  });
});

describe('Pool: a worker or process that exits under its task', () => {
  for (const isolation of ['thread', 'process'] as const) {
    const what = isolation === 'thread' ? 'worker' : 'process';
    it(`${isolation}: the task rejects naming the ${what} and its exit code; the pool replaces it`, async () => {
      await using pool = new Pool({ filename: tasks, size: 1, isolation });
      const error = (await pool.run({ kind: 'exit', code: 3 }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(new RegExp(`pool's ${what} running task 1 exited unexpectedly \\(code 3\\)`));
      expect(await pool.run({ kind: 'square', n: 6 })).toBe(36);
      expect(pool.stats()).toMatchObject({ failed: 1, completed: 1, respawns: 1 });
    });
  }

  it('during close(): the exited worker is not replaced, and the queued tasks run on the others', async () => {
    const pool = new Pool({ filename: tasks, size: 2 });
    await pool.ready();
    const g = gate();
    const started = new Int32Array(new SharedArrayBuffer(4 * 2));
    const exits = pool.run({ kind: 'exit', code: 4, gate: g, started, i: 0 }).catch((e: unknown) => e);
    const held = pool.run({ kind: 'hold', gate: g, started, i: 1, n: 1 });
    const queued = [2, 3, 4].map((n) => pool.run({ kind: 'square', n }));
    await until(() => Atomics.load(started, 0) === 1 && Atomics.load(started, 1) === 1, 'both workers busy');
    const closing = pool.close();
    open(g);
    expect(((await exits) as Error).message).toMatch(/exited unexpectedly \(code 4\)/);
    expect(await held).toBe(1);
    expect(await Promise.all(queued)).toEqual([4, 9, 16]);
    await closing;
    expect(pool.stats()).toMatchObject({ respawns: 0, failed: 1, completed: 4 });
  });

  it('during close(): the last worker, lost while tasks are queued, is replaced so that they still run', async () => {
    const pool = new Pool({ filename: tasks, size: 1 });
    await pool.ready();
    const g = gate();
    const exits = pool.run({ kind: 'exit', code: 5, gate: g }).catch((e: unknown) => e);
    const queued = pool.run({ kind: 'square', n: 3 });
    const closing = pool.close();
    open(g);
    expect(((await exits) as Error).message).toMatch(/exited unexpectedly \(code 5\)/);
    expect(await queued).toBe(9);
    await closing;
    expect(pool.stats()).toMatchObject({ respawns: 1, failed: 1, completed: 1 });
  });

  it('during close(): the last worker, abandoned at the last rung while tasks are queued, is replaced so that they still run', async () => {
    const pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 50 });
    await pool.ready();
    const controller = new AbortController();
    const before = sleepChildren();
    const stuck = pool.run({ kind: 'native-block', seconds: 2 }, { signal: controller.signal }).catch((e: unknown) => e);
    const queued = pool.run({ kind: 'square', n: 4 });
    await sleepChildRunning(before);
    const closing = pool.close();
    controller.abort();
    expect(((await stuck) as CancelledTaskError).rung).toBe('terminate');
    expect(await queued).toBe(16);
    await closing;
    expect(pool.stats()).toMatchObject({ respawns: 1, completed: 1, cancelled: { terminate: 1 } });
  });
});

describe('Pool: the last rung', () => {
  it('G15: a thread ended while blocked in a native call counts as stuck until the call returns and it exits', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 50 });
    await pool.ready();
    const controller = new AbortController();
    const before = sleepChildren();
    const stuck = pool.run({ kind: 'native-block', seconds: 1 }, { signal: controller.signal });
    await sleepChildRunning(before);
    controller.abort();
    expect(((await stuck.catch((e: unknown) => e)) as CancelledTaskError).rung).toBe('terminate');
    expect(pool.stats()).toMatchObject({ stuck: 1, respawns: 1 });
    await until(() => pool.stats().stuck === 0, 'the stuck thread exited once its call returned');
  });

  it('process: SIGTERM comes at grace, not at force', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, isolation: 'process', grace: 20, force: 60_000 });
    await pool.ready();
    const t0 = performance.now();
    const error = (await pool.run({ kind: 'native-block', seconds: 30 }, { timeout: 20 }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error.rung).toBe('terminate');
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('process: a task deaf to SIGTERM is ended by SIGKILL at force; its process is gone soon after', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, isolation: 'process', grace: 20, force: 300 });
    const controller = new AbortController();
    const deaf = pool.run({ kind: 'ignore-sigterm' }, { signal: controller.signal, onProgress: () => controller.abort() });
    const error = (await deaf.catch((e: unknown) => e)) as CancelledTaskError;
    expect(error.rung).toBe('kill');
    expect(pool.stats()).toMatchObject({ respawns: 1, cancelled: { kill: 1 } });
    await until(() => pool.stats().stuck === 0, 'the killed process exited');
    expect(await pool.run({ kind: 'square', n: 2 })).toBe(4);
  });
});

describe('Pool: close() and await using', () => {
  it('close() right after run(), before the workers have loaded: the queued tasks still run', async () => {
    const pool = new Pool({ filename: tasks, size: 1 });
    const runs = [pool.run({ kind: 'square', n: 2 }), pool.run({ kind: 'square', n: 3 })];
    await pool.close();
    expect(await Promise.all(runs)).toEqual([4, 9]);
  });

  it('process: close() has ended every child process when it resolves, without waiting for force', async () => {
    const pool = new Pool({ filename: tasks, size: 2, isolation: 'process', force: 60_000 });
    await pool.ready();
    // Both workers are ready: the two runs are dispatched at once, one to each process.
    const pids = await Promise.all([pool.run<number>({ kind: 'pid' }), pool.run<number>({ kind: 'pid' })]);
    expect(new Set(pids).size).toBe(2);
    const t0 = performance.now();
    await pool.close();
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(pids.filter(alive)).toEqual([]);
    expect(pool.stats().respawns).toBe(0);
  });

  it.skipIf(!existsSync('/proc/self/task'))('thread: close() resolves once its worker threads have exited', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    await new Pool({ filename: tasks, size: 2 }).close(); // whatever threads a first pool starts for good
    const before = threads();
    const pool = new Pool({ filename: tasks, size: 2 });
    await pool.ready();
    expect(threads()).toBeGreaterThan(before);
    await pool.close();
    expect(threads()).toBeLessThanOrEqual(before);
  });

  it('await using: leaving the block closes the pool and ends its processes', async () => {
    let pid = 0;
    {
      await using pool = new Pool({ filename: tasks, size: 1, isolation: 'process' });
      pid = await pool.run<number>({ kind: 'pid' });
      expect(alive(pid)).toBe(true);
    }
    expect(alive(pid)).toBe(false);
  });
});
