// G10: reasons cross threads by structured clone; registered classes are rebuilt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, isInterrupt, registerInterruptType } from '../dist/index.js';
import { Agent } from './helpers.js';

class QuotaExceeded extends Error {
  constructor(readonly quota: number) {
    super(`quota of ${quota} exceeded`);
  }
}
registerInterruptType(QuotaExceeded);

function interruptedWith(reason: unknown): unknown {
  try {
    interruptible((scope) => {
      interrupt(scope.handle, reason);
      for (;;) {
        /* spin */
      }
    });
  } catch (error) {
    return error;
  }
  throw new Error('not interrupted');
}

describe('G10: typed reasons on the same thread', () => {
  it.each([
    ['undefined', undefined],
    ['a string', 'stop'],
    ['an object', { why: 'budget', left: [1, 2] }],
  ])('%s arrives as a structured clone in error.reason', (_label, reason) => {
    const error = interruptedWith(reason) as InterruptError;
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.reason).toEqual(reason);
    if (reason === undefined) expect('cause' in error).toBe(false);
    else expect(error.cause).toEqual(reason);
  });

  it('an Error keeps its class, message and own properties', () => {
    const reason = Object.assign(new RangeError('too far'), { limit: 3 });
    const error = interruptedWith(reason) as InterruptError;
    expect(error.reason).toBeInstanceOf(RangeError);
    expect(error.reason).toMatchObject({ message: 'too far', limit: 3 });
    expect(error.message).toBe('region interrupted: RangeError: too far');
  });

  it('a registered Error class is thrown as itself, so instanceof works', () => {
    const error = interruptedWith(new QuotaExceeded(10));
    expect(error).toBeInstanceOf(QuotaExceeded);
    expect((error as QuotaExceeded).quota).toBe(10);
    expect(isInterrupt(error)).toBe(true);
    expect((error as { interruptedAt?: unknown[] }).interruptedAt?.length).toBeGreaterThan(0);
  });

  it('a reason that cannot be cloned is a TypeError at the requester', () => {
    interruptible((scope) => {
      expect(() => interrupt(scope.handle, () => 1)).toThrow(TypeError);
      expect(() => interrupt(scope.handle, () => 1)).toThrow(/structured-cloneable/);
    });
  });
});

describe('G10: the wire form is private and robust', () => {
  it('a plain object shaped like an internal record arrives as itself, not as an Error', () => {
    const forged = { error: { ctor: 'TypeError', name: 'TypeError', message: 'forged', props: [] }, __interruptibleError__: true };
    const error = interruptedWith(forged) as InterruptError;
    expect(error.reason).toEqual(forged);
    expect(error.reason).not.toBeInstanceOf(Error);
  });

  it('an Error whose own properties point back to itself crosses intact, without hanging', () => {
    const reason = new Error('loop') as Error & Record<string, unknown>;
    for (let i = 0; i < 10; i++) reason[`self${i}`] = reason;
    const error = interruptedWith(reason) as InterruptError;
    const back = error.reason as Error & Record<string, unknown>;
    expect(back.message).toBe('loop');
    expect(back['self0']).toBe(back);
    expect(back['self9']).toBe(back);
  });

  it('a registered class whose prototype has a throwing setter is rebuilt without running it', () => {
    class Guarded extends Error {
      set limit(_v: number) {
        throw new Error('setter ran');
      }
    }
    registerInterruptType(Guarded);
    const reason = new Guarded('guarded');
    Object.defineProperty(reason, 'limit', { value: 5, enumerable: true, writable: true, configurable: true });
    const error = interruptedWith(reason);
    expect(error).toBeInstanceOf(Guarded);
    expect((error as unknown as { limit: number }).limit).toBe(5);
  });
});

describe('G10: typed reasons across threads', () => {
  let a: Agent;
  beforeAll(async () => {
    a = await Agent.start();
  });
  afterAll(() => a.stop());

  async function interruptWorker(reason: unknown, register: boolean) {
    const { first, done } = a.start(`
      class QuotaExceeded extends Error { constructor(q) { super('quota of ' + q + ' exceeded'); this.quota = q; } }
      if (args.register) lib.registerInterruptType(QuotaExceeded);
      try { lib.interruptible((scope) => { post(scope.handle); for (;;) {} }); }
      catch (e) {
        return { isQuota: e instanceof QuotaExceeded, isInterrupt: lib.isInterrupt(e), quota: e.quota ?? e.reason?.quota,
                 reasonClass: e.reason?.constructor?.name, name: e.name, message: e.message };
      }
    `, { register });
    interrupt((await first) as never, reason);
    return done;
  }

  it('an Error of a class registered in the target thread is rebuilt as that class', async () => {
    const o = await interruptWorker(new QuotaExceeded(5), true);
    expect(o).toEqual({
      ok: true,
      value: { isQuota: true, isInterrupt: true, quota: 5, reasonClass: undefined, name: 'Error', message: 'quota of 5 exceeded' },
    });
  });

  it('an unregistered Error class arrives as an Error with its name and properties', async () => {
    class BudgetExceeded extends Error {
      readonly quota = 6;
      override name = 'BudgetExceeded';
    }
    const o = await interruptWorker(new BudgetExceeded('over budget'), false);
    expect(o).toEqual({
      ok: true,
      value: {
        isQuota: false,
        isInterrupt: true,
        quota: 6,
        reasonClass: 'Error',
        name: 'InterruptError',
        message: 'region interrupted: BudgetExceeded: over budget',
      },
    });
  });

  it('a plain object reason crosses threads intact', async () => {
    const { first, done } = a.start(`
      try { lib.interruptible((scope) => { post(scope.handle); for (;;) {} }); }
      catch (e) { return e.reason; }
    `);
    interrupt((await first) as never, { nested: { list: [1, 'two'], at: new Date(0) } });
    expect(await done).toEqual({ ok: true, value: { nested: { list: [1, 'two'], at: new Date(0) } } });
  });
});
