// Shields (G4): code during which requests are held back. This module is the only writer
// of the shield count the addon reads (shared[layout.shieldDepth]); the addon holds and
// lets go of a termination when asked (native/shield.h).
import { addon } from './native.js';
import { checkFunction } from './validate.js';

/**
 * Runs `fn` with interrupts held back: shielded code is never interrupted; a request
 * that arrives meanwhile is delivered when the shield exits, if its region is still
 * active (G4). A shield protects against regions that enclose it; a region entered
 * inside the shield can still be interrupted itself.
 */
export function shield<T>(fn: () => T): T {
  checkFunction(fn, 'shield()');
  const b = addon;
  if (b === undefined) return fn(); // without the addon nothing can interrupt
  const { shared, layout } = b;
  const depth = shared[layout.shieldDepth]!;
  shared[layout.shieldDepth] = depth + 1;
  // A termination requested just before this shield but not yet taken effect is
  // taken back and held, so it cannot land inside.
  // (`=== 0` here is caught by shield.test.ts "a termination requested just before the shield…",
  // which runs outside Stryker: instrumentation adds stack checks that make the case impossible.)
  // Stryker disable next-line ConditionalExpression: equivalent, hold() does nothing unless a termination was requested (native/shield.cc)
  if (shared[layout.fired] !== 0) b.hold();
  try {
    return fn();
  } finally {
    // The depth this shield found, not a decrement: a shield inside that a foreign
    // termination (a vm timeout) cut short never ran its own exit.
    shared[layout.shieldDepth] = depth;
    // Stryker disable next-line ConditionalExpression: timing only, release() with nothing held decides a request whose callback has not run yet now, not at the next stack check
    if (shared[layout.held] !== 0) b.release();
  }
}
