// G10: reasons cross threads by structured clone; registered classes are rebuilt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, interrupt, interruptible, isInterrupt, registerInterruptType } from '../dist/index.js';
import { Agent, interruptedWith } from './helpers.js';

class QuotaExceeded extends Error {
  constructor(readonly quota: number) {
    super(`quota of ${quota} exceeded`);
  }
}
registerInterruptType(QuotaExceeded);


function interruptErrorFor(reason: unknown): InterruptError {
  return interruptedWith(reason) as InterruptError;
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
    // the message says "interrupted", then ": " and the reason when there is one
    if (reason === undefined) expect(error.message).toMatch(/interrupted$/);
    else expect(error.message).toMatch(/interrupted: /);
  });

  it('an Error keeps its class, message and own properties', () => {
    const reason = Object.assign(new RangeError('too far'), { limit: 3 });
    const error = interruptedWith(reason) as InterruptError;
    expect(error.reason).toBeInstanceOf(RangeError);
    expect(error.reason).toMatchObject({ message: 'too far', limit: 3 });
    expect(error.message).toBe('region interrupted: RangeError: too far');
  });

  it.each([
    ['Error', new Error('e')],
    ['TypeError', new TypeError('e')],
    ['RangeError', new RangeError('e')],
    ['SyntaxError', new SyntaxError('e')],
    ['ReferenceError', new ReferenceError('e')],
    ['EvalError', new EvalError('e')],
    ['URIError', new URIError('e')],
    ['InterruptError', new InterruptError('e')],
    ['TimeoutError', new TimeoutError('e', 5)],
  ])('a %s keeps its class without being registered', (name, reason) => {
    const back = interruptErrorFor(reason).reason as Error;
    expect(back).toBeInstanceOf(reason.constructor);
    expect(back.constructor).toBe(reason.constructor);
    expect(back.name).toBe(name);
  });

  it("an Error keeps its stack (the requester's) and its own property names", () => {
    const reason = Object.assign(new RangeError('too far'), { limit: 3 });
    const back = interruptErrorFor(reason).reason as Error;
    expect(back.stack).toBe(reason.stack);
    expect(Object.getOwnPropertyNames(back).sort()).toEqual(Object.getOwnPropertyNames(reason).sort());
    expect(Object.keys(back)).toEqual(['limit']);

    const stackless = new Error('no stack');
    delete stackless.stack;
    const back2 = interruptErrorFor(stackless).reason as Error;
    expect(back2.message).toBe('no stack');
    expect(Object.getOwnPropertyNames(back2)).toEqual(Object.getOwnPropertyNames(stackless));
  });

  it("an Error's own properties are ordinary properties again: writable, deletable, enumerable", () => {
    const back = interruptErrorFor(Object.assign(new Error('m'), { limit: 3 })).reason as Error & { limit?: number };
    expect({ ...back }).toEqual({ limit: 3 });
    back.limit = 4;
    expect(back.limit).toBe(4);
    expect(delete back.limit).toBe(true);
    expect('limit' in back).toBe(false);
    // message and stack stay out of Object.keys, as on any Error, yet can be changed
    back.message = 'changed';
    back.stack = 'changed stack';
    expect(back.message).toBe('changed');
    expect(back.stack).toBe('changed stack');
    expect(Object.keys(back)).toEqual([]);
    expect(delete (back as { stack?: string }).stack).toBe(true);
    expect(Object.getOwnPropertyNames(back)).toEqual(['message']);
  });

  it("an unregistered class's name arrives in error.name and in the message", () => {
    class BudgetExceeded extends Error {}
    BudgetExceeded.prototype.name = 'BudgetExceeded';
    const error = interruptErrorFor(new BudgetExceeded('over'));
    expect(error.reason).toBeInstanceOf(Error);
    expect((error.reason as Error).name).toBe('BudgetExceeded');
    expect(error.message).toMatch(/: BudgetExceeded: over$/);
  });

  it('an Error with a cause keeps it, rebuilt; one without a cause arrives without one', () => {
    const inner = Object.assign(new TypeError('inner'), { code: 'E_INNER' });
    const back = interruptErrorFor(new Error('outer', { cause: inner })).reason as Error;
    expect(back.cause).toBeInstanceOf(TypeError);
    expect(back.cause).toMatchObject({ message: 'inner', code: 'E_INNER' });
    expect(Object.keys(back)).toEqual([]); // cause is not enumerable, as on the original
    const plain = interruptErrorFor(new Error('alone')).reason as Error;
    expect('cause' in plain).toBe(false);
  });

  it('Errors nested up to 8 levels deep (cause or property) keep their own properties; deeper ones arrive as clones', () => {
    let cause: Error | undefined;
    let prop: Error | undefined;
    for (let level = 11; level >= 0; level--) {
      cause = Object.assign(new RangeError(`cause ${level}`, cause && { cause }), { level });
      prop = Object.assign(new RangeError(`prop ${level}`), { level, inner: prop });
    }
    for (const [start, next] of [
      [cause, (e: Error) => e.cause],
      [prop, (e: Error) => (e as Error & { inner: unknown }).inner],
    ] as const) {
      let e = interruptErrorFor(start).reason as Error & { level?: number };
      for (let level = 0; level <= 11; level++) {
        expect(e).toBeInstanceOf(RangeError);
        expect(e.message).toMatch(new RegExp(` ${level}$`));
        expect(e.level).toBe(level <= 8 ? level : undefined);
        if (level === 11) break;
        e = next(e) as Error & { level?: number };
        if (level >= 9 && e === undefined) break; // a clone past the limit may drop what it nests
      }
    }
  });

  it('an Error whose constructor property is gone still crosses, as an Error with its name and message', () => {
    const reason = new TypeError('orphan');
    Object.defineProperty(reason, 'constructor', { value: undefined });
    const back = interruptErrorFor(reason).reason as Error;
    expect(back).toBeInstanceOf(Error);
    expect(back).toMatchObject({ name: 'TypeError', message: 'orphan' });
  });

  it('a registered class that cannot be rebuilt here arrives as an Error saying so, with the failure as its cause', () => {
    // A private field is not an own property: the rebuilt object lacks it.
    class Fragile extends Error {
      #code = 7;
      override get name() {
        return `Fragile${this.#code}`;
      }
    }
    registerInterruptType(Fragile);
    const error = interruptErrorFor(new Fragile('brittle'));
    expect(error).toBeInstanceOf(InterruptError);
    expect(error.reason).toBeInstanceOf(Error);
    expect((error.reason as Error).message).toMatch(/could not be rebuilt.*TypeError: .*private/);
    expect((error.reason as Error).cause).toBeInstanceOf(TypeError);
  });

  it("a long object reason is described on one line in the error's message", () => {
    const reason = { why: 'budget exceeded', where: 'the nightly import job', queue: 'invoices', attempt: 3, owner: 'billing' };
    const error = interruptErrorFor(reason);
    expect(error.message).toMatch(/interrupted: \{ why: 'budget exceeded'/);
    expect(error.message).not.toContain('\n');
    // util.inspect groups arrays of more than six items over several lines unless told not to.
    const ids = Array.from({ length: 40 }, (_, i) => i);
    expect(interruptErrorFor({ stale: ids, note: 'two\nlines' }).message).toBe(`region interrupted: { stale: [ ${ids.join(', ')} ], note: 'two\\nlines' }`);
  });

  it('a signal reason that cannot be described still interrupts, and the message says so', () => {
    class Nameless extends Error {
      override get name(): string {
        throw new Error('no name');
      }
    }
    const controller = new AbortController();
    const reason = new Nameless('hidden');
    let error: unknown;
    try {
      interruptible(
        () => {
          controller.abort(reason);
          for (;;) {
            /* spin */
          }
        },
        { signal: controller.signal },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).reason).toBe(reason);
    expect((error as Error).message).toMatch(/cannot be described/);
  });

  it('a registered Error class is thrown as itself, so instanceof works', () => {
    const reason = new QuotaExceeded(10);
    const error = interruptedWith(reason);
    expect(error).toBeInstanceOf(QuotaExceeded);
    expect((error as QuotaExceeded).quota).toBe(10);
    expect(isInterrupt(error)).toBe(true);
    expect((error as { interruptedAt?: unknown[] }).interruptedAt?.length).toBeGreaterThan(0);
    // G11: its stack is the requester's, then where it landed
    const [before, after] = ((error as Error).stack ?? '').split('\n    --- interrupted at ---\n');
    expect(before).toBe(reason.stack);
    expect(after).toMatch(/^ {4}at interrupt /);
  });

  it('a registered reason sent without a stack arrives without one, its frames in interruptedAt', () => {
    const reason = new QuotaExceeded(2);
    delete reason.stack;
    const error = interruptedWith(reason) as QuotaExceeded & { interruptedAt: unknown[] };
    expect(error).toBeInstanceOf(QuotaExceeded);
    expect(error.stack).toBeUndefined();
    expect(error.interruptedAt.length).toBeGreaterThan(0);
  });

  it('a reason that cannot be cloned is a TypeError at the requester, with the clone error as its cause', () => {
    interruptible((scope) => {
      expect(() => interrupt(scope.handle, () => 1)).toThrow(TypeError);
      expect(() => interrupt(scope.handle, () => 1)).toThrow(/structured-cloneable/);
      let error: unknown;
      try {
        interrupt(scope.handle, { f: () => 1 });
      } catch (e) {
        error = e;
      }
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect(((error as Error).cause as Error).message).toMatch(/could not be cloned/);
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
