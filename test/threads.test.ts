// Interrupts across threads: main -> worker, worker -> main, worker -> worker (G1, G2, G9).
import { afterEach, describe, expect, it } from 'vitest';
import { InterruptError, currentThreadHandle, interrupt, interruptible } from '../dist/index.js';
import { Agent, expectInterrupted } from './helpers.js';

const agents: Agent[] = [];
async function agent(): Promise<Agent> {
  const a = await Agent.start();
  agents.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

const spinInRegion = `
  return lib.interruptible((scope) => {
    post(scope.handle);
    for (;;) {}
  });
`;

describe('main thread interrupts a worker', () => {
  it('G2: a busy loop in the worker throws a typed InterruptError caught outside the region', async () => {
    const a = await agent();
    const { first, done } = a.start(`
      try { ${spinInRegion} }
      catch (e) { return { caught: e instanceof lib.InterruptError, reason: e.reason, code: e.code }; }
    `);
    expect(interrupt((await first) as never, 'enough')).toBe(true);
    expect(await done).toEqual({ ok: true, value: { caught: true, reason: 'enough', code: 'ERR_INTERRUPTED' } });
  });

  it('G6: the same worker then runs the next job', async () => {
    const a = await agent();
    const { first, done } = a.start(spinInRegion);
    interrupt((await first) as never);
    expectInterrupted(await done);
    expect(await a.run('return lib.interruptible(() => 6 * 7)')).toEqual({ ok: true, value: 42 });
  });

  it('G1: a thread handle interrupts whatever region the worker runs, and only while it runs one', async () => {
    const a = await agent();
    expect(interrupt(a.handle, 'idle')).toBe(false); // idle worker: dropped
    const { first, done } = a.start(spinInRegion);
    await first;
    expect(interrupt(a.handle, 'busy')).toBe(true);
    expect(expectInterrupted(await done).message).toMatch(/busy/);
    // The earlier request to the idle worker never hit this later region.
    expect(await a.run('return lib.interruptible(() => "clean")')).toEqual({ ok: true, value: 'clean' });
  });

  it('G9: a region blocked in Atomics.wait is woken and interrupted', async () => {
    const a = await agent();
    const { first, done } = a.start(`
      const cell = new Int32Array(new SharedArrayBuffer(4));
      return lib.interruptible((scope) => {
        post(scope.handle);
        Atomics.wait(cell, 0, 0); // forever, unless woken
        return 'woke without an interrupt';
      });
    `);
    interrupt((await first) as never, 'wake');
    expect(expectInterrupted(await done)).toMatchObject({ isInterruptError: true, message: expect.stringMatching(/wake/) });
  });

  it('G1: interrupt() returns false for a worker that has exited', async () => {
    const a = await agent();
    const handle = a.handle;
    await a.stop();
    expect(interrupt(handle)).toBe(false);
  });
});

describe('a worker interrupts the main thread', () => {
  it('G2: the main thread region throws InterruptError and main goes on', async () => {
    const entered = new Int32Array(new SharedArrayBuffer(4));
    const b = await agent();
    // The worker waits (Atomics) until main is inside its region, then interrupts it.
    const requested = b.run(
      'Atomics.wait(args.entered, 0, 0); return lib.interrupt(args.handle, "from worker");',
      { entered, handle: currentThreadHandle() },
    );
    let error: unknown;
    try {
      interruptible(() => {
        Atomics.store(entered, 0, 1);
        Atomics.notify(entered, 0);
        for (;;) {
          /* spin until the worker interrupts us */
        }
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).reason).toBe('from worker');
    expect(await requested).toEqual({ ok: true, value: true });
    expect(interruptible(() => 'main goes on')).toBe('main goes on');
  });
});

describe('a worker interrupts another worker', () => {
  it('G2: the target worker throws InterruptError; the requester sees true', async () => {
    const [target, requester] = [await agent(), await agent()];
    const entered = new Int32Array(new SharedArrayBuffer(4));
    const done = target.run(
      `try {
         return lib.interruptible(() => { Atomics.store(args.entered, 0, 1); Atomics.notify(args.entered, 0); for (;;) {} });
       } catch (e) { return e instanceof lib.InterruptError ? e.reason : 'other: ' + e; }`,
      { entered },
    );
    const sent = requester.run('Atomics.wait(args.entered, 0, 0); return lib.interrupt(args.handle, "peer");', {
      entered,
      handle: target.handle,
    });
    expect(await sent).toEqual({ ok: true, value: true });
    expect(await done).toEqual({ ok: true, value: 'peer' });
  });
});
