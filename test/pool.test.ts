// The pool cancels running tasks without killing its workers (thread isolation), and
// ends tasks stuck in native code by killing their process (process isolation).
import { describe, expect, it } from 'vitest';
import { InterruptError, Pool, TimeoutError, type CancelledTaskError } from '../dist/index.js';
import { sleepChildRunning, sleepChildren } from './helpers.js';

const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);

function counter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

describe('Pool, isolation: thread', () => {
  it('G5 G6: 200 tasks, a third spin forever and are cancelled; cleanups run; no worker is respawned', async () => {
    await using pool = new Pool({ filename: tasks, size: 2, grace: 20, force: 10_000 });
    const cleanups = counter();
    const started = new Int32Array(new SharedArrayBuffer(4 * 200));
    const runs = Array.from({ length: 200 }, (_, i) =>
      i % 3 === 0
        ? pool.run({ kind: 'spin', cleanups, started, i }, { timeout: 10 }).then(
            () => ({ i, outcome: 'returned' }),
            (error: CancelledTaskError) => ({ i, outcome: error instanceof TimeoutError ? `cancelled:${error.rung}` : String(error) }),
          )
        : pool.run<number>({ kind: 'square', n: i, cleanups, started, i }).then((v) => ({ i, outcome: v === i * i ? 'correct' : `wrong ${v}` })),
    );
    const results = await Promise.all(runs);
    for (const r of results) {
      // A spinner never polls: it ends by the interrupt once started. On a loaded machine
      // its timeout can pass while its run message is on the way: then it never starts.
      if (r.i % 3 === 0) expect(r.outcome).toBe(started[r.i] ? 'cancelled:interrupt' : 'cancelled:cooperative');
      else expect(r.outcome).toBe('correct');
    }
    const ran = started.reduce((n, s) => n + s, 0);
    expect(ran).toBeGreaterThan(0);
    expect(Atomics.load(cleanups, 0)).toBe(ran); // every started task's cleanup ran, cancelled or not
    const stats = pool.stats();
    expect(stats.respawns).toBe(0);
    expect(stats.cancelled.interrupt + stats.cancelled.cooperative).toBe(results.filter((r) => r.i % 3 === 0).length);
    expect(stats.completed).toBe(results.filter((r) => r.i % 3 !== 0).length);
  });

  it('the rejection says which rung ended the task and where it was', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 10_000 });
    await pool.ready();
    const controller = new AbortController();
    const running = pool.run({ kind: 'spin' }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed stop')), 20);
    const error = (await running.catch((e: unknown) => e)) as CancelledTaskError;
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.rung).toBe('interrupt');
    expect((error.cause as Error).message).toBe('user pressed stop');
    expect(error.interruptedAt[0]?.script).toMatch(/tasks\.mjs$/);
  });

  it('a task that polls stopRequested() ends on the cooperative rung', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 5_000, force: 10_000 });
    const error = (await pool.run({ kind: 'cooperative' }, { timeout: 20 }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.rung).toBe('cooperative');
  });

  it('an async task ends by its signal (cooperative), and a cancel never touches another task', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 5_000, force: 10_000 });
    await pool.ready();
    const controller = new AbortController();
    const waiting = pool.run({ kind: 'async-wait' }, { signal: controller.signal });
    const next = pool.run<number>({ kind: 'square', n: 12 });
    setTimeout(() => controller.abort('stop waiting'), 20);
    expect(((await waiting.catch((e: unknown) => e)) as CancelledTaskError).rung).toBe('cooperative');
    expect(await next).toBe(144);
  });

  it('G15: a task blocked in a native call rejects at force while its thread is still stuck; the pool replaces it at once', async () => {
    const pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 50 });
    await pool.ready();
    const controller = new AbortController();
    const before = sleepChildren();
    const stuck = pool.run({ kind: 'native-block', seconds: 15 }, { signal: controller.signal });
    await sleepChildRunning(before); // blocked in the call, however loaded the machine
    const t0 = performance.now();
    controller.abort();
    const error = (await stuck.catch((e: unknown) => e)) as CancelledTaskError;
    expect(error.rung).toBe('terminate');
    expect(performance.now() - t0).toBeLessThan(2_000); // long before the 15 s call returns
    expect(pool.stats()).toMatchObject({ stuck: 1, respawns: 1, size: 1 });
    // Capacity is kept: the replacement runs the next task while the old thread sleeps.
    expect(await pool.run({ kind: 'square', n: 4 })).toBe(16);
    expect(pool.stats().stuck).toBe(1);
    // close() does not wait for the stuck thread either.
    const closing = performance.now();
    await pool.close();
    expect(performance.now() - closing).toBeLessThan(2_000);
  });

  it('a task that ignores everything is terminated and its worker respawned', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 50 });
    // Only the terminate rung can end a task blocked in a native call. Cancelled once it
    // is blocked, so that the interrupt rung finds it there, however loaded the machine.
    const controller = new AbortController();
    const before = sleepChildren();
    const stuck = pool.run({ kind: 'native-block', seconds: 3 }, { signal: controller.signal });
    await sleepChildRunning(before);
    controller.abort();
    const error = (await stuck.catch((e: unknown) => e)) as CancelledTaskError;
    expect(error.rung).toBe('terminate');
    expect(await pool.run({ kind: 'square', n: 3 })).toBe(9);
    expect(pool.stats().respawns).toBe(1);
  });

  it('progress: what a task passes to context.progress() reaches onProgress, in order, before it settles', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    const seen: unknown[] = [];
    const value = await pool.run({ kind: 'progress', steps: 5 }, { onProgress: (v) => seen.push(v) });
    expect(value).toBe('done');
    expect(seen).toEqual([1, 2, 3, 4, 5].map((step) => ({ step })));
  });

  it('a task cancelled before its worker has read it never starts and ends without the last rung', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 0, force: 30_000 });
    await pool.ready();
    // The cancel follows the dispatch at once, so the worker nearly always finds it before
    // the task: then the task must never start. Sometimes the worker is quicker: then the
    // task's region was entered and the interrupt rung (retried until the region is
    // visible) ends it.
    let neverStarted = 0;
    for (let round = 0; round < 20; round++) {
      const started = new Int32Array(new SharedArrayBuffer(4));
      const cleanups = counter();
      const controller = new AbortController();
      const t0 = performance.now();
      const running = pool.run({ kind: 'spin', cleanups, started, i: 0 }, { signal: controller.signal });
      controller.abort(); // the task is dispatched, its message still on the way
      const error = (await running.catch((e: unknown) => e)) as CancelledTaskError;
      expect(performance.now() - t0).toBeLessThan(10_000); // far from force
      // Both counters are written before the task's result is sent: final here.
      if (error.rung === 'cooperative') {
        expect(Atomics.load(started, 0)).toBe(0);
        expect(Atomics.load(cleanups, 0)).toBe(0);
        neverStarted++;
      } else {
        // Its region was entered: the interrupt may land before the task's first statement.
        expect(error.rung).toBe('interrupt');
      }
    }
    expect(neverStarted).toBeGreaterThan(0);
    expect(await pool.run({ kind: 'square', n: 8 })).toBe(64);
    expect(pool.stats().respawns).toBe(0);
  });

  it('a queued task that is cancelled never starts', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 10 });
    const started = new Int32Array(new SharedArrayBuffer(4));
    const first = pool.run({ kind: 'spin' }, { timeout: 30 });
    const controller = new AbortController();
    const queued = pool.run({ kind: 'square', n: 2, started, i: 0 }, { signal: controller.signal });
    controller.abort();
    expect(((await queued.catch((e: unknown) => e)) as CancelledTaskError).rung).toBe('queued');
    await first.catch(() => {});
    // One worker, tasks in order: a cancelled task wrongly dispatched after the first
    // would have run before this one settles.
    expect(await pool.run({ kind: 'square', n: 3 })).toBe(9);
    expect(Atomics.load(started, 0)).toBe(0);
    expect(pool.stats().cancelled.queued).toBe(1);
    expect(pool.stats().completed).toBe(1);
  });

  it('close() lets running and queued tasks finish, then refuses new ones', async () => {
    const pool = new Pool({ filename: tasks, size: 1, grace: 10 });
    await pool.ready();
    const started = new Int32Array(new SharedArrayBuffer(4));
    const running = pool.run<string>({ kind: 'native-block', seconds: 1, started, i: 0 });
    const queued = pool.run<number>({ kind: 'square', n: 5 });
    while (Atomics.load(started, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    let closed = false;
    const closing = pool.close().then(() => (closed = true));
    await expect(pool.run({ kind: 'square', n: 1 })).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
    expect(await running).toBe('woke');
    expect(await queued).toBe(25);
    await closing;
    expect(closed).toBe(true);
    expect(pool.stats()).toMatchObject({ completed: 2, respawns: 0, running: 0, queued: 0 });
  });

  it('an already-aborted signal rejects at once', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    const error = (await pool.run({ kind: 'square', n: 1 }, { signal: AbortSignal.abort('no') }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error.rung).toBe('queued');
    expect(error.cause).toBe('no');
  });
});

describe('Pool, bad input', () => {
  it('a throwing task rejects with its own error; the pool goes on', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    await expect(pool.run({ kind: 'throw', n: 5 })).rejects.toThrow(new RangeError('bad input 5'));
    expect(await pool.run({ kind: 'square', n: 4 })).toBe(16);
    expect(pool.stats()).toMatchObject({ failed: 1, completed: 1 });
  });

  it('an input that cannot be cloned is a TypeError (the clone error as its cause) and counts as failed; the pool goes on', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    await pool.ready(); // sent at once: the clone fails in run()'s dispatch
    const error = (await pool.run({ kind: 'square', n: () => 1 }).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/could not be sent/);
    expect((error.cause as Error).name).toBe('DataCloneError');
    expect(await pool.run({ kind: 'square', n: 5 })).toBe(25);
    expect(pool.stats()).toMatchObject({ failed: 1, completed: 1 });
  });

  it('a result that cannot be sent back rejects with a TypeError that says so; the pool goes on', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    await expect(pool.run({ kind: 'unsendable' })).rejects.toThrow(/the task's result could not be sent back/);
    expect(await pool.run({ kind: 'square', n: 3 })).toBe(9);
  });

  it("G3: a task whose cleanups throw rejects with the first cleanup's error (last deferred runs first), though it returned", async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    await expect(pool.run({ kind: 'failing-cleanups' })).rejects.toThrow('deferred last, runs first');
    expect(await pool.run({ kind: 'square', n: 2 })).toBe(4);
  });

  it('the task module may be named by a file: URL string as well as by a path or URL', async () => {
    await using pool = new Pool({ filename: tasks.href, size: 1 });
    expect(await pool.run({ kind: 'square', n: 8 })).toBe(64);
  });

  it('a task module without a function export says so', async () => {
    const pool = new Pool({ filename: new URL('./fixtures/no-export.mjs', import.meta.url), size: 1 });
    await expect(pool.run({})).rejects.toThrow(/must export a function/);
    await expect(pool.run({})).rejects.toThrow(/must export a function/);
    await expect(pool.ready()).rejects.toMatchObject({ code: 'ERR_POOL_BROKEN' });
    await pool.close();
  });

  it('run() after close() is rejected with ERR_POOL_CLOSED', async () => {
    const pool = new Pool({ filename: tasks, size: 1 });
    expect(await pool.run({ kind: 'square', n: 6 })).toBe(36);
    await pool.close();
    await expect(pool.run({ kind: 'square', n: 1 })).rejects.toMatchObject({ code: 'ERR_POOL_CLOSED' });
  });

  it('bad options are clear errors', () => {
    expect(() => new Pool({ filename: 42 as never })).toThrow(TypeError);
    expect(() => new Pool({ filename: tasks, size: 0 })).toThrow(RangeError);
    expect(() => new Pool({ filename: tasks, isolation: 'fiber' as never })).toThrow(/isolation/);
    expect(() => new Pool({ filename: tasks, grace: -1 })).toThrow(RangeError);
    // The same rule as regions: Infinity is no timeout; 0 and more than 2^31 - 1 ms are
    // refused (Node's timers would fire them after 1 ms).
    for (const bad of [0, 2 ** 31, Number.NaN]) {
      expect(() => new Pool({ filename: tasks, timeout: bad })).toThrow(RangeError);
    }
    for (const bad of [Infinity, 2 ** 31, -5]) {
      expect(() => new Pool({ filename: tasks, grace: bad })).toThrow(RangeError);
      expect(() => new Pool({ filename: tasks, force: bad })).toThrow(RangeError);
    }
  });

  it('a run() timeout of Infinity means none; a bad one rejects', async () => {
    await using pool = new Pool({ filename: tasks, size: 1 });
    expect(await pool.run({ kind: 'square', n: 7 }, { timeout: Infinity })).toBe(49);
    await expect(pool.run({ kind: 'square', n: 7 }, { timeout: 2 ** 31 })).rejects.toThrow(RangeError);
  });
});

describe('Pool, isolation: process', () => {
  it('a task blocked in a native call is ended by SIGTERM; the pool respawns; other tasks are correct', async () => {
    await using pool = new Pool({ filename: tasks, size: 2, isolation: 'process', grace: 20, force: 2_000 });
    const pids = new Set([await pool.run<number>({ kind: 'pid' }), await pool.run<number>({ kind: 'pid' })]);
    expect(pids.has(process.pid)).toBe(false);
    const blocked = pool.run({ kind: 'native-block', seconds: 5 }, { timeout: 20 });
    const others = Array.from({ length: 10 }, (_, n) => pool.run<number>({ kind: 'square', n }));
    const error = (await blocked.catch((e: unknown) => e)) as CancelledTaskError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.rung).toBe('terminate');
    expect(await Promise.all(others)).toEqual(Array.from({ length: 10 }, (_, n) => n * n));
    expect(pool.stats().respawns).toBe(1);
    expect(pool.stats().cancelled.terminate).toBe(1);
  });

  it('an async task in a child process that polls stopRequested() ends on the cooperative rung', async () => {
    // The cancel reaches the child as a message, which sets its own stop flag (a task that
    // never yields cannot read it: its event loop does not turn).
    await using pool = new Pool({ filename: tasks, size: 1, isolation: 'process', grace: 5_000, force: 10_000 });
    const error = (await pool.run({ kind: 'cooperative-async' }, { timeout: 20 }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.rung).toBe('cooperative');
    expect(pool.stats().respawns).toBe(0);
  });

  it('async tasks in a child process end cooperatively, and throwing tasks reject with their error', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, isolation: 'process', grace: 2_000 });
    await pool.ready();
    const controller = new AbortController();
    const waiting = pool.run({ kind: 'async-wait' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(((await waiting.catch((e: unknown) => e)) as CancelledTaskError).rung).toBe('cooperative');
    await expect(pool.run({ kind: 'throw', n: 1 })).rejects.toThrow('bad input 1');
    expect(pool.stats().respawns).toBe(0);
  });
});
