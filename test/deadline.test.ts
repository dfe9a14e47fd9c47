// G8: deadlines, served by one native timer thread.
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, interrupt, interruptible, shield, withTimeout } from '../dist/index.js';
import { Agent, spin } from './helpers.js';

/** Milliseconds `fn` took to throw, and what it threw. */
function timeThrow(fn: () => unknown): { ms: number; error: unknown } {
  const t0 = performance.now();
  try {
    fn();
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
  throw new Error('did not throw');
}

/** A busy loop with a name of its own, to be found in interruptedAt. */
function innerLoop(): never {
  return spin();
}

describe('G8: deadlines', () => {
  it('a region past its deadline throws TimeoutError, never early, not much late', () => {
    for (const T of [5, 20, 50]) {
      const { ms, error } = timeThrow(() => withTimeout(T, spin));
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error).toBeInstanceOf(InterruptError);
      expect(error).toMatchObject({ code: 'ERR_INTERRUPT_TIMEOUT', timeout: T, message: `region timed out after ${T} ms` });
      expect(ms).toBeGreaterThanOrEqual(T); // never early (strict)
      expect(ms).toBeLessThan(T + 1000); // generous: the machine is shared
    }
  });

  it('a catastrophic regex under withTimeout(50) throws shortly after 50 ms and the thread goes on', () => {
    const { ms, error } = timeThrow(() => withTimeout(50, () => /(a+)+$/.test(`${'a'.repeat(32)}!`)));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(ms).toBeGreaterThanOrEqual(50);
    expect(ms).toBeLessThan(1050);
    expect(withTimeout(50, () => /(a+)+$/.test('aaaa'))).toBe(true);
  });

  it('G14: a deadline that passes inside a builtin that never checks (JSON.parse, replace) still throws TimeoutError', () => {
    const json = JSON.stringify(Array.from({ length: 300_000 }, (_, k) => ({ k, s: 'abcdefghij' })));
    const text = 'ab'.repeat(2_000_000);
    for (const [what, fn] of [
      ['JSON.parse', () => JSON.parse(json)],
      ['a global replace', () => text.replace(/b/g, 'c')],
    ] as const) {
      let error: unknown;
      try {
        withTimeout(1, fn); // each takes tens of ms: far past 1 ms
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).interruptedAt.length, what).toBeGreaterThan(0);
    }
  });

  it('G14: a passed deadline wins over a request that arrived after it', () => {
    // Both are due when the shield exits: the region ends with its TimeoutError. The
    // deadline must pass inside the shield: on a loaded machine try a longer one.
    for (const T of [20, 200, 2000]) {
      let entered = false;
      let error: unknown;
      try {
        interruptible(
          (scope) => {
            const t0 = performance.now(); // the deadline was armed before this
            shield(() => {
              entered = true;
              while (performance.now() - t0 < T + 30);
              expect(interrupt(scope.handle, 'a request after the deadline')).toBe(true);
            });
          },
          { timeout: T },
        );
      } catch (e) {
        error = e;
      }
      if (!entered) continue;
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as TimeoutError).timeout).toBe(T);
      return;
    }
    throw new Error('the deadline never passed inside the shield');
  });

  it('a region that returns in time disarms its deadline', () => {
    // 1 s: on a loaded machine a region that returns at once can still be descheduled
    // past a short deadline (and then rightly throws, G14).
    for (let i = 0; i < 200; i++) expect(withTimeout(1000, () => i)).toBe(i);
    // Well past every one of those deadlines, a region without one runs undisturbed.
    const until = performance.now() + 1050;
    expect(interruptible(() => { while (performance.now() < until); return 'undisturbed'; })).toBe('undisturbed');
  });

  it('nested deadlines: the earliest wins; an inner deadline leaves the outer region running', () => {
    const value = interruptible(
      () => {
        try {
          interruptible(spin, { timeout: 20, name: 'inner' });
        } catch (error) {
          return (error as TimeoutError).message;
        }
        return 'not reached';
      },
      { timeout: 60_000, name: 'outer' },
    );
    expect(value).toBe('region "inner" timed out after 20 ms');
  });

  it('nested deadlines: an outer deadline firing inside an inner region unwinds both', () => {
    // The deadline must fire inside the inner region; on a loaded machine it can fire
    // before the inner region is entered: try a longer one then.
    for (const T of [20, 200, 2000]) {
      const ran: string[] = [];
      let inside = false;
      const { error } = timeThrow(() =>
        interruptible(
          (outer) => {
            outer.defer(() => ran.push('outer cleanup'));
            try {
              interruptible((inner) => {
                inner.defer(() => ran.push('inner cleanup'));
                inside = true;
                innerLoop();
              }, { timeout: 60_000, name: 'inner' });
            } catch {
              ran.push('inner catch'); // must not run: the termination is the outer region's
            }
          },
          { timeout: T, name: 'outer' },
        ),
      );
      expect(error).toMatchObject({ name: 'TimeoutError', timeout: T, message: `region "outer" timed out after ${T} ms` });
      if (!inside) continue;
      expect(ran).toEqual(['inner cleanup', 'outer cleanup']);
      // G11: it says where it landed, inside the inner region: the inner boundary let the
      // termination pass untouched rather than ending it and asking again from outside.
      expect((error as TimeoutError).interruptedAt.slice(0, 2).map((f) => f.function)).toEqual(['spin', 'innerLoop']);
      return;
    }
    throw new Error('the outer deadline never fired inside the inner region');
  });

  it('an already-aborted signal throws at entry without calling fn; cause is the reason', () => {
    let called = false;
    const reason = new Error('cancelled upstream');
    const error = timeThrow(() => interruptible(() => (called = true), { signal: AbortSignal.abort(reason) })).error;
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).cause).toBe(reason);
  });

  it('a signal aborted while the region runs interrupts it with signal.reason', () => {
    const controller = new AbortController();
    const error = timeThrow(() =>
      interruptible(
        () => {
          controller.abort('stop now');
          spin();
        },
        { signal: controller.signal },
      ),
    ).error;
    expect((error as InterruptError).reason).toBe('stop now');
  });

  // Counts the process's threads in /proc: Linux only, reported as skipped elsewhere.
  it.skipIf(!existsSync('/proc/self/task'))('one timer thread for the process: no thread per call', () => {
    const tasks = '/proc/self/task';
    withTimeout(1000, () => 0); // the timer thread exists from here on
    const before = readdirSync(tasks).length;
    for (let i = 0; i < 2000; i++) withTimeout(1000 + i, () => i);
    for (let i = 0; i < 5; i++) timeThrow(() => withTimeout(2, spin));
    expect(readdirSync(tasks).length).toBe(before);
  });
});

describe('G8: deadlines on several threads at once', () => {
  const agents: Agent[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) agents.push(await Agent.start());
  });
  afterAll(() => Promise.all(agents.map((a) => a.stop())));

  it('every worker and the main thread get their own TimeoutError', async () => {
    const outcomes = agents.map((a, i) =>
      a.run(
        `const t0 = performance.now();
         try { lib.withTimeout(args.T, () => { for (;;) {} }); }
         catch (e) { return { timeout: e.timeout, isTimeout: e instanceof lib.TimeoutError, early: performance.now() - t0 < args.T }; }`,
        { T: 30 + 10 * i },
      ),
    );
    const main = timeThrow(() => withTimeout(40, spin));
    expect(main.error).toBeInstanceOf(TimeoutError);
    const results = await Promise.all(outcomes);
    results.forEach((o, i) => expect(o).toEqual({ ok: true, value: { timeout: 30 + 10 * i, isTimeout: true, early: false } }));
  });
});
