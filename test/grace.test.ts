// Soft first, then hard: interrupt(handle, reason, { grace }).
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible } from '../dist/index.js';
import { Agent, spin } from './helpers.js';

describe('soft first, then hard', () => {
  it('marks the region at once: scope.interrupted is true and checkpoint() throws an ordinary exception', () => {
    const steps: string[] = [];
    let seen: boolean | undefined;
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'please stop', { grace: 60_000 });
        seen = scope.interrupted;
        try {
          for (;;) scope.checkpoint();
        } finally {
          steps.push('finally inside the region ran'); // cooperative unwinding runs finally
        }
      }),
    ).toThrow(/please stop/);
    expect(seen).toBe(true);
    expect(steps).toEqual(['finally inside the region ran']);
  });

  it('lands the hard interrupt only after the grace period, if the region ignores it', () => {
    const t0 = performance.now();
    let error: unknown;
    try {
      interruptible((scope) => {
        interrupt(scope.handle, 'ignored', { grace: 30 });
        for (;;) {
          /* never checks */
        }
      });
    } catch (e) {
      error = e;
    }
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).reason).toBe('ignored');
    expect(ms).toBeGreaterThanOrEqual(30);
    expect(ms).toBeLessThan(1030);
  });

  it('a request without a grace period lands at once, even while a soft one waits for its grace period', () => {
    let after = false;
    expect(() =>
      interruptible((scope) => {
        expect(interrupt(scope.handle, 'soft', { grace: 60_000 })).toBe(true);
        interrupt(scope.handle, 'hard'); // a self-interrupt: synchronous (G13)
        after = true;
        spin();
      }),
    ).toThrow(/interrupted: hard/);
    expect(after).toBe(false);
  });

  it('a region that ends within the grace period is not interrupted later (G1)', () => {
    // On a loaded machine the grace period can end before the region's next statement
    // (then the region is rightly interrupted): try a longer one then.
    for (const grace of [5, 50, 500, 5000]) {
      let handle!: Parameters<typeof interrupt>[0];
      let ended: unknown;
      const t0 = performance.now();
      try {
        ended = interruptible((scope) => {
          handle = scope.handle;
          interrupt(scope.handle, 'soft', { grace });
          return 'ended in time';
        });
      } catch (error) {
        expect((error as InterruptError).reason).toBe('soft');
        continue;
      }
      expect(ended).toBe('ended in time');
      // The next region runs well past the end of that grace period, untouched.
      const until = t0 + grace + 30;
      expect(interruptible(() => { while (performance.now() < until); return 'next region untouched'; })).toBe('next region untouched');
      expect(interrupt(handle)).toBe(false);
      return;
    }
    throw new Error('no region ended within its grace period');
  });

  it('cooperative code in a worker sees the mark and unwinds with its finally blocks', async () => {
    const a = await Agent.start();
    try {
      const { first, done } = a.start(`
        const log = [];
        try {
          lib.interruptible((scope) => {
            post(scope.handle);
            try { while (!scope.interrupted) {} log.push('saw the mark'); scope.checkpoint(); }
            finally { log.push('finally'); }
          });
        } catch (e) { log.push(e.reason); }
        return log;
      `);
      interrupt((await first) as never, 'soft stop', { grace: 60_000 });
      expect(await done).toEqual({ ok: true, value: ['saw the mark', 'finally', 'soft stop'] });
    } finally {
      await a.stop();
    }
  });
});
