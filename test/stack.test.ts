// G11: every interrupt error says where the code was when it was stopped.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { InterruptError, TimeoutError, interrupt, interruptible, withTimeout } from '../dist/index.js';
import { Agent } from './helpers.js';

const { stuckHere } = createRequire(import.meta.url)('./fixtures/stuck.cjs') as { stuckHere: () => never };
const fixture = readFileSync(new URL('./fixtures/stuck.cjs', import.meta.url), 'utf8');
const STUCK_LINE = fixture.split('\n').findIndex((l) => l.includes('STUCK-LINE')) + 1;
// On a loaded machine the interrupt may land at the stack check on entry to stuckHere
// (its first line) rather than in the loop: both are inside the function.
const ENTRY_LINE = fixture.split('\n').findIndex((l) => l.includes('function stuckHere')) + 1;
const IN_STUCK_HERE = new RegExp(`^    at stuckHere \\(.*stuck\\.cjs:(${ENTRY_LINE}|${STUCK_LINE}):\\d+\\)`);

describe('G11: where it stopped', () => {
  it('interruptedAt names the function, script, line and column of the stuck loop', () => {
    let top: InterruptError['interruptedAt'][number] | undefined;
    // Delivered a little later, so that it lands in the loop rather than at the stack
    // check on entry to stuckHere. On a loaded machine the grace period can end before
    // stuckHere is even called: then try a longer one.
    for (const grace of [5, 50, 500]) {
      let error: unknown;
      try {
        interruptible((scope) => {
          interrupt(scope.handle, undefined, { grace });
          stuckHere();
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InterruptError);
      [top] = (error as InterruptError).interruptedAt;
      if (top?.function === 'stuckHere') break;
    }
    expect(top).toMatchObject({ function: 'stuckHere' });
    expect([ENTRY_LINE, STUCK_LINE]).toContain(top?.line);
    expect(top?.script).toMatch(/stuck\.cjs$/);
    expect(top?.column).toBeGreaterThan(0);
  });

  it('error.stack ends with the interrupted frames under a clear heading', () => {
    let error: unknown;
    try {
      withTimeout(5, stuckHere);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TimeoutError);
    const stack = (error as Error).stack ?? '';
    const [before, after] = stack.split('\n    --- interrupted at ---\n');
    expect(before).toMatch(/^TimeoutError: region timed out after 5 ms/);
    expect(after).toMatch(IN_STUCK_HERE);
  });

  it('interruptedAt is one array, the same on every read, and the stack lists exactly its frames, whichever is read first', () => {
    // The frames are made from the addon's flat array when first read (src/errors.ts).
    for (const stackFirst of [true, false]) {
      let error: InterruptError | undefined;
      try {
        withTimeout(5, stuckHere);
      } catch (e) {
        error = e as InterruptError;
      }
      const stack = stackFirst ? error!.stack : undefined;
      const frames = error!.interruptedAt;
      expect(frames.length).toBeGreaterThan(0);
      expect(error!.interruptedAt).toBe(frames);
      const listed = (stack ?? error!.stack ?? '').split('\n    --- interrupted at ---\n')[1]!.split('\n');
      expect(listed).toEqual(frames.map((f) => `    at ${f.function ? `${f.function} (${f.script}:${f.line}:${f.column})` : `${f.script}:${f.line}:${f.column}`}`));
    }
  });

  it('a checkpoint() error says where checkpoint was called', () => {
    let error: unknown;
    try {
      interruptible((scope) => {
        interrupt(scope.handle, 'soft', { grace: 60_000 });
        scope.checkpoint();
      });
    } catch (e) {
      error = e;
    }
    const [top] = (error as InterruptError).interruptedAt;
    expect(top?.script).toMatch(/stack\.test\.ts$/);
  });

  it('checkpoint() leaves Error.prepareStackTrace as it found it', () => {
    const previous = Error.prepareStackTrace;
    const mine = (error: Error) => `mine: ${error.message}`;
    Error.prepareStackTrace = mine;
    try {
      try {
        interruptible((scope) => {
          interrupt(scope.handle, 'soft', { grace: 60_000 });
          scope.checkpoint();
        });
      } catch {
        /* the checkpoint's error */
      }
      expect(Error.prepareStackTrace).toBe(mine);
      expect(new Error('after').stack).toBe('mine: after');
    } finally {
      Error.prepareStackTrace = previous;
    }
  });

  it('a checkpoint() error names a frame without a function name or a script with "", as the addon does', () => {
    const topFrame = (run: () => void) => {
      try {
        interruptible((scope) => {
          interrupt(scope.handle, 'soft', { grace: 60_000 });
          run.call(scope);
        });
      } catch (error) {
        return (error as InterruptError).interruptedAt[0];
      }
      throw new Error('not interrupted');
    };
    // an anonymous function (no name to infer from a binding)
    const anonymous = topFrame([function (this: { checkpoint(): void }) { this.checkpoint(); }][0]!);
    expect(anonymous).toMatchObject({ function: '' });
    expect(anonymous?.script).toMatch(/stack\.test\.ts$/);
    // code made by new Function has no script name
    const evaluated = topFrame(new Function('this.checkpoint();') as () => void);
    expect(evaluated).toMatchObject({ script: '' });
    expect(evaluated?.line).toBeGreaterThan(0);
  });

  it('frames are captured on the target thread (a worker)', async () => {
    const a = await Agent.start();
    try {
      const { first, done } = a.start(`
        function workerLoop() { for (;;) {} }
        lib.interruptible((scope) => { post(scope.handle); workerLoop(); });
      `);
      interrupt((await first) as never);
      const o = await done;
      expect(o.ok).toBe(false);
      const frames = (o as { error: { interruptedAt: Array<{ function: string }> } }).error.interruptedAt;
      expect(frames[0]?.function).toBe('workerLoop');
      expect(frames.length).toBeLessThanOrEqual(10);
    } finally {
      await a.stop();
    }
  });
});
