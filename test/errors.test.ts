// The interrupt errors as users see them: class, name, code, and a stack that reads like
// any Error's, with the interrupted frames under their heading (G11).
import { describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, interruptible, isInterrupt } from '../dist/index.js';
import { interruptedWith as thrownBy } from './helpers.js';

const HEADING = '\n    --- interrupted at ---\n';

const interruptedWith = (reason: unknown): InterruptError => thrownBy(reason) as InterruptError;

describe('InterruptError and TimeoutError made by users', () => {
  it('G11: interruptedAt given to the constructor is listed in the stack under the heading, one "at" line a frame', () => {
    const frames = [
      { function: 'work', script: '/app/job.js', line: 3, column: 7 },
      { function: '', script: '', line: 1, column: 2 },
    ];
    const error = new InterruptError('stopped', { interruptedAt: frames });
    expect(error.interruptedAt).toEqual(frames);
    expect(isInterrupt(error)).toBe(true);
    const [before, after] = (error.stack ?? '').split(HEADING);
    expect(before).toMatch(/^InterruptError: stopped\n {4}at /);
    // a frame without a name or a script, as V8 prints one
    expect(after).toBe('    at work (/app/job.js:3:7)\n    at <anonymous>:1:2');
  });

  it('without interruptedAt the stack has no heading, and interruptedAt is empty', () => {
    const error = new TimeoutError('too slow', 50);
    expect(error.interruptedAt).toEqual([]);
    expect(error.stack).toMatch(/^TimeoutError: too slow\n {4}at /);
    expect(error.stack).not.toContain('interrupted at');
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ERR_INTERRUPT_TIMEOUT', timeout: 50 });
  });

  it('the stack is formatted when it is read, as for any Error (Error.prepareStackTrace is not called at construction)', () => {
    const previous = Error.prepareStackTrace;
    let calls = 0;
    Error.prepareStackTrace = (error, sites) => {
      calls++;
      return `${String(error)} (${sites.length} frames)`;
    };
    try {
      const error = new InterruptError('lazy');
      expect(calls).toBe(0);
      expect(error.stack).toMatch(/^InterruptError: lazy \(\d+ frames\)$/);
      expect(calls).toBe(1);
    } finally {
      Error.prepareStackTrace = previous;
    }
  });

  it('a subclass can set its own name in its constructor', () => {
    class Cancelled extends InterruptError {
      constructor() {
        super('cancelled by the user');
        this.name = 'Cancelled';
      }
    }
    const error = new Cancelled();
    expect(error.name).toBe('Cancelled');
    expect(error.stack).toMatch(/^Cancelled: cancelled by the user/);
    expect(error.code).toBe('ERR_INTERRUPTED');
    class Slow extends TimeoutError {
      override name = 'Slow';
    }
    expect(new Slow('slow', 5).name).toBe('Slow');
  });
});

describe('isInterrupt()', () => {
  it('recognises an error marked by another copy of the library (another version loaded beside this one)', () => {
    // The mark is the process-wide symbol 'interruptible.interrupt', shared by every copy.
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('interruptible.interrupt'), { value: true });
    expect(isInterrupt(foreign)).toBe(true);
    expect(isInterrupt(new Error('plain'))).toBe(false);
    expect(Symbol.for('interruptible.interrupt') in interruptedWith('ours')).toBe(true);
  });
});

describe('the stack of an interrupt error', () => {
  it('G11: the header line, then the frames that called the region, then the interrupted frames', () => {
    const error = interruptedWith('why');
    const [before, after] = (error.stack ?? '').split(HEADING);
    const lines = before!.split('\n');
    expect(lines[0]).toBe('InterruptError: region interrupted: why');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {4}at /);
    expect(lines[1]).toContain('interruptedWith');
    expect(after).toMatch(/^ {4}at interrupt /);
  });

  it('G11: with Error.stackTraceLimit = 0 it is the header line and the interrupted frames only', () => {
    const limit = Error.stackTraceLimit;
    let error: InterruptError;
    try {
      Error.stackTraceLimit = 0;
      error = interruptedWith('why');
    } finally {
      Error.stackTraceLimit = limit;
    }
    const [before, after] = (error.stack ?? '').split(HEADING);
    expect(before).toBe('InterruptError: region interrupted: why');
    expect(after).toMatch(/^ {4}at interrupt /);
  });

  it('can be replaced, before or after it is read, and is never an enumerable property', () => {
    const keys = Object.keys(interruptedWith('k'));
    expect(keys).not.toContain('stack');

    const replaced = interruptedWith('before');
    replaced.stack = 'cleaned before reading';
    expect(replaced.stack).toBe('cleaned before reading');
    expect(Object.keys(replaced)).toEqual(keys);

    const read = interruptedWith('after');
    const text = read.stack;
    expect(read.stack).toBe(text); // the same text each time
    expect(Object.keys(read)).toEqual(keys);
    read.stack = 'cleaned after reading';
    expect(read.stack).toBe('cleaned after reading');
    // as source-map and stack-cleaning tools do
    Object.defineProperty(read, 'stack', { value: 'redefined', writable: true, configurable: true });
    expect(read.stack).toBe('redefined');
    expect(JSON.stringify(read)).not.toContain('redefined');
  });

  it('of a region whose signal was aborted before it started has no interrupted-at heading (nothing ran)', () => {
    let error: unknown;
    try {
      interruptible(() => 1, { signal: AbortSignal.abort('early') });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterruptError);
    expect((error as InterruptError).interruptedAt).toEqual([]);
    expect((error as Error).stack).toMatch(/^InterruptError: region aborted before it started\n {4}at /);
    expect((error as Error).stack).not.toContain('interrupted at');
    expect((error as Error).stack?.split('\n').pop()).toMatch(/^ {4}at .*:\d+:\d+\)?$/);
  });
});
