// The region stack (src/region-stack.ts) as seen from outside: its count of regions with a
// deadline (scope.interrupted's fast path, src/scope.ts) and its outermost-region hooks
// (what a layer above the core, src/control.ts, learns of this thread's regions).
import { describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, currentThreadHandle, interrupt, interruptible, shield, withTimeout } from '../dist/index.js';
import { regions } from '../dist/region-stack.js';
import { spin } from './helpers.js';

const heard: string[] = [];
/** Set by a test: what enter() does besides being heard. */
let onEnter: (() => void) | undefined;
regions.onOutermost({
  enter: () => {
    heard.push('enter');
    onEnter?.();
  },
  exit: () => void heard.push('exit'),
});

/** What the hooks heard while `fn` ran. */
function hearing(fn: () => void): string[] {
  heard.length = 0;
  fn();
  return [...heard];
}

describe('regions with a deadline', () => {
  // First in this file: the thread's first region, and its first with a deadline. (A count
  // that is off shows there: afterwards it may be off in the safe direction only.)
  it("G4: in the thread's first region with a deadline, a deadline that passed inside a shield is seen by scope.interrupted", () => {
    const seen: boolean[] = [];
    let error: unknown;
    try {
      // 500 ms: the shield is entered long before the deadline, however loaded the machine.
      withTimeout(500, (scope) => {
        const t0 = performance.now(); // the deadline was armed before this
        shield(() => {
          seen.push(scope.interrupted);
          while (performance.now() - t0 < 600);
          seen.push(scope.interrupted);
        });
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimeoutError);
    expect(seen).toEqual([false, true]);
  });
});

describe('onOutermost hooks', () => {
  it('hear the outermost region enter and leave, once each; nested regions are silent', () => {
    expect(
      hearing(() => {
        interruptible(() => {
          heard.push('outer');
          interruptible(() => {
            heard.push('inner');
            interruptible(() => heard.push('innermost'));
          });
          heard.push('outer again');
        });
      }),
    ).toEqual(['enter', 'outer', 'inner', 'innermost', 'outer again', 'exit']);
  });

  it('hear the exit however the outermost region ends: it throws, or an interrupt unwinds it from inside a nested one', () => {
    expect(
      hearing(() => {
        expect(() =>
          interruptible(() => {
            throw new RangeError('own');
          }),
        ).toThrow(RangeError);
      }),
    ).toEqual(['enter', 'exit']);
    expect(
      hearing(() => {
        expect(() =>
          interruptible((outer) => {
            interruptible(() => {
              interrupt(outer.handle, 'outer');
              spin();
            });
          }),
        ).toThrow(InterruptError);
      }),
    ).toEqual(['enter', 'exit']);
    expect(hearing(() => interruptible(() => 'two in a row'))).toEqual(['enter', 'exit']);
  });

  it("enter() runs inside the region: an interrupt asked from there is accepted and ends it (a StoppableWorker's 'running' can be interrupted)", () => {
    // Accepted, a thread's own request ends its region at once: interrupt() does not
    // return. Refused (no region active yet), it would return false and fn would run.
    const refused: boolean[] = [];
    let ran = false;
    let error: unknown;
    onEnter = () => refused.push(interrupt(currentThreadHandle(), 'from enter'));
    try {
      interruptible(() => {
        ran = true;
      });
    } catch (e) {
      error = e;
    } finally {
      onEnter = undefined;
    }
    expect(refused).toEqual([]);
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).reason).toBe('from enter');
    expect(ran).toBe(false);
    expect(regions.depth).toBe(0);
  });
});
