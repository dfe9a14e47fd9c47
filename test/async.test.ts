// Regions whose function returns a promise: the deadline, interrupts and the signal keep
// acting until it settles; cleanups run when it settles, however it settles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, interrupt, interruptible, withTimeout, type InterruptHandle, type Scope } from '../dist/index.js';
import { Agent, withWarnings } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('async regions', () => {
  // First in this file: the thread's first async region (the one that installs the
  // addon's listener for requests to async regions) is interrupted while it awaits.
  it('G12: interrupt(scope.handle) after the synchronous part rejects with InterruptError at once, and the signal says so', async () => {
    let handle!: InterruptHandle;
    let reason: unknown;
    const running = interruptible(async (scope) => {
      handle = scope.handle;
      scope.signal.addEventListener('abort', () => (reason = scope.signal.reason));
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 20_000);
        scope.signal.addEventListener('abort', () => clearTimeout(timer));
      });
    });
    const t0 = performance.now();
    expect(interrupt(handle, 'stop waiting')).toBe(true);
    const error = (await running.catch((e: unknown) => e)) as InterruptError;
    expect(performance.now() - t0).toBeLessThan(10_000); // not when what it awaits settles
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.reason).toBe('stop waiting');
    expect(reason).toBe(error);
    expect(interrupt(handle)).toBe(false); // the region has ended
  });

  it('an async region without a timeout may await as long as it likes', async () => {
    expect(await interruptible(async () => (await sleep(50), 'slow'))).toBe('slow');
    expect(await interruptible(async () => (await sleep(50), 'slow'), { name: 'untimed' })).toBe('slow');
  });

  it('the types say so: a promise for an async function, a value for a synchronous one', async () => {
    const p: Promise<number> = interruptible(async () => 1);
    const n: number = interruptible(() => 2);
    const q: Promise<string> = withTimeout(1000, async () => 'three');
    expect([await p, n, await q]).toEqual([1, 2, 'three']);
  });

  it('G8: a deadline that passes after an await rejects with TimeoutError, aborts scope.signal, runs the cleanups', async () => {
    const log: string[] = [];
    let signal!: AbortSignal;
    const t0 = performance.now();
    const error = await withTimeout(50, async (scope) => {
      signal = scope.signal;
      scope.defer(() => log.push('cleanup'));
      await null;
      await sleep(2_000);
      return 'too late';
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(performance.now() - t0).toBeLessThan(1_500);
    expect(log).toEqual(['cleanup']);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(error);
  });

  it('G8: an async region\'s deadline counts from its entry: the synchronous part\'s time is spent, not restarted', async () => {
    // 1,200 ms of a 1,500 ms deadline go in the synchronous part: the TimeoutError comes
    // about 300 ms after it returned (not 1,500 ms: the deadline restarted; not at once).
    let returnedAt = 0;
    const error = await withTimeout(1_500, async () => {
      const t0 = performance.now(); // the deadline was armed just before this
      while (performance.now() - t0 < 1_200);
      returnedAt = performance.now();
      await sleep(10_000);
    }).catch((e: unknown) => e);
    const after = performance.now() - returnedAt;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(after).toBeGreaterThanOrEqual(200);
    expect(after).toBeLessThan(1_200);
  });

  it('G12: a request accepted just before the promise fulfils still ends the region with that interrupt', async () => {
    let handle!: InterruptHandle;
    const running = interruptible(async (scope) => {
      handle = scope.handle;
      await null;
      return 'fulfilled';
    });
    expect(interrupt(handle, 'just in time')).toBe(true); // accepted while it awaits
    await expect(running).rejects.toThrow(/just in time/);
  });

  it('G3: cleanups run once when the promise settles, however it settles', async () => {
    const log: string[] = [];
    await interruptible(async (scope) => {
      scope.defer(() => log.push('first'));
      await null;
      scope.defer(() => log.push('after await')); // defer works in the async part too
      return 1;
    });
    await interruptible(async (scope) => {
      scope.defer(() => log.push('rejected'));
      await null;
      throw new RangeError('own');
    }).catch(() => {});
    expect(log).toEqual(['after await', 'first', 'rejected']);
  });

  it('the synchronous first part is interrupted as before: it throws, no promise', () => {
    expect(() =>
      interruptible(async (scope) => {
        interrupt(scope.handle, 'sync part');
        await null;
      }),
    ).toThrow(/sync part/);
  });

  it('a region aborted by its options.signal while it awaits rejects with that reason', async () => {
    const controller = new AbortController();
    const running = interruptible(async () => sleep(2_000), { signal: controller.signal });
    const reason = new Error('user cancelled');
    controller.abort(reason);
    const error = (await running.catch((e: unknown) => e)) as InterruptError;
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.reason).toBe(reason);
  });

  it('G3 G16: a cleanup that throws after an async region fulfilled rejects it with that error; the other cleanups still run', async () => {
    const failed = new Error('cleanup failed');
    const ran: string[] = [];
    const result = interruptible(async (scope) => {
      scope.defer(() => ran.push('first'));
      scope.defer(() => {
        throw failed;
      });
      await null;
      return 'fulfilled';
    });
    await expect(result).rejects.toBe(failed);
    expect(ran).toEqual(['first']);
  });

  it("G3 G16: a cleanup that throws after an async region rejected: the region's own error wins, the cleanup's is a warning", async () => {
    await withWarnings(async (warnings) => {
      const own = new RangeError('own failure');
      const ran: string[] = [];
      const result = interruptible(async (scope) => {
        scope.defer(() => ran.push('first'));
        scope.defer(() => {
          throw new Error('cleanup failed');
        });
        await null;
        throw own;
      });
      await expect(result).rejects.toBe(own);
      expect(ran).toEqual(['first']);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ name: 'InterruptibleCleanupWarning' });
      expect(warnings[0]!.message).toMatch(/a deferred cleanup threw after its region had already failed: .*cleanup failed/);
    });
  });

  it('G3: while an async region awaits, other regions come and go: its cleanups wait for its own promise', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const running = interruptible(async (scope) => {
      scope.defer(() => log.push('async cleanup'));
      await gate;
      return 'done';
    });
    expect(interruptible((scope) => (scope.defer(() => log.push('sync cleanup')), 'sync'))).toBe('sync');
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'stop');
        for (;;);
      }),
    ).toThrow(InterruptError);
    expect(log).toEqual(['sync cleanup']);
    release();
    expect(await running).toBe('done');
    expect(log).toEqual(['sync cleanup', 'async cleanup']);
  });

  it('G12: a request accepted just before the promise rejects wins; the own error is kept as `suppressed`, as on SuppressedError', async () => {
    const own = new RangeError('own failure');
    const error = (await interruptible(async (scope) => {
      await null;
      expect(interrupt(scope.handle, 'just in time')).toBe(true);
      throw own;
    }).catch((e: unknown) => e)) as InterruptError;
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.reason).toBe('just in time');
    expect(Object.getOwnPropertyDescriptor(error, 'suppressed')).toEqual({ value: own, writable: true, configurable: true, enumerable: false });
  });

  it('G14: an async region whose deadline passed before a request was accepted ends with its TimeoutError', async () => {
    const error = await interruptible(
      async (scope) => {
        await null; // after the synchronous part: this code runs outside the boundary
        const t0 = performance.now();
        while (performance.now() - t0 < 40); // past the 20 ms deadline: its timer is due
        expect(interrupt(scope.handle, 'after the deadline')).toBe(true);
        await sleep(2_000);
      },
      { timeout: 20 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('an interrupted async region that had nothing to suppress has no `suppressed`', async () => {
    let handle!: InterruptHandle;
    const running = interruptible(async (scope) => {
      handle = scope.handle;
      await sleep(2_000);
    });
    interrupt(handle, 'stop');
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptError);
    expect('suppressed' in (error as object)).toBe(false);
  });

  it('G8: an async region past its deadline rejects with a TimeoutError that names the region and its timeout; the region has ended', async () => {
    let handle!: InterruptHandle;
    const error = (await interruptible(
      async (scope) => {
        handle = scope.handle;
        await sleep(2_000);
      },
      { timeout: 30, name: 'fetch' },
    ).catch((e: unknown) => e)) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/^region "fetch" timed out after 30 ms/);
    expect(error.timeout).toBe(30);
    expect(interrupt(handle, 'too late')).toBe(false); // the region has ended
  });

  it('two cleanups that throw after an async region fulfilled: the first to run rejects it, the second is a warning', async () => {
    await withWarnings(async (warnings) => {
      const first = new Error('first to run');
      const result = interruptible(async (scope) => {
        scope.defer(() => {
          throw new Error('second to run');
        });
        scope.defer(() => {
          throw first;
        });
        await null;
        return 'fulfilled';
      });
      await expect(result).rejects.toBe(first);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings.map((w) => [w.name, w.message])).toEqual([['InterruptibleCleanupWarning', expect.stringMatching(/second to run/)]]);
    });
  });

  it('while an async region awaits, interrupted is false and checkpoint() returns; once it was interrupted, its later code sees interrupted, and checkpoint() throws the error that ended it', async () => {
    let handle!: InterruptHandle;
    const seen: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let after!: Promise<void>;
    let kept!: Scope;
    const running = interruptible(async (scope) => {
      handle = scope.handle;
      kept = scope;
      await null;
      seen.push(scope.interrupted);
      scope.checkpoint(); // nothing pending: returns
      seen.push('checkpoint returned');
      after = gate.then(() => {
        seen.push(scope.interrupted);
        try {
          scope.checkpoint();
        } catch (e) {
          seen.push(e);
        }
      });
      await after;
    });
    await null;
    await null;
    expect(seen).toEqual([false, 'checkpoint returned']);
    expect(interrupt(handle, 'stop')).toBe(true);
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptError);
    release();
    await after;
    // The same error object: code that outlived the region stops as the region did.
    expect(seen).toEqual([false, 'checkpoint returned', true, error]);
    expect(seen[3]).toBe(error);
    // fn's own promise settles after that: the region stays ended by its interrupt.
    await new Promise((resolve) => setImmediate(resolve));
    expect(kept.interrupted).toBe(true);
    expect(kept.signal.aborted).toBe(true);
  });

  it('an async region that fulfilled or rejected by itself has ended: not interrupted, its signal never aborts, defer() and checkpoint() say it ended', async () => {
    const scopes: Scope[] = [];
    await interruptible(async (scope) => {
      scopes.push(scope);
      await null;
      return 'fulfilled';
    });
    await interruptible(async (scope) => {
      scopes.push(scope);
      await null;
      throw new RangeError('own');
    }).catch(() => {});
    for (const scope of scopes) {
      expect(scope.interrupted).toBe(false);
      expect(scope.signal.aborted).toBe(false);
      expect(() => scope.defer(() => {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
      expect(() => scope.checkpoint()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    }
  });
});

describe('async regions, across threads', () => {
  let a: Agent;
  beforeAll(async () => {
    a = await Agent.start();
  });
  afterAll(() => a.stop());

  it('a worker awaiting I/O in a region is interrupted from the main thread with a typed error; it lives on', async () => {
    const { first, done } = a.start(`
      const log = [];
      try {
        await lib.interruptible(async (scope) => {
          scope.defer(() => log.push('cleanup'));
          post(scope.handle);
          await new Promise((resolve) => setTimeout(resolve, 5_000));
        });
        log.push('returned');
      } catch (e) {
        log.push(e instanceof lib.InterruptError ? 'InterruptError: ' + e.reason : String(e));
      }
      return log;
    `);
    expect(interrupt((await first) as InterruptHandle, 'from main')).toBe(true);
    expect(await done).toEqual({ ok: true, value: ['cleanup', 'InterruptError: from main'] });
    expect(await a.run('return lib.interruptible(() => "alive")')).toEqual({ ok: true, value: 'alive' });
  });
});
