// The error classes a stopped region throws, and how an error is marked as an interrupt.
import { framesText, type InterruptFrame } from './frames.js';

/** Any Error class; registered classes are rebuilt in the target thread (G10). */
export type ErrorClass = new (...args: never[]) => Error;

/** Marks an error that ended a region: InterruptError, or a rebuilt registered reason. */
const kInterrupt = Symbol.for('interruptible.interrupt');

export interface InterruptErrorOptions {
  reason?: unknown;
  interruptedAt?: readonly InterruptFrame[];
}

/**
 * Frames, or what makes them when first read: an interrupt's frames come from the addon
 * as one flat array, and most errors are caught without anyone reading them.
 */
export type FramesSource = readonly InterruptFrame[] | (() => readonly InterruptFrame[]);

function framesOf(source: FramesSource): readonly InterruptFrame[] {
  return typeof source === 'function' ? source() : source;
}

let setFrames: (error: InterruptError, frames: FramesSource) => void;

/** Thrown out of a region that was interrupted (code `ERR_INTERRUPTED`). */
export class InterruptError extends Error {
  readonly code: string = 'ERR_INTERRUPTED';
  /** The value passed to interrupt(), rebuilt in this thread; also `cause` when defined. */
  readonly reason: unknown;
  // A private field and a getter on the prototype, not an own property defined per error:
  // each Object.defineProperty on a new error is a runtime call, and an interrupt's round
  // trip made several (docs/research/latency-tail.md, "Where a round trip goes").
  #frames: FramesSource;

  constructor(message: string, options: InterruptErrorOptions = {}) {
    super(message, options.reason === undefined ? undefined : { cause: options.reason });
    this.reason = options.reason;
    this.#frames = options.interruptedAt ?? [];
    appendFrames(this, this.#frames);
  }

  /** Where the interrupted code was when the interrupt landed (G11). */
  get interruptedAt(): readonly InterruptFrame[] {
    if (typeof this.#frames === 'function') this.#frames = this.#frames();
    return this.#frames;
  }

  static {
    setFrames = (error, frames) => {
      error.#frames = frames;
    };
  }
}
// Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, isInterrupt() tests for the mark's presence ('in')
Object.defineProperty(InterruptError.prototype, kInterrupt, { value: true });
setName(InterruptError, 'InterruptError');

/** Thrown out of a region that ran past its deadline (code `ERR_INTERRUPT_TIMEOUT`). */
export class TimeoutError extends InterruptError {
  override readonly code: string = 'ERR_INTERRUPT_TIMEOUT';
  /** The region's timeout, in milliseconds. */
  readonly timeout: number;

  constructor(message: string, timeout: number, options: InterruptErrorOptions = {}) {
    super(message, options);
    this.timeout = timeout;
  }
}
setName(TimeoutError, 'TimeoutError');

function setName(ctor: ErrorClass, name: string): void {
  // On the prototype, so that the stack header written during construction has it.
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, configurable: true });
}

/** True for every error that ended a region because of an interrupt or a deadline. */
export function isInterrupt(error: unknown): boolean {
  return typeof error === 'object' && error !== null && kInterrupt in error;
}

function appendFrames(error: Error, frames: readonly InterruptFrame[]): void {
  if (frames.length > 0 && typeof error.stack === 'string') error.stack = `${error.stack}${framesText(frames)}`;
}

/**
 * Marks an error of another class (a registered reason, rebuilt) as an interrupt:
 * attaches `interruptedAt` and appends the frames to `stack` under a heading (G11).
 */
export function markInterrupt(error: Error, frames: FramesSource): void {
  const resolved = framesOf(frames);
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, isInterrupt() tests for the mark's presence ('in'), and every definition of it is this same one
  Object.defineProperty(error, kInterrupt, { value: true, configurable: true });
  // Stryker disable next-line BooleanLiteral: equivalent, nothing defines it again on an error that has it (a rebuilt reason is marked once)
  Object.defineProperty(error, 'interruptedAt', { value: resolved, configurable: true });
  appendFrames(error, resolved);
}

/**
 * Makes an interrupt error cheaply: `make` runs with stack capture off, then `error`
 * gets the stack of the caller of `below` and `frames` as where the interrupt landed.
 * The stack text is formatted only if someone reads it (formatting costs tens of µs,
 * more than the rest of an interrupt).
 */
export function placeInterrupt<E extends InterruptError>(make: () => E, below: Function, frames: FramesSource): E {
  const limit = Error.stackTraceLimit;
  let error: E;
  try {
    Error.stackTraceLimit = 0;
    error = make();
  } finally {
    Error.stackTraceLimit = limit;
  }
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, below);
  const settle = (value: unknown) =>
    Object.defineProperty(error, 'stack', { value, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'stack', {
    configurable: true,
    enumerable: false,
    get() {
      // Stryker disable next-line StringLiteral: equivalent, text without a line break adds nothing below (only raw.slice(eol) is used)
      const raw = holder.stack ?? '';
      const eol = raw.indexOf('\n');
      const header = error.message ? `${error.name}: ${error.message}` : error.name;
      // Stryker disable next-line EqualityOperator: equivalent, the captured text starts with its header line, so a line break is never at 0
      const text = header + (eol >= 0 ? raw.slice(eol) : '') + framesText(error.interruptedAt);
      settle(text);
      return text;
    },
    set: settle,
  });
  setFrames(error, frames);
  return error;
}

/** An Error with a Node-style `code`, for misuse that is not a type or range error. */
export function stateError(message: string, code = 'ERR_INVALID_STATE'): Error {
  return Object.assign(new Error(message), { code });
}
