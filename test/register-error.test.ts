// registerInterruptType(Error): the base class itself may be registered. In a file of its
// own: registering it changes how every plain Error reason arrives in this thread.
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible, isInterrupt, registerInterruptType } from '../dist/index.js';

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

describe('G10: registering Error itself', () => {
  it('a plain Error reason is then thrown as itself, marked as an interrupt', () => {
    expect(interruptedWith(new Error('before'))).toBeInstanceOf(InterruptError);
    registerInterruptType(Error);
    const error = interruptedWith(Object.assign(new Error('after'), { code: 'E_AFTER' }));
    expect(error).not.toBeInstanceOf(InterruptError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: 'after', code: 'E_AFTER' });
    expect(isInterrupt(error)).toBe(true);
    // other classes are not covered by it
    expect(interruptedWith(new TypeError('typed'))).toBeInstanceOf(InterruptError);
  });
});
