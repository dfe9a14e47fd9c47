// G7: Node's own termination passes through our boundaries untouched.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, shield } from '../dist/index.js';
import { Agent } from './helpers.js';

describe("G7: Node's own termination wins", () => {
  it('worker.terminate() while a region runs still ends the worker', async () => {
    const a = await Agent.start();
    const { first } = a.start('return lib.interruptible((scope) => { post("in"); for (;;) {} });');
    await first;
    expect(await a.worker.terminate()).toBe(1);
  });

  it('worker.terminate() racing our interrupt ends the worker every time', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await Agent.start();
      const { first } = a.start('return lib.interruptible((scope) => { post(scope.handle); for (;;) {} });');
      const handle = (await first) as never;
      // Our request first on even rounds, Node's first on odd ones.
      if (i % 2 === 0) interrupt(handle, 'race');
      const exited = a.worker.terminate();
      if (i % 2 === 1) interrupt(handle, 'race');
      expect(await exited).toBe(1);
    }
  });

  it('process.exit() inside a region ends the worker with its exit code', async () => {
    const a = await Agent.start();
    void a.run('lib.interruptible(() => { process.exit(7); })');
    expect(await a.exit()).toBe(7);
  });

  it('a vm timeout nested inside a region is converted by vm, not by us', () => {
    const value = interruptible(() => {
      try {
        vm.runInNewContext('for (;;) {}', {}, { timeout: 20 });
        return 'not stopped';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    expect(value).toBe('ERR_SCRIPT_EXECUTION_TIMEOUT');
  });

  it('our interrupt landing inside vm code is converted by our boundary', () => {
    const context = vm.createContext({});
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'inside vm');
        vm.runInContext('for (;;) {}', context, { timeout: 60_000 });
      }),
    ).toThrow(InterruptError);
  });

  it('G3 G7: a region cut short by a vm timeout: vm converts it, and our cleanups run at the next entry', () => {
    let cleaned = 0;
    // The vm timeout must fire after the cleanup was deferred; on a loaded machine it can
    // fire before: try a longer one then.
    for (const timeout of [20, 200, 2000]) {
      let deferred = false;
      const code = 'interruptible((scope) => { scope.defer(() => cleaned()); deferred(); for (;;) {} })';
      let error: unknown;
      try {
        vm.runInNewContext(code, { interruptible, cleaned: () => cleaned++, deferred: () => (deferred = true) }, { timeout });
      } catch (e) {
        error = e;
      }
      expect((error as { code?: string }).code).toBe('ERR_SCRIPT_EXECUTION_TIMEOUT');
      if (deferred) break;
      expect(interruptible(() => 'settles a region cut short before its defer()')).toBeDefined();
    }
    expect(cleaned).toBe(0); // our epilogue could not run: the termination was vm's
    let inner = 0;
    expect(interruptible(() => 'next')).toBe('next');
    expect(cleaned).toBe(1);
    // The thread's regions are whole again: interrupts aim and land as before.
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'again');
        for (;;) inner++;
      }),
    ).toThrow(InterruptError);
  });

  it('G4 G7: a shield cut short by a vm timeout leaves later regions interruptible', () => {
    const code = 'shield(() => { for (;;) {} })';
    expect(() => vm.runInNewContext(code, { shield }, { timeout: 20 })).toThrow(/timed out/);
    // A fresh region is interruptible.
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'again');
        for (;;) {}
      }),
    ).toThrow(InterruptError);
  });
});
