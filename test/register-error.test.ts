// registerInterruptType(Error): the base class itself may be registered. In a file of its
// own: registering it changes how every plain Error reason arrives in this thread.
import { describe, expect, it } from 'vitest';
import { InterruptError, isInterrupt, registerInterruptType } from '../dist/index.js';
import { interruptedWith } from './helpers.js';


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
