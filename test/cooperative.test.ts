// The cooperative view of a region: scope.interrupted and scope.checkpoint() see what is
// pending for the region or for one that encloses it (README, "Scope").
import { describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, interrupt, interruptible, shield, type Scope } from '../dist/index.js';

describe('scope.interrupted and checkpoint()', () => {
  it('a region nothing aims at: interrupted is false and checkpoint() returns', () => {
    expect(
      interruptible((scope) => {
        scope.checkpoint();
        return scope.interrupted;
      }, { timeout: 60_000 }),
    ).toBe(false);
  });

  it('G4: after the deadline passed inside a shield, interrupted is true, checkpoint() holds, the TimeoutError lands at the exit', () => {
    // The deadline must pass inside the shield; on a loaded machine it can pass before the
    // shield is entered (the region then rightly ends at once): try a longer one then. And
    // the timer thread must have signalled the thread before the shield exits, or nothing is
    // held there yet (the deadline then lands later, rightly): wait longer then.
    for (const [T, margin] of [[20, 30], [200, 300], [2000, 3000]] as const) {
      const seen: unknown[] = [];
      let entered = false;
      let error: unknown;
      try {
        interruptible(
          (scope) => {
            const t0 = performance.now(); // the deadline was armed before this
            shield(() => {
              entered = true;
              seen.push(scope.interrupted); // before the deadline
              while (performance.now() - t0 < T + margin);
              seen.push(scope.interrupted); // after it
              scope.checkpoint(); // held by the shield: no throw (G4)
              seen.push('checkpoint held');
            });
            seen.push('after the shield'); // never: delivered as the shield exits
          },
          { timeout: T },
        );
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TimeoutError);
      if (!entered || seen[0] !== false) continue;
      if (seen.at(-1) === 'after the shield' && margin < 3000) continue;
      expect(seen).toEqual([false, true, 'checkpoint held']);
      return;
    }
    throw new Error('the deadline never passed inside the shield');
  });

  it('a soft request (grace period): interrupted is true at once and checkpoint() throws it as an ordinary exception', () => {
    const steps: string[] = [];
    let error: unknown;
    let thrownByCheckpoint: unknown;
    try {
      interruptible((scope) => {
        interrupt(scope.handle, 'soft', { grace: 60_000 });
        steps.push(`interrupted ${scope.interrupted}`);
        try {
          scope.checkpoint();
          steps.push('checkpoint returned');
        } catch (e) {
          thrownByCheckpoint = e;
          throw e;
        } finally {
          steps.push('finally ran'); // an ordinary exception: finally blocks run
        }
      });
    } catch (e) {
      error = e;
    }
    expect(steps).toEqual(['interrupted true', 'finally ran']);
    expect(error).toBeInstanceOf(InterruptError);
    expect(error).toBe(thrownByCheckpoint); // the region throws that very error, not a second one
    expect((error as InterruptError).reason).toBe('soft');
  });

  it("an inner scope sees an outer region's soft request; the outer region ends with it", () => {
    const steps: string[] = [];
    let error: unknown;
    try {
      interruptible((outer) => {
        interruptible((inner) => {
          steps.push(`inner before ${inner.interrupted}`);
          interrupt(outer.handle, 'outer soft', { grace: 60_000 });
          steps.push(`inner after ${inner.interrupted}`);
          try {
            inner.checkpoint();
          } catch (e) {
            steps.push(`inner checkpoint threw ${(e as InterruptError).reason as string}`);
            throw e;
          }
        });
        steps.push('outer continued'); // never: the error is the outer region's
      });
    } catch (e) {
      error = e;
    }
    expect(steps).toEqual(['inner before false', 'inner after true', 'inner checkpoint threw outer soft']);
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).reason).toBe('outer soft');
  });

  it("G5: an outer scope does not see an inner region's request", () => {
    let outerSaw: boolean | undefined;
    const value = interruptible((outer) => {
      try {
        interruptible((inner) => {
          interrupt(inner.handle, 'inner soft', { grace: 60_000 });
          outerSaw = outer.interrupted;
          outer.checkpoint(); // nothing aims at the outer region: returns
          inner.checkpoint();
        });
      } catch (e) {
        return (e as InterruptError).reason;
      }
      return 'inner not interrupted';
    });
    expect(outerSaw).toBe(false);
    expect(value).toBe('inner soft');
  });

  it('interrupted stays true after the region ended by an interrupt, false after it returned', () => {
    let returned!: Scope;
    let stopped!: Scope;
    interruptible((scope) => (returned = scope));
    expect(() =>
      interruptible((scope) => {
        stopped = scope;
        interrupt(scope.handle);
      }),
    ).toThrow(InterruptError);
    expect(returned.interrupted).toBe(false);
    expect(stopped.interrupted).toBe(true);
  });
});
