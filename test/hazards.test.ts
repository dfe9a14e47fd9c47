// The Hazards table of README.md, row by row: an interrupt landing inside each context,
// and the outcome we promise for it (what works, what the boundary repairs, what is held,
// what is left tainted and documented). All on the main thread.
import { AsyncLocalStorage, AsyncResource, executionAsyncId } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { readFile, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, type Scope } from '../dist/index.js';
import { addon } from '../dist/native.js';
import { encodeReason } from '../dist/reasons.js';
import { spin } from './helpers.js';

/** Asks for an interrupt that lands a few ms from now, inside whatever runs then. */
function soon(scope: Scope): void {
  interrupt(scope.handle, 'hazard', { grace: 5 });
}

/** Runs a region; returns the InterruptError it threw (fails if it threw anything else). */
function interruptedBy(fn: (scope: Scope) => unknown): InterruptError {
  try {
    interruptible(fn);
  } catch (error) {
    expect(error).toBeInstanceOf(InterruptError);
    return error as InterruptError;
  }
  throw new Error('the region was not interrupted');
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('hazards: repaired by the boundary', () => {
  it('AsyncLocalStorage.run(): the store after the region is the one before it, also in later callbacks', async () => {
    const als = new AsyncLocalStorage<string>();
    als.enterWith('outer');
    interruptedBy((scope) => als.run('inner', () => (soon(scope), spin())));
    expect(als.getStore()).toBe('outer');
    await tick();
    expect(als.getStore()).toBe('outer');
  });

  it('AsyncLocalStorage.enterWith(): rolled back when the region is interrupted', async () => {
    const als = new AsyncLocalStorage<string>();
    als.enterWith('outer');
    interruptedBy((scope) => {
      als.enterWith('entered');
      soon(scope);
      spin();
    });
    expect(als.getStore()).toBe('outer');
  });

  it('require() of a CommonJS module whose top level spins: removed from require.cache, the next require evaluates it afresh', () => {
    const file = join(tmpdir(), `interruptible-spin-${process.pid}.cjs`);
    writeFileSync(file, 'exports.first = 1;\nif (globalThis.__spin) { const end = Date.now() + 10000; while (Date.now() < end); }\nexports.second = 2;\n');
    const require = createRequire(import.meta.url);
    (globalThis as { __spin?: boolean }).__spin = true;
    interruptedBy((scope) => (soon(scope), require(file)));
    (globalThis as { __spin?: boolean }).__spin = false;
    expect(require.cache[file]).toBeUndefined();
    expect(require(file)).toEqual({ first: 1, second: 2 });
  });
});

describe('hazards: held, not interrupted', () => {
  it('AsyncResource.runInAsyncScope(): delivered when the scope returns; the async-id stack stays sound', async () => {
    const resource = new AsyncResource('hazard');
    let scopeFinished = false;
    let scopeEnding = Number.NaN;
    let idInside = 0;
    const before = executionAsyncId();
    interruptedBy((scope) => {
      resource.runInAsyncScope(() => {
        idInside = executionAsyncId();
        interrupt(scope.handle, 'hazard'); // made inside the scope, however loaded the machine
        const end = Date.now() + 40; // well past the request: it is held meanwhile
        while (Date.now() < end);
        scopeFinished = true;
        // Read inside the scope, where the request is still held: the first check after the
        // scope returns may deliver it, before any statement after runInAsyncScope runs.
        scopeEnding = performance.now();
      });
      spin();
    });
    // Delivered soon after the scope returned (the held request is retried), not only
    // when the region ends (spin() gives up after 10 s).
    expect(performance.now() - scopeEnding).toBeLessThan(5_000);
    expect(scopeFinished).toBe(true);
    expect(idInside).not.toBe(before);
    expect(executionAsyncId()).toBe(before);
    await tick(); // a corrupted async-id stack would abort the process here
  });

  it('a request held by a foreign async scope is retried even when an inner region ends at the same decision', () => {
    // Both requests are filed as another thread would (addon.interruptAsRemote, test-only),
    // before any stack check: one callback then sees both, the outer region held (the async
    // scope was opened inside it) and the inner one free to end. The inner region ends; the
    // outer request must still be retried and land soon after the scope returns, not only
    // at the outer region's exit (native/callback.cc, Decide).
    const resource = new AsyncResource('hazard');
    const touch = (): number => 1;
    let innerReason: unknown;
    let scopeEnding = Number.NaN;
    const outcome = interruptedBy((outer) => {
      resource.runInAsyncScope(() => {
        try {
          interruptible((inner) => {
            const file = addon!.interruptAsRemote;
            const [thread, outerToken, innerToken] = [outer.handle.thread, outer.handle.region, inner.handle.region];
            const [forOuter, forInner] = [encodeReason('outer'), encodeReason('inner')];
            file(thread, outerToken, forOuter, 0); // no JavaScript call between these two
            file(thread, innerToken, forInner, 0);
            touch();
            spin();
          });
        } catch (error) {
          innerReason = (error as InterruptError).reason;
        }
        scopeEnding = performance.now(); // the outer request is still held here
      });
      spin();
    });
    expect(innerReason).toBe('inner');
    expect(outcome.reason).toBe('outer');
    expect(performance.now() - scopeEnding).toBeLessThan(5_000); // spin() gives up after 10 s
  });
});

describe('hazards: fine', () => {
  it.each([
    ['a JSON.parse reviver', () => JSON.parse('{"a":1}', () => spin())],
    ['an Array.prototype.sort comparator', () => [3, 1, 2].sort(() => spin())],
    ['a String.prototype.replace callback', () => 'abc'.replace(/b/, () => spin())],
    ['a Proxy ownKeys trap called by Object.keys', () => Object.keys(new Proxy({}, { ownKeys: () => spin() }))],
    ['a getter called by Object.assign', () => Object.assign({}, { get x() { return spin(); } })],
    ['a Promise executor', () => new Promise(() => spin())],
    ['catastrophic regex backtracking', () => /(a+)+$/.test(`${'a'.repeat(40)}!`)],
  ])('%s: interrupted, and it works afterwards', (_label, body) => {
    interruptedBy((scope) => (soon(scope), body()));
    expect(JSON.parse('{"a":1}', (_k, v: unknown) => v)).toEqual({ a: 1 });
    expect([3, 1, 2].sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it('a sort comparator: the array is left unchanged (V8 sorts a copy)', () => {
    const array = [3, 1, 2];
    interruptedBy((scope) => (soon(scope), array.sort(() => spin())));
    expect(array).toEqual([3, 1, 2]);
  });

  it('a WebAssembly infinite loop: interrupted, and the instance is callable again', () => {
    // (module (func (export "loop") (loop (br 0))) (func (export "one") (result i32) i32.const 1))
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7f,
      0x03, 0x03, 0x02, 0x00, 0x01, 0x07, 0x0e, 0x02, 0x04, 0x6c, 0x6f, 0x6f, 0x70, 0x00, 0x00, 0x03, 0x6f, 0x6e,
      0x65, 0x00, 0x01, 0x0a, 0x0e, 0x02, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, 0x04, 0x00, 0x41, 0x01,
      0x0b,
    ]);
    const wasm = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object) => { exports: unknown } } }).WebAssembly;
    const { loop, one } = new wasm.Instance(new wasm.Module(bytes)).exports as { loop: () => void; one: () => number };
    interruptedBy((scope) => (soon(scope), loop()));
    expect(one()).toBe(1);
  });

  it('Atomics.wait on the main thread is woken and interrupted', () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    interruptedBy((scope) => (soon(scope), Atomics.wait(cell, 0, 0, 10_000)));
  });

  it('recursion close to a stack overflow: interrupted, and the stack is usable afterwards', () => {
    let overflows = 0;
    const recurse = (n: number): number => recurse(n + 1) + 1;
    interruptedBy((scope) => {
      for (;;) {
        try {
          recurse(0);
        } catch {
          // RangeError: Maximum call stack size exceeded, again and again. The request is
          // made after the first one, so that it lands in a later recursion.
          if (overflows++ === 0) soon(scope);
        }
      }
    });
    expect(overflows).toBeGreaterThan(0);
    const depth = (n: number): number => (n === 0 ? 0 : 1 + depth(n - 1));
    expect(depth(1000)).toBe(1000);
  });

  it('EventEmitter.emit(): a listener is interrupted; the later listeners of that emit are skipped, the next emit is whole', () => {
    const emitter = new EventEmitter();
    const heard: string[] = [];
    let stuck = true;
    let target!: Scope;
    emitter.on('e', () => heard.push('first'));
    // The request is made inside the listener (a self-interrupt lands at once), so that it
    // lands there however loaded the machine is.
    emitter.on('e', () => (stuck ? (interrupt(target.handle, 'hazard'), spin()) : heard.push('second')));
    emitter.on('e', () => heard.push('third'));
    interruptedBy((scope) => ((target = scope), emitter.emit('e')));
    expect(heard).toEqual(['first']);
    stuck = false;
    emitter.emit('e');
    expect(heard).toEqual(['first', 'first', 'second', 'third']);
  });

  it.each([
    ['a timer', (run: () => void) => setTimeout(run, 0)],
    ['an I/O callback', (run: () => void) => readFile(import.meta.filename ?? __filename, () => run())],
    ['a promise reaction', (run: () => void) => void Promise.resolve().then(run)],
  ])('a region whose caller is %s: the error is caught there and the event loop goes on', async (_label, schedule) => {
    const caught = await new Promise<unknown>((resolve) =>
      schedule(() => {
        try {
          interruptible((scope) => (soon(scope), spin()));
          resolve('not interrupted');
        } catch (error) {
          resolve(error);
        }
      }),
    );
    expect(caught).toBeInstanceOf(InterruptError);
    await tick();
    expect(await new Promise((resolve) => setImmediate(() => resolve('loop alive')))).toBe('loop alive');
  });
});

describe('hazards: not reached by an interrupt (documented)', () => {
  it('microtasks and process.nextTick queued inside the region still run after it was interrupted', async () => {
    const ran: string[] = [];
    interruptedBy((scope) => {
      queueMicrotask(() => ran.push('microtask'));
      process.nextTick(() => ran.push('nextTick'));
      void Promise.resolve().then(() => ran.push('reaction'));
      soon(scope);
      spin();
    });
    await tick();
    expect(ran.sort()).toEqual(['microtask', 'nextTick', 'reaction']);
  });

  it('an async function: its code before the first await is in the region; after it, outside', async () => {
    let after = false;
    interruptedBy((scope) => {
      void (async () => {
        await null;
        after = true; // runs later, outside the region: an interrupt cannot reach it
      })();
      soon(scope);
      void (async () => spin())(); // before its first await: inside the region
    });
    await tick();
    expect(after).toBe(true);
  });

  it('dynamic import(): the module body runs later, outside the region, and still runs', async () => {
    const g = globalThis as { __imported?: boolean };
    let loading!: Promise<unknown>;
    let handle!: Scope['handle'];
    interruptible((scope) => {
      handle = scope.handle;
      const url = 'data:text/javascript,globalThis.__imported = true;';
      loading = import(url);
    });
    expect(interrupt(handle)).toBe(false); // the region has ended; the body has not run yet
    await loading;
    expect(g.__imported).toBe(true);
  });
});

describe('hazards: left tainted (documented; recycle the worker)', () => {
  it('a generator interrupted mid-body throws "already running" from then on', () => {
    let target!: Scope;
    function* gen() {
      interrupt(target.handle, 'hazard'); // synchronous: lands here, mid-body
      yield spin();
    }
    const g = gen();
    interruptedBy((scope) => ((target = scope), g.next()));
    expect(() => g.next()).toThrow(/already running/);
  });
});
