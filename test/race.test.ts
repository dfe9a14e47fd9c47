// G1, G2, G5, G6 under fire: 10,000 interrupts at random moments into short regions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interrupt } from '../dist/index.js';
import { Agent } from './helpers.js';

const REQUESTS = 10_000;

describe('the race test', () => {
  let a: Agent;
  beforeAll(async () => {
    a = await Agent.start();
  });
  afterAll(() => a.stop());

  it('G1 G2 G5 G6: every region has exactly one outcome, every cleanup runs once, the worker lives on', async () => {
    // cells[0]: the token of the region the worker runs now (0: none); cells[1]: stop.
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const done = a.run(
      `
      const [cells] = [args.cells];
      const stats = { regions: 0, returned: 0, interrupted: 0, misaimed: 0, foreign: 0, badCleanups: 0, nested: 0 };
      let seed = 12345;
      const rand = (n) => { // mulberry32
        seed = (seed + 0x6d2b79f5) | 0;
        let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) % n;
      };
      while (Atomics.load(cells, 1) === 0) {
        stats.regions++;
        let cleanups = 0, token = 0;
        let spins = rand(3000);
        try {
          const v = lib.interruptible((scope) => {
            token = scope.handle.region;
            scope.defer(() => cleanups++);
            Atomics.store(cells, 0, token);
            let x = 0;
            for (let i = 0; i < spins; i++) x += i;
            if (rand(4) === 0) {
              stats.nested++;
              lib.interruptible((inner) => { inner.defer(() => cleanups++); for (let i = 0; i < spins; i++) x -= i; });
            }
            Atomics.store(cells, 0, 0);
            return 'value';
          });
          if (v === 'value') stats.returned++;
        } catch (e) {
          if (e instanceof lib.InterruptError) {
            stats.interrupted++;
            if (e.reason !== token) stats.misaimed++;
          } else stats.foreign++;
        }
        Atomics.store(cells, 0, 0);
        // The nested region's cleanup runs when the inner region existed, the outer one always.
        if (cleanups < 1 || cleanups > 2) stats.badCleanups++;
      }
      return stats;
      `,
      { cells },
    );

    const base = a.handle;
    let accepted = 0;
    let sent = 0;
    let seed = 99;
    const rand = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    while (sent < REQUESTS) {
      const token = Atomics.load(cells, 0);
      if (token === 0) continue;
      // Random moments: a random pause (busy, so that no event loop turn is needed).
      const until = rand(40);
      for (let i = 0; i < until * 50; i++);
      sent++;
      if (interrupt({ ...base, region: token }, token)) accepted++;
    }
    Atomics.store(cells, 1, 1);
    const outcome = await done;
    expect(outcome.ok).toBe(true);
    const stats = (outcome as { value: Record<string, number> }).value;
    expect(stats.foreign).toBe(0);
    expect(stats.misaimed).toBe(0); // G5: every interrupt hit the region it named
    expect(stats.badCleanups).toBe(0); // G3
    expect(stats.returned! + stats.interrupted!).toBe(stats.regions); // G2
    expect(stats.interrupted).toBeGreaterThan(0);
    expect(stats.interrupted).toBeLessThanOrEqual(accepted);
    // G6: the worker still answers.
    expect(await a.run('return lib.interruptible(() => "alive")')).toEqual({ ok: true, value: 'alive' });
  });
});
