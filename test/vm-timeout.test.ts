// G7: a foreign termination (a vm timeout) passes through our boundaries untouched, and the
// regions it cut short are repaired at the next entry (src/region.ts, settleForeign). These
// cases end no thread or process, so they run in Stryker's runner too (vitest.stryker.config.ts
// leaves out node-termination.test.ts, which does).
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, shield, type Scope } from '../dist/index.js';

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
    let cut: Scope | undefined;
    // The vm timeout must fire after the cleanup was deferred; on a loaded machine it can
    // fire before: try a longer one then.
    for (const timeout of [20, 200, 2000]) {
      let deferred = false;
      const code = 'interruptible((scope) => { scope.defer(() => cleaned()); deferred(scope); for (;;) {} })';
      let error: unknown;
      try {
        vm.runInNewContext(code, { interruptible, cleaned: () => cleaned++, deferred: (s: Scope) => ((deferred = true), (cut = s)) }, { timeout });
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
    expect(cut!.interrupted).toBe(true); // it did not end normally
    // The thread's regions are whole again: interrupts aim and land as before.
    expect(() =>
      interruptible((scope) => {
        interrupt(scope.handle, 'again');
        for (;;) inner++;
      }),
    ).toThrow(InterruptError);
  });

  it('G3 G7: an inner region cut short by a vm timeout that its outer region survives is ended with the outer one: cleanups run once, as interrupted', () => {
    let inner: Scope | undefined;
    let cleaned = 0;
    let outer: Scope | undefined;
    // As above: retry with a longer timeout when it fired before the inner region began.
    for (const timeout of [20, 200, 2000]) {
      inner = undefined;
      const value = interruptible((scope) => {
        outer = scope;
        try {
          vm.runInNewContext(
            'interruptible((scope) => { entered(scope); for (;;) {} })',
            { interruptible, entered: (s: Scope) => ((inner = s), s.defer(() => cleaned++)) },
            { timeout },
          );
          return 'not stopped';
        } catch (error) {
          return (error as { code?: string }).code; // vm's, caught in the outer region, which goes on
        }
      });
      expect(value).toBe('ERR_SCRIPT_EXECUTION_TIMEOUT');
      if (inner !== undefined) break;
    }
    expect(inner).toBeDefined();
    expect(cleaned).toBe(1); // when the outer region ended, not at some later entry
    expect(inner!.interrupted).toBe(true);
    expect(outer!.interrupted).toBe(false); // the outer region returned
    expect(interruptible(() => 'next')).toBe('next');
    expect(cleaned).toBe(1);
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
