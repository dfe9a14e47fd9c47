// The outermost-region hooks of the region stack (src/region-stack.ts): what a layer
// above the core (src/control.ts, a worker's Running cell) learns of this thread's regions.
import { describe, expect, it } from 'vitest';
import { InterruptError, interrupt, interruptible } from '../dist/index.js';
import { regions } from '../dist/region-stack.js';
import { spin } from './helpers.js';

const heard: string[] = [];
regions.onOutermost({ enter: () => void heard.push('enter'), exit: () => void heard.push('exit') });

/** What the hooks heard while `fn` ran. */
function hearing(fn: () => void): string[] {
  heard.length = 0;
  fn();
  return [...heard];
}

describe('onOutermost hooks', () => {
  it('hear the outermost region enter and leave, once each; nested regions are silent', () => {
    expect(
      hearing(() => {
        interruptible(() => {
          heard.push('outer');
          interruptible(() => {
            heard.push('inner');
            interruptible(() => heard.push('innermost'));
          });
          heard.push('outer again');
        });
      }),
    ).toEqual(['enter', 'outer', 'inner', 'innermost', 'outer again', 'exit']);
  });

  it('hear the exit however the outermost region ends: it throws, or an interrupt unwinds it from inside a nested one', () => {
    expect(
      hearing(() => {
        expect(() =>
          interruptible(() => {
            throw new RangeError('own');
          }),
        ).toThrow(RangeError);
      }),
    ).toEqual(['enter', 'exit']);
    expect(
      hearing(() => {
        expect(() =>
          interruptible((outer) => {
            interruptible(() => {
              interrupt(outer.handle, 'outer');
              spin();
            });
          }),
        ).toThrow(InterruptError);
      }),
    ).toEqual(['enter', 'exit']);
    expect(hearing(() => interruptible(() => 'two in a row'))).toEqual(['enter', 'exit']);
  });
});
