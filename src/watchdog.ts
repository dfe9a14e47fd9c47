// The stall watchdog: what blocked an event loop, told by a native thread while it blocks
// (native/watchdog.h has the mechanism; this module holds the policy and the public form).
import { framesFrom, type InterruptFrame } from './frames.js';
import { requireAddon, type NativeStallReport } from './native.js';
import { checkDelay, checkFunction, checkOptions, describe, MAX_DELAY_MS } from './validate.js';

/** One look at a blocked thread: where it was `atMs` after its loop last turned. */
export interface StallSample {
  readonly atMs: number;
  /**
   * 'running': executing JavaScript, `frames` innermost first. 'native': it did not answer
   * within a few ms (a blocking native call, or a long operation inside V8); `frames` are
   * where it was when it answered later, or empty if it had not yet.
   */
  readonly state: 'running' | 'native';
  readonly frames: readonly InterruptFrame[];
}

export interface StallReport {
  /** The blocked thread's id in the addon's registry: currentThreadHandle().thread on that thread. */
  readonly thread: number;
  /** How long its loop had not turned when this report was made. */
  readonly blockedMs: number;
  /** true: the thread is still blocked (only about another thread); false: its loop turned again, or it exited. */
  readonly ongoing: boolean;
  /** The first 64 samples, oldest first. */
  readonly samples: readonly StallSample[];
}

export interface WatchStallsOptions {
  /** Milliseconds the event loop may go without turning. */
  threshold: number;
  /** 'self' (default): this thread; 'all': every thread of the process that loaded the library. */
  threads?: 'self' | 'all';
  /** Called on this thread: for this thread's stalls when they end; for other threads' also while they last. */
  onStall: (report: StallReport) => void;
  /** While a stall lasts, take the stack again every N ms (default: threshold). */
  sampleEvery?: number;
  /** Also write a line to stderr from the native thread when a stall is seen and when it ends. */
  log?: boolean;
}

export interface StallWatch extends Disposable {
  /** Ends the watch: no report is delivered after it returns. Idempotent. */
  stop(): void;
  readonly stopped: boolean;
}

/** How long a thread may take to answer for its stack before it counts as blocked in native code. */
function answerWindow(threshold: number): number {
  // Stryker disable next-line MethodExpression,ArithmeticOperator: timing only: how long a sample waits before it says 'native' for a thread that has not answered yet
  return Math.min(100, Math.max(10, threshold / 2));
}

function checkPositive(value: unknown, name: string, fallback: number): number {
  const ms = checkDelay(value, name, fallback);
  if (!(ms >= 1)) {
    throw new RangeError(`${name} must be a number of milliseconds from 1 to ${MAX_DELAY_MS}, got ${describe(value)}`);
  }
  return ms;
}

/**
 * Watches this thread's event loop (or every thread's) and reports, with the stack, each
 * time one goes `threshold` ms without turning. Waiting for I/O is not a stall; the watch
 * only ever reads stacks, it never stops anything.
 */
export function watchStalls(options: WatchStallsOptions): StallWatch {
  const o = checkOptions<WatchStallsOptions>(options, 'watchStalls: options');
  if (options === undefined) throw new TypeError('watchStalls: options must be an object with threshold and onStall');
  const threshold = checkPositive(o.threshold, 'watchStalls: threshold', Number.NaN);
  const sampleEvery = checkPositive(o.sampleEvery, 'watchStalls: sampleEvery', threshold);
  const onStall = checkFunction<(report: StallReport) => void>(o.onStall, 'watchStalls: onStall');
  const threads = o.threads ?? 'self';
  if (threads !== 'self' && threads !== 'all') {
    throw new TypeError(`watchStalls: threads must be 'self' or 'all', got ${describe(threads)}`);
  }
  if (o.log !== undefined && typeof o.log !== 'boolean') {
    throw new TypeError(`watchStalls: log must be a boolean, got ${describe(o.log)}`);
  }
  const binding = requireAddon('watchStalls()');
  let stopped = false;
  const deliver = (native: NativeStallReport): void => {
    // Stryker disable next-line ConditionalExpression: equivalent, unwatch() aborts the threadsafe function, and Node calls no queued report into JavaScript after that
    if (stopped) return;
    const samples = native.samples.map((s) => ({ atMs: s.atMs, state: s.state, frames: framesFrom(s.frames) }));
    const report: StallReport = { ...native, samples };
    try {
      onStall(report);
    } catch (error) {
      // As an event listener's would: an uncaught exception, not lost, not swallowed here.
      process.nextTick(() => {
        throw error;
      });
    }
  };
  const id = binding.watch(threads === 'all', threshold, sampleEvery, answerWindow(threshold), o.log === true, deliver);
  const stop = (): void => {
    // Stryker disable next-line ConditionalExpression: equivalent, unwatch() of a watch already ended does nothing
    if (stopped) return;
    stopped = true;
    binding.unwatch(id);
  };
  return {
    stop,
    [Symbol.dispose]: stop,
    get stopped() {
      return stopped;
    },
  };
}
