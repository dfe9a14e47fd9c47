// Bad input gets a clear error; nothing is left half-done.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  InterruptError,
  currentThreadHandle,
  interrupt,
  interruptible,
  registerInterruptType,
  shield,
  withTimeout,
  type Scope,
} from '../dist/index.js';

describe('bad input', () => {
  it('interruptible() of a non-function is a TypeError', () => {
    expect(() => interruptible(42 as never)).toThrow(new TypeError('interruptible() expects a function, got number'));
    expect(() => interruptible(null as never)).toThrow(/got null/);
  });

  it('malformed handles are TypeErrors that say what is expected', () => {
    for (const bad of [null, undefined, 'thread-1', 7, {}, { kind: 'interruptible.handle' }, { ...currentThreadHandle(), thread: -1 }]) {
      expect(() => interrupt(bad as never)).toThrow(TypeError);
    }
    expect(() => interrupt({} as never)).toThrow(/expected an InterruptHandle/);
  });

  it("another process's handle is a TypeError", () => {
    const h = currentThreadHandle();
    expect(() => interrupt({ ...h, process: h.process + 1 })).toThrow(/another process/);
  });

  it('a handle naming a thread that never existed is a TypeError; one that ended is false', () => {
    const h = currentThreadHandle();
    expect(() => interrupt({ ...h, thread: 1_000_000 })).toThrow(/never registered/);
    let stale!: Scope['handle'];
    interruptible((scope) => (stale = scope.handle));
    expect(interrupt(stale)).toBe(false);
  });

  it('defer() and checkpoint() on a finished scope say the region ended', () => {
    let kept!: Scope;
    interruptible((scope) => (kept = scope));
    expect(() => kept.defer(() => {})).toThrow(/scope.defer\(\) called after its region ended/);
    expect(() => kept.checkpoint()).toThrow(/scope.checkpoint\(\) called after its region ended/);
    expect(() => kept.defer(() => {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    expect(() => kept.checkpoint()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
  });

  it('checkpoint() on the scope of a region that an interrupt ended throws that error again (code the region left behind stops too)', () => {
    let kept!: Scope;
    let ended: unknown;
    try {
      interruptible((scope) => {
        kept = scope;
        interrupt(scope.handle, 'enough');
      });
    } catch (e) {
      ended = e;
    }
    expect(ended).toBeInstanceOf(InterruptError);
    expect(() => kept.checkpoint()).toThrow(ended as Error);
    let again: unknown;
    try {
      kept.checkpoint();
    } catch (e) {
      again = e;
    }
    expect(again).toBe(ended);
    expect(() => kept.defer(() => {})).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    // An inner region that an outer region's interrupt unwound has no error of its own: it ended.
    let inner!: Scope;
    expect(() =>
      interruptible((outer) => {
        interruptible((scope) => {
          inner = scope;
          interrupt(outer.handle, 'outer');
        });
      }),
    ).toThrow(InterruptError);
    expect(inner.interrupted).toBe(true);
    expect(() => inner.checkpoint()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
  });

  it('defer() of a non-function is a TypeError, and the region still ends cleanly', () => {
    expect(() => interruptible((scope) => scope.defer('nope' as never))).toThrow(/scope.defer\(\) expects a function/);
    expect(interruptible(() => 'next')).toBe('next');
  });

  it('bad options are rejected before fn runs', () => {
    let ran = false;
    const fn = () => (ran = true);
    expect(() => interruptible(fn, null as never)).toThrow(TypeError);
    expect(() => interruptible(fn, { timeout: -1 })).toThrow(RangeError);
    expect(() => interruptible(fn, { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => interruptible(fn, { timeout: '10' as never })).toThrow(RangeError);
    expect(() => interruptible(fn, { signal: {} as never })).toThrow(/AbortSignal/);
    expect(() => interruptible(fn, { name: 3 as never })).toThrow(/name/);
    expect(() => withTimeout(0, fn)).toThrow(RangeError);
    expect(ran).toBe(false);
  });

  it('a bad grace period is a RangeError', () => {
    interruptible((scope) => {
      expect(() => interrupt(scope.handle, 'x', { grace: -5 })).toThrow(RangeError);
      expect(() => interrupt(scope.handle, 'x', { grace: Infinity })).toThrow(RangeError);
    });
  });

  it('shield() of a non-function is a TypeError', () => {
    expect(() => shield(undefined as never)).toThrow(/shield\(\) expects a function/);
  });

  it('registerInterruptType() accepts Error classes only, one class per name', () => {
    expect(() => registerInterruptType((() => {}) as never)).toThrow(TypeError);
    expect(() => registerInterruptType(class NotAnError {} as never)).toThrow(TypeError);
    class Twice extends Error {}
    registerInterruptType(Twice);
    registerInterruptType(Twice); // same class again: fine
    const Other = class Twice extends Error {};
    expect(() => registerInterruptType(Other)).toThrow(/already registered/);
  });

  it('registerInterruptType() says what is wrong: not an Error class, or a class without a name', () => {
    for (const bad of [null, undefined, 42, {}, class NotAnError {}]) {
      expect(() => registerInterruptType(bad as never)).toThrow(new TypeError('registerInterruptType expects an Error class'));
    }
    const anonymous = [class extends Error {}][0]!;
    expect(anonymous.name).toBe('');
    expect(() => registerInterruptType(anonymous)).toThrow(new TypeError('registerInterruptType expects a named class'));
  });

  it('a handle whose process is not a number is malformed, not "another process"', () => {
    const h = currentThreadHandle();
    expect(() => interrupt({ ...h, process: String(h.process) } as never)).toThrow(/malformed/);
  });

  it('thread 2^32 - 1 is a well-formed handle (never registered here); 0, -1, 2^32 and a negative region are malformed', () => {
    const h = currentThreadHandle();
    for (const bad of [{ thread: 0 }, { thread: -1 }, { region: -1 }]) {
      expect(() => interrupt({ ...h, ...bad })).toThrow(/malformed/);
    }
    // Thread 1 is well-formed: a region token never issued is simply not active (false),
    // or thread 1 was never registered in this process (a TypeError that says so).
    let answer: unknown;
    try {
      answer = interrupt({ ...h, thread: 1, region: Number.MAX_SAFE_INTEGER });
    } catch (error) {
      answer = (error as Error).message;
    }
    expect(answer === false || /never registered/.test(String(answer))).toBe(true);
    expect(() => interrupt({ ...h, thread: 2 ** 32 - 1 })).toThrow(/never registered/);
    expect(() => interrupt({ ...h, thread: 2 ** 32 })).toThrow(/malformed/);
  });

  it('the longest grace period, 2^31 - 1 ms, is accepted', () => {
    const result = interruptible((scope) => {
      expect(interrupt(scope.handle, 'much later', { grace: 2 ** 31 - 1 })).toBe(true);
      expect(scope.interrupted).toBe(true);
      return 'ended within its grace period';
    });
    expect(result).toBe('ended within its grace period');
    expect(() => interruptible((scope) => interrupt(scope.handle, 'x', { grace: 2 ** 31 }))).toThrow(RangeError);
  });

  it('a handle naming thread 2^32 + 1 is a TypeError, never thread 1', () => {
    const h = currentThreadHandle();
    const result = interruptible(() => {
      expect(() => interrupt({ ...h, thread: 2 ** 32 + h.thread })).toThrow(TypeError);
      let x = 0;
      for (let i = 0; i < 1e5; i++) x += i; // time for a misaimed interrupt to land
      return x;
    });
    expect(result).toBe(4999950000);
  });

  it('a handle whose fields change between reads is read once: it aims where the check said', () => {
    const result = interruptible(() => {
      try {
        interruptible((inner) => {
          let reads = 0;
          const tricky = new Proxy({ ...inner.handle }, {
            get(target, key) {
              if (key === 'region') return reads++ === 0 ? target.region : 'not a number';
              return target[key as keyof typeof target];
            },
          });
          expect(interrupt(tricky, 'inner only')).toBe(true);
          for (;;) {}
        });
      } catch (error) {
        return error instanceof InterruptError ? 'the inner region was interrupted' : 'something else';
      }
      return 'nothing';
    });
    expect(result).toBe('the inner region was interrupted');
  });

  it('timeouts: Infinity means none everywhere; 0, negatives and more than 2^31 - 1 ms are RangeErrors', () => {
    expect(withTimeout(Infinity, () => 'no deadline')).toBe('no deadline');
    expect(interruptible(() => 'none', { timeout: Infinity })).toBe('none');
    for (const bad of [0, -1, 2 ** 31, Number.NaN, '5']) {
      expect(() => withTimeout(bad as number, () => 1)).toThrow(RangeError);
      expect(() => interruptible(() => 1, { timeout: bad as number })).toThrow(RangeError);
    }
  });

  it('an abort signal whose reason cannot be cloned interrupts the region with that very reason', () => {
    const controller = new AbortController();
    const reason = { fn: () => 'not cloneable' };
    let error: unknown;
    try {
      interruptible(
        () => {
          controller.abort(reason);
          for (;;) {}
        },
        { signal: controller.signal },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).reason).toBe(reason);
  });
});

describe('bad input: the error says what was given', () => {
  it('options that are not an object name what they were', () => {
    expect(() => interruptible(() => 1, null as never)).toThrow(new TypeError('interruptible() options must be an object, got null'));
    expect(() => interruptible(() => 1, 5 as never)).toThrow(new TypeError('interruptible() options must be an object, got number'));
    expect(() => interruptible(() => 1, (() => {}) as never)).toThrow(/must be an object, got function/);
  });

  it('a bad timeout is quoted: strings shortened, objects and functions named', () => {
    const limit = 'a positive number of milliseconds up to 2147483647 (or Infinity for none)';
    expect(() => withTimeout(-1, () => 1)).toThrow(new RangeError(`withTimeout(ms) must be ${limit}, got -1`));
    expect(() => withTimeout('5' as never, () => 1)).toThrow(`got "5"`);
    expect(() => withTimeout('x'.repeat(50) as never, () => 1)).toThrow(`got "${'x'.repeat(40)}…"`);
    expect(() => withTimeout('x'.repeat(40) as never, () => 1)).toThrow(`got "${'x'.repeat(40)}"`);
    expect(() => withTimeout(null as never, () => 1)).toThrow(/got null$/);
    expect(() => withTimeout({} as never, () => 1)).toThrow(/got an object$/);
    expect(() => withTimeout((() => 1) as never, () => 1)).toThrow(/got a function$/);
    expect(() => interruptible(() => 1, { timeout: 2 ** 31 })).toThrow(new RangeError(`options.timeout must be ${limit}, got 2147483648`));
  });

  it('a bad signal or name, and withTimeout() of a non-function, name what was wrong', () => {
    expect(() => interruptible(() => 1, { signal: {} as never })).toThrow(/^options\.signal must be an AbortSignal/);
    expect(() => interruptible(() => 1, { signal: 'abort' as never })).toThrow(TypeError);
    expect(() => interruptible(() => 1, { name: 3 as never })).toThrow(/^options\.name must be a string/);
    expect(() => withTimeout(10, 'nope' as never)).toThrow(/^withTimeout\(\) expects a function, got string/);
  });

  it('an already aborted signal: fn never runs; the InterruptError names the region and carries the reason', () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    controller.abort(reason);
    let ran = false;
    const attempt = (options: { name?: string }): unknown => {
      try {
        interruptible(() => (ran = true), { ...options, signal: controller.signal });
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const named = attempt({ name: 'upload' });
    expect(named).toBeInstanceOf(InterruptError);
    expect((named as InterruptError).reason).toBe(reason);
    expect((named as InterruptError).message).toMatch(/^region "upload" aborted before it started/);
    expect((attempt({}) as InterruptError).message).toMatch(/^region aborted before it started/);
    expect(ran).toBe(false);
  });

  it('a bad grace period names its limits', () => {
    interruptible((scope) => {
      expect(() => interrupt(scope.handle, 'x', { grace: -5 })).toThrow(/from 0 to 2147483647, got -5$/);
    });
  });
});

describe('bad input: handles and interrupt() options', () => {
  it('a handle that is not an object says what it was', () => {
    expect(() => interrupt(null as never)).toThrow(new TypeError('expected an InterruptHandle, got null'));
    expect(() => interrupt(7 as never)).toThrow(new TypeError('expected an InterruptHandle, got number'));
    expect(() => interrupt('thread-1' as never)).toThrow(new TypeError('expected an InterruptHandle, got string'));
  });

  it('a handle without its kind is malformed, whatever its numbers', () => {
    const h = currentThreadHandle();
    expect(() => interrupt({ ...h, kind: 'something.else' } as never)).toThrow(/got a malformed object/);
    const { kind: _kind, ...withoutKind } = h;
    expect(() => interrupt(withoutKind as never)).toThrow(/got a malformed object/);
  });

  it('interrupt() options that are not an object, and a bad grace, name themselves', () => {
    interruptible((scope) => {
      expect(() => interrupt(scope.handle, 'x', 5 as never)).toThrow(new TypeError('interrupt() options must be an object, got number'));
      expect(() => interrupt(scope.handle, 'x', { grace: -1 })).toThrow(/^options\.grace must be/);
    });
  });

  it('the longest timeout Node honours, 2^31 - 1 ms, is accepted', () => {
    expect(withTimeout(2 ** 31 - 1, () => 'accepted')).toBe('accepted');
    expect(interruptible(() => 'accepted', { timeout: 2 ** 31 - 1 })).toBe('accepted');
  });
});

describe('the binding asserts what TypeScript validated ("validate in JS, assert in C++")', () => {
  it('run() with entry numbers it does not take is ERR_INTERRUPTIBLE_INTERNAL, and the thread goes on', async () => {
    const { addon } = await import('../dist/native.js');
    const b = addon!;
    const { entryToken, entryTimeoutMs, entryAsyncId } = b.layout;
    let ran = 0;
    const fn = () => ++ran;
    const attempt = (token: number, timeoutMs: number, args: unknown[] = [fn, {}]) => {
      b.entry[entryToken] = token;
      b.entry[entryTimeoutMs] = timeoutMs;
      b.entry[entryAsyncId] = 1;
      return (b.run as (...a: unknown[]) => unknown)(...args);
    };
    for (const [token, timeout] of [[0, 0], [0.5, 0], [-1, 0], [2 ** 53 + 2, 0], [NaN, 0], [1, -1], [1, NaN]] as const) {
      expect(() => attempt(token, timeout), `token ${token}, timeout ${timeout}`).toThrow(
        expect.objectContaining({ code: 'ERR_INTERRUPTIBLE_INTERNAL' }),
      );
    }
    expect(() => attempt(1, 0, [42, {}])).toThrow(expect.objectContaining({ code: 'ERR_INTERRUPTIBLE_INTERNAL' }));
    expect(() => attempt(1, 0, [])).toThrow(expect.objectContaining({ code: 'ERR_INTERRUPTIBLE_INTERNAL' }));
    expect(ran).toBe(0);
    expect(b.shared[b.layout.depth]).toBe(0);
    expect(interruptible(() => 'still works')).toBe('still works');
  });
});

describe('bad input: nesting', () => {
  it('regions nested deeper than 4,096 are a RangeError ERR_INTERRUPTIBLE_DEPTH, and the thread goes on', async () => {
    // A worker with a stack deep enough for 4,097 regions (each is a JS and a native frame).
    const { Worker } = await import('node:worker_threads');
    const lib = new URL('../dist/index.js', import.meta.url).href;
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       import(${JSON.stringify(lib)}).then(({ interruptible }) => {
         let reached = 0;
         let error;
         const nest = (n) => interruptible(() => { reached = n; return n < 5000 ? nest(n + 1) : n; });
         try { nest(1); } catch (e) { error = e; }
         parentPort.postMessage({ reached, name: error?.name, code: error?.code, after: interruptible(() => 'ok') });
       });`,
      { eval: true, resourceLimits: { stackSizeMb: 256 } },
    );
    const [result] = (await once(worker, 'message')) as [unknown];
    await worker.terminate();
    expect(result).toEqual({ reached: 4096, name: 'RangeError', code: 'ERR_INTERRUPTIBLE_DEPTH', after: 'ok' });
  });
});
