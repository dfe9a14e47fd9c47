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

/** Thrown out of a region that was interrupted (code `ERR_INTERRUPTED`). */
export class InterruptError extends Error {
  readonly code: string = 'ERR_INTERRUPTED';
  /** The value passed to interrupt(), rebuilt in this thread; also `cause` when defined. */
  readonly reason: unknown;
  /** Where the interrupted code was when the interrupt landed (G11). */
  declare readonly interruptedAt: readonly InterruptFrame[];

  constructor(message: string, options: InterruptErrorOptions = {}) {
    super(message, options.reason === undefined ? undefined : { cause: options.reason });
    this.reason = options.reason;
    markInterrupt(this, options.interruptedAt ?? []);
  }
}
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

function mark(error: Error, frames: readonly InterruptFrame[]): void {
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, isInterrupt() tests for the mark's presence ('in'), and every definition of it is this same one
  Object.defineProperty(error, kInterrupt, { value: true, configurable: true });
  Object.defineProperty(error, 'interruptedAt', { value: frames, configurable: true });
}

/** Attaches `interruptedAt` and appends the frames to `stack` under a heading (G11). */
export function markInterrupt(error: Error, frames: readonly InterruptFrame[]): void {
  mark(error, frames);
  if (frames.length > 0 && typeof error.stack === 'string') error.stack = `${error.stack}${framesText(frames)}`;
}

/**
 * Makes an interrupt error cheaply: `make` runs with stack capture off, then `error`
 * gets the stack of the caller of `below` and `frames` as where the interrupt landed.
 * The stack text is formatted only if someone reads it (formatting costs tens of µs,
 * more than the rest of an interrupt).
 */
export function placeInterrupt<E extends Error>(make: () => E, below: Function, frames: readonly InterruptFrame[]): E {
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
      const text = header + (eol >= 0 ? raw.slice(eol) : '') + framesText(frames);
      settle(text);
      return text;
    },
    set: settle,
  });
  mark(error, frames);
  return error;
}

/** An Error with a Node-style `code`, for misuse that is not a type or range error. */
export function stateError(message: string, code = 'ERR_INVALID_STATE'): Error {
  return Object.assign(new Error(message), { code });
}
