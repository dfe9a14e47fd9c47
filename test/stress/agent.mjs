// One participant of the stress run (a worker, or the main thread between bursts):
// random trees of nested regions with deferred cleanups, shields, deadlines and
// checkpoints, while others interrupt it at random; and random interrupts at others.
// Every invariant it can check locally is checked here; failures are collected.
import v8 from 'node:v8';
import vm from 'node:vm';
import * as lib from '../../dist/index.js';

v8.setFlagsFromString('--expose-gc');
/** A full garbage collection of this thread's isolate. */
export const fullGc = vm.runInNewContext('gc');

export function rng(seed) {
  let s = seed | 0;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0; // mulberry32
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

class Own extends Error {}

/**
 * shared: { tokens: Int32Array (innermost region token per participant), threads:
 * Int32Array (addon thread ids), nonce }. index: this participant's slot.
 */
export function createAgent({ index, seed, shared }) {
  const rand = rng(seed);
  const stats = { trees: 0, delivered: 0, regions: 0, returned: 0, own: 0, interrupted: 0, timeouts: 0, viaCheckpoint: 0, sent: 0, accepted: 0, failures: [] };
  const fail = (what) => {
    if (stats.failures.length < 20) stats.failures.push(what);
  };
  const state = { a: 0, b: 0 };
  let n = 0;
  const stack = []; // tokens of this participant's active regions

  function work(scope) {
    const steps = rand(6);
    for (let s = 0; s < steps; s++) {
      switch (rand(5)) {
        case 0:
          lib.shield(() => {
            const v = ++n;
            state.a = v;
            for (let i = 0; i < 200; i++);
            state.b = v;
          });
          if (state.a !== state.b) fail('G4: a shielded update was seen half-done');
          break;
        case 1:
          try {
            scope.checkpoint();
          } catch (e) {
            e.viaCheckpoint = true;
            throw e;
          }
          break;
        case 2:
          if (rand(50) === 0 && !process.env.STRESS_NO_FIRE) lib.interrupt(scope.handle, { token: scope.handle.region, self: true });
          break;
        case 3:
          if (rand(40) === 0) throw new Own('own');
          break;
        default: {
          let x = 0;
          const k = rand(20_000);
          for (let i = 0; i < k; i++) x += i;
        }
      }
    }
  }

  /** cleanups: per region, [times its cleanup ran, whether its defer() had returned]. */
  function region(level, cleanups) {
    if (level === 1) stats.regions++;
    const timeout = rand(6) === 0 && !process.env.STRESS_NO_TIMEOUT ? 1 + rand(3) : undefined;
    let token = 0;
    let outcomes = 0;
    try {
      const value = lib.interruptible(
        (scope) => {
          token = scope.handle.region;
          stack.push(token);
          Atomics.store(shared.tokens, index, token);
          const id = cleanups.length;
          cleanups.push([0, false]);
          scope.defer(() => {
            cleanups[id][0]++;
            const v = ++n;
            state.a = v;
            for (let i = 0; i < 50; i++);
            state.b = v;
          });
          // An interrupt can land between defer() and this line: then the cleanup runs
          // although it is not marked; a marked one must run exactly once.
          cleanups[id][1] = true;
          work(scope);
          if (level < 3 && rand(2) === 0) region(level + 1, cleanups);
          work(scope);
          return token;
        },
        timeout ? { timeout } : undefined,
      );
      outcomes++;
      if (level === 1) stats.returned++;
      if (value !== token) fail(`G2: returned ${value}, expected ${token}`);
    } catch (e) {
      outcomes++;
      const count = (key) => level === 1 && stats[key]++;
      if (e instanceof lib.TimeoutError && e.viaCheckpoint) {
        count('viaCheckpoint'); // an expired deadline of this region or an outer one
      } else if (e instanceof lib.TimeoutError) {
        count('timeouts');
        stats.delivered++;
        if (e.timeout !== timeout) fail(`G5: a TimeoutError(${e.timeout}) in a region with timeout ${timeout}`);
      } else if (e instanceof lib.InterruptError) {
        const target = e.reason?.token;
        if (e.viaCheckpoint) {
          count('viaCheckpoint');
          if (!stack.includes(target)) fail(`G5: checkpoint() threw for region ${target}, not active here`);
        } else {
          count('interrupted');
          stats.delivered++;
          if (target !== token) fail(`G5: region ${token} threw an interrupt aimed at ${target}`);
        }
      } else if (e instanceof Own) {
        count('own');
      } else {
        fail(`G2: unexpected ${e?.name}: ${e?.message}`);
      }
    } finally {
      stack.length = stack.indexOf(token) >= 0 ? stack.indexOf(token) : stack.length;
      Atomics.store(shared.tokens, index, stack.length ? stack[stack.length - 1] : 0);
    }
    if (outcomes !== 1) fail(`G2: ${outcomes} outcomes`);
  }

  return {
    stats,
    /** One random tree of regions; checks that every cleanup ran exactly once. */
    tree() {
      stats.trees++;
      const cleanups = [];
      region(1, cleanups);
      if (stack.length !== 0) fail('a region stack was left behind');
      const bad = cleanups.filter(([ran, marked]) => ran > 1 || (marked && ran !== 1));
      if (bad.length) fail(`G3: cleanups ran ${JSON.stringify(bad)} times`);
      if (state.a !== state.b) fail('G4: a cleanup update was seen half-done');
    },
    /** A few interrupts at random regions of other participants. */
    fire(count) {
      if (process.env.STRESS_NO_FIRE) return;
      const others = shared.tokens.length;
      for (let i = 0; i < count; i++) {
        const j = rand(others);
        if (j === index) continue;
        const thread = Atomics.load(shared.threads, j);
        const token = Atomics.load(shared.tokens, j);
        if (thread === 0 || token === 0) continue;
        stats.sent++;
        const grace = rand(4) === 0 && !process.env.STRESS_NO_GRACE ? rand(3) : 0;
        try {
          const handle = { kind: 'interruptible.handle', process: shared.nonce, thread, region: token };
          if (lib.interrupt(handle, process.env.STRESS_NO_REASON ? undefined : { token, from: index }, { grace })) stats.accepted++;
        } catch (e) {
          fail(`interrupt() threw ${e?.message}`);
        }
      }
    },
  };
}
