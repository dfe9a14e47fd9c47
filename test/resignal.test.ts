// A request that arrives while a termination of ours is already in flight on its thread
// cannot be acted on then (one termination at a time): the boundary that ends the first one
// must signal the thread again, or the second request waits until its region ends by itself.
// Two threads interrupt an inner and an outer region of a third at the same moment, round
// after round; every round the outer region must end promptly, not when its loop gives up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interrupt, type InterruptHandle } from '../dist/index.js';
import { Agent } from './helpers.js';

const ROUNDS = 300;
const LOOP_MS = 3_000; // how long each region of the target would run if never interrupted
// Shared cells: [0] the round whose regions are entered; [1] inner token; [2] outer token;
// [3] rounds the helper has fired.
const ROUND = 0;
const INNER = 1;
const OUTER = 2;
const HELPER = 3;

describe('a check missed while a termination is in flight is made again', () => {
  let target: Agent;
  let helpers: Agent[];
  beforeAll(async () => {
    target = await Agent.start();
    helpers = [await Agent.start(), await Agent.start()];
  });
  afterAll(() => Promise.all([target.stop(), ...helpers.map((h) => h.stop())]));

  it('G9 G12: an outer request racing an inner one still lands promptly, every round', async () => {
    const cells = new Int32Array(new SharedArrayBuffer(16));
    const { first, done } = target.start(
      `
      const { cells, rounds, loopMs } = args;
      post(lib.currentThreadHandle());
      const slow = [];
      for (let r = 1; r <= rounds; r++) {
        const t0 = performance.now();
        let how = 'outer returned';
        try {
          lib.interruptible((outer) => {
            cells[${OUTER}] = outer.handle.region;
            try {
              lib.interruptible((inner) => {
                cells[${INNER}] = inner.handle.region;
                Atomics.store(cells, ${ROUND}, r);
                Atomics.notify(cells, ${ROUND});
                const end = Date.now() + loopMs;
                while (Date.now() < end);
              });
            } catch {}
            const end = Date.now() + loopMs;
            while (Date.now() < end);
          });
        } catch (e) {
          how = e.reason === 'outer' ? 'outer interrupted' : 'other: ' + e.message;
        }
        const ms = performance.now() - t0;
        if (how !== 'outer interrupted' || ms > loopMs / 2) slow.push({ r, how, ms: Math.round(ms) });
        // Both requests of this round were made before the next one starts.
        while (Atomics.load(cells, ${HELPER}) < r) Atomics.wait(cells, ${HELPER}, Atomics.load(cells, ${HELPER}), 10);
      }
      return slow;
      `,
      { cells, rounds: ROUNDS, loopMs: LOOP_MS },
    );
    const template = (await first) as InterruptHandle;
    // Two helpers, woken together: one interrupts the inner region of each round, the other
    // the outer one. (Both must be done with a round before the next one starts.)
    const fire = (helper: Agent, cell: number, reason: string, counts: boolean) =>
      helper.run(
        `
        const { cells, rounds, template, cell, reason, counts } = args;
        for (let r = 1; r <= rounds; r++) {
          while (Atomics.load(cells, ${ROUND}) < r) Atomics.wait(cells, ${ROUND}, Atomics.load(cells, ${ROUND}));
          lib.interrupt({ ...template, region: Atomics.load(cells, cell) }, reason);
          if (counts) {
            Atomics.store(cells, ${HELPER}, r);
            Atomics.notify(cells, ${HELPER});
          }
        }
        `,
        { cells, rounds: ROUNDS, template, cell, reason, counts },
      );
    const helping = Promise.all([fire(helpers[0]!, INNER, 'inner', false), fire(helpers[1]!, OUTER, 'outer', true)]);
    expect(await helping).toMatchObject([{ ok: true }, { ok: true }]);
    const outcome = await done;
    expect(outcome).toEqual({ ok: true, value: [] });
  }, 120_000);
});
