// G7: a foreign termination (a vm timeout) passes through our boundaries untouched, and the
// regions it cut short are repaired at the next entry (src/region.ts, settleForeign). These
// cases end no thread or process, so they run in Stryker's runner too (vitest.stryker.config.ts
// leaves out node-termination.test.ts, which does).
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, shield } from '../dist/index.js';

describe('G7: a vm timeout wins, and later regions are repaired', () => {
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
