// G4: shields hold; G3: cleanups run shielded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, shield, withTimeout } from '../dist/index.js';
import { addon } from '../dist/native.js';
import { encodeReason } from '../dist/reasons.js';
import { Agent, spin } from './helpers.js';

describe('G4: shields hold', () => {
  it('a request made inside a shield is delivered when the shield exits, not before', () => {
    const steps: string[] = [];
    expect(() =>
      interruptible((scope) => {
        shield(() => {
          interrupt(scope.handle, 'held');
          let x = 0;
          for (let i = 0; i < 5e6; i++) x += i; // many stack checks, none may deliver
          steps.push(`shield finished ${x > 0}`);
        });
        steps.push('after the shield'); // the held request lands before or here
        spin();
      }),
    ).toThrow(/held/);
    expect(steps[0]).toBe('shield finished true');
  });

  it('a deadline that expires inside a shield is delivered when it exits', () => {
    // The deadline must pass inside the shield: on a loaded machine it can pass before the
    // shield is entered (then the region rightly ends at once); try a longer one then.
    const b = addon!;
    for (const T of [10, 100, 1000, 5000]) {
      let entered = false;
      let finished = false;
      let after = false;
      expect(() =>
        withTimeout(T, () => {
          const t0 = performance.now(); // the deadline was armed before this
          shield(() => {
            entered = true;
            // Past the deadline, and until the timer thread has told this thread so (the
            // addon then marks the region held): on a loaded machine that thread can run
            // late, and a deadline noticed only after the shield lands at a later check.
            while (performance.now() - t0 < T + 30 || (b.shared[b.layout.held] === 0 && performance.now() - t0 < T + 10_000));
            finished = true;
          });
          after = true;
          spin();
        }),
      ).toThrow(`timed out after ${T} ms`);
      if (!entered) continue;
      expect(finished).toBe(true);
      expect(after).toBe(false); // delivered as the shield exits, not at a later stack check
      return;
    }
    throw new Error('the shield was never entered before the deadline');
  });

  // Stryker's instrumented shield.ts makes calls (stack checks) between its layout read and
  // hold(): there the staged termination takes effect before the shield is entered, which is
  // correct but not this case. Run in npm test (and by the native mutation run) only.
  const instrumented = (globalThis as { __stryker__?: unknown }).__stryker__ !== undefined;
  it.skipIf(instrumented)('a termination requested just before the shield took hold is taken back: the shielded code runs whole, and the request lands as it exits', () => {
    // addon.interruptAsRemote (test-only) files the request as another thread would, with no
    // synchronous decision; its callback runs at the next stack check. shield() reads
    // addon.layout after its argument check, the last stack check before hold(): a one-shot
    // getter there files the request and calls touch(), whose entry runs the callback, which
    // requests the termination. It has not taken effect when shield() asks hold() to take it
    // back (native/shield.cc, Hold); without that, it lands at the shielded fn's entry (native
    // mutation #21). An optimised shield() (its argument check inlined) meets the same case
    // when the callback runs at its own entry.
    const b = addon!;
    const layout = b.layout;
    const touch = (): number => 1;
    const steps: string[] = [];
    let heldInside = -1;
    let filed = -1;
    const wire = encodeReason('in flight');
    expect(() =>
      interruptible((scope) => {
        Object.defineProperty(b, 'layout', {
          configurable: true,
          enumerable: true,
          get() {
            Object.defineProperty(b, 'layout', { value: layout, configurable: true, enumerable: true, writable: true });
            // Nothing but touch() between filing and returning: any other call can be a stack check.
            filed = b.interruptAsRemote(scope.handle.thread, scope.handle.region, wire, 0);
            touch();
            return layout;
          },
        });
        shield(() => {
          steps.push('shield entered');
          touch();
          heldInside = b.shared[layout.held]!;
          steps.push('shield finished');
        });
        steps.push('after the shield');
      }),
    ).toThrow(/interrupted: in flight/);
    expect(Object.getOwnPropertyDescriptor(b, 'layout')?.value).toBe(layout);
    expect(filed).toBe(1);
    expect(steps).toEqual(['shield entered', 'shield finished']);
    expect(heldInside).toBe(1);
  });

  it('nested shields hold until the outermost one exits', () => {
    const steps: string[] = [];
    expect(() =>
      interruptible((scope) => {
        shield(() => {
          shield(() => {
            interrupt(scope.handle);
          });
          for (let i = 0; i < 1e6; i++);
          steps.push('outer shield body finished');
        });
        spin();
      }),
    ).toThrow(InterruptError);
    expect(steps).toEqual(['outer shield body finished']);
  });

  it('a region entered inside a shield can still be interrupted itself', () => {
    const value = interruptible(() =>
      shield(() => {
        try {
          interruptible((inner) => {
            interrupt(inner.handle, 'inner');
            spin();
          });
        } catch (error) {
          return (error as InterruptError).reason;
        }
        return 'not interrupted';
      }),
    );
    expect(value).toBe('inner');
  });

  it('checkpoint() inside a shield does not throw', () => {
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'x', { grace: 60_000 });
        shield(() => scope.checkpoint());
        scope.checkpoint();
      }),
    ).toThrow(/interrupted: x/);
  });

  it('checkpoint() never throws through a shield, but does for a region entered inside it', () => {
    const value = interruptible((outer) => {
      interrupt(outer.handle, 'outer', { grace: 60_000 });
      return shield(() => {
        let innerSaw = 'nothing';
        try {
          interruptible((inner) => {
            inner.checkpoint(); // the outer request is held by the shield: no throw
            interrupt(inner.handle, 'inner', { grace: 60_000 });
            inner.checkpoint(); // its own request: throws
          });
        } catch (error) {
          innerSaw = (error as InterruptError).reason as string;
        }
        return innerSaw;
      });
    });
    expect(value).toBe('inner');
  });

  it('G3: a request that arrives while cleanups run is held until they finish', () => {
    const steps: string[] = [];
    expect(() =>
      interruptible((outer) => {
        try {
          interruptible((inner) => {
            inner.defer(() => {
              interrupt(outer.handle, 'during cleanup');
              for (let i = 0; i < 1e6; i++);
              steps.push('cleanup finished');
            });
          });
        } finally {
          steps.push('outer finally'); // code outside the shield: the request may land here
        }
        spin();
      }),
    ).toThrow(/during cleanup/);
    expect(steps[0]).toBe('cleanup finished');
  });
});

describe('G4: shields under 10,000 random interrupts', () => {
  let a: Agent;
  beforeAll(async () => {
    a = await Agent.start();
  });
  afterAll(() => a.stop());

  it('a shielded two-step update is never seen half-done', async () => {
    const cells = new Int32Array(new SharedArrayBuffer(8)); // [token now running, stop]
    const done = a.run(
      `
      const cells = args.cells;
      const state = { a: 0, b: 0 };
      const stats = { regions: 0, interrupted: 0, torn: 0, cleanupTorn: 0 };
      let n = 0;
      while (Atomics.load(cells, 1) === 0) {
        stats.regions++;
        try {
          lib.interruptible((scope) => {
            Atomics.store(cells, 0, scope.handle.region);
            scope.defer(() => { const v = ++n; state.a = v; for (let i = 0; i < 200; i++); state.b = v; });
            for (let k = 0; k < 20; k++) {
              lib.shield(() => { const v = ++n; state.a = v; for (let i = 0; i < 200; i++); state.b = v; });
              if (state.a !== state.b) stats.torn++;
            }
          });
        } catch (e) {
          if (!(e instanceof lib.InterruptError)) throw e;
          stats.interrupted++;
        }
        Atomics.store(cells, 0, 0);
        if (state.a !== state.b) stats.cleanupTorn++;
      }
      return stats;
      `,
      { cells },
    );
    let sent = 0;
    while (sent < 10_000) {
      const token = Atomics.load(cells, 0);
      if (token === 0) continue;
      for (let i = 0; i < (sent * 7919) % 2000; i++); // varied moments
      interrupt({ ...a.handle, region: token });
      sent++;
    }
    Atomics.store(cells, 1, 1);
    const outcome = await done;
    expect(outcome.ok).toBe(true);
    const stats = (outcome as { value: Record<string, number> }).value;
    expect(stats.torn).toBe(0);
    expect(stats.cleanupTorn).toBe(0);
    expect(stats.interrupted).toBeGreaterThan(0);
  });
});
