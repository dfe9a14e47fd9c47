// The error classes, the frames they carry, and how a reason crosses threads (G10, G11).
import { inspect } from 'node:util';

/** One JavaScript frame the interrupted code was executing, innermost first. */
export interface InterruptFrame {
  readonly function: string;
  readonly script: string;
  readonly line: number;
  readonly column: number;
}

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

/** Attaches `interruptedAt` and appends the frames to `stack` under a heading (G11). */
export function markInterrupt(error: Error, frames: readonly InterruptFrame[]): void {
  Object.defineProperty(error, kInterrupt, { value: true, configurable: true });
  Object.defineProperty(error, 'interruptedAt', { value: frames, configurable: true });
  if (frames.length > 0 && typeof error.stack === 'string') error.stack = `${error.stack}${framesText(frames)}`;
}

export function formatFrame(f: InterruptFrame): string {
  const where = `${f.script || '<anonymous>'}:${f.line}:${f.column}`;
  return f.function ? `    at ${f.function} (${where})` : `    at ${where}`;
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
      const raw = holder.stack ?? '';
      const eol = raw.indexOf('\n');
      const header = error.message ? `${error.name}: ${error.message}` : error.name;
      const text = header + (eol >= 0 ? raw.slice(eol) : '') + framesText(frames);
      settle(text);
      return text;
    },
    set: settle,
  });
  Object.defineProperty(error, kInterrupt, { value: true, configurable: true });
  Object.defineProperty(error, 'interruptedAt', { value: frames, configurable: true });
  return error;
}

function framesText(frames: readonly InterruptFrame[]): string {
  return frames.length > 0 ? `\n    --- interrupted at ---\n${frames.map(formatFrame).join('\n')}` : '';
}

/** The frames of the caller of `below`, in InterruptFrame form. */
export function currentFrames(below: Function): InterruptFrame[] {
  const previous = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, sites) => sites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, below);
    const sites = holder.stack as NodeJS.CallSite[];
    return sites.map((s) => ({
      function: s.getFunctionName() ?? '',
      script: s.getFileName() ?? '',
      line: s.getLineNumber() ?? 0,
      column: s.getColumnNumber() ?? 0,
    }));
  } finally {
    Error.prepareStackTrace = previous;
  }
}

export function describeReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  if (typeof reason === 'string') return reason;
  return inspect(reason, { depth: 2, breakLength: Infinity });
}

// ---- reasons across threads -------------------------------------------------------

const types = new Map<string, ErrorClass>();
const builtins: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
  ['InterruptError', InterruptError],
  ['TimeoutError', TimeoutError],
]);

/**
 * Lets Error reasons of class `ctor` be rebuilt as `ctor` in this thread (G10). Classes
 * are matched by name, so register the class under the same name in every thread
 * that may be interrupted with it.
 */
export function registerInterruptType(ctor: ErrorClass): void {
  if (typeof ctor !== 'function' || !(ctor.prototype instanceof Error || ctor === Error)) {
    throw new TypeError('registerInterruptType expects an Error class');
  }
  const name = ctor.name;
  if (!name) throw new TypeError('registerInterruptType expects a named class');
  const known = types.get(name);
  if (known !== undefined && known !== ctor) {
    throw new TypeError(`a different class named "${name}" is already registered`);
  }
  types.set(name, ctor);
}

export function isRegistered(error: Error): boolean {
  return types.get(error.constructor.name) === error.constructor;
}

const kWireError = '__interruptibleError__';

interface WireError {
  [kWireError]: true;
  ctor: string;
  name: string;
  message: string;
  stack: string | undefined;
  props: Record<string, unknown>;
  cause?: unknown;
  hasCause: boolean;
}

function toWire(value: unknown, depth: number): unknown {
  if (!(value instanceof Error) || depth > 8) return value;
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key !== 'cause') props[key] = toWire((value as unknown as Record<string, unknown>)[key], depth + 1);
  }
  const wire: WireError = {
    [kWireError]: true,
    ctor: value.constructor?.name ?? 'Error',
    name: value.name,
    message: value.message,
    stack: value.stack,
    props,
    hasCause: 'cause' in value,
  };
  if (wire.hasCause) wire.cause = toWire(value.cause, depth + 1);
  return wire;
}

function fromWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !(kWireError in value)) return value;
  const w = value as WireError;
  const ctor = types.get(w.ctor) ?? builtins.get(w.ctor) ?? Error;
  const error = Object.create(ctor.prototype) as Error;
  const hidden = { writable: true, configurable: true, enumerable: false };
  Object.defineProperty(error, 'message', { ...hidden, value: w.message });
  if (error.name !== w.name) Object.defineProperty(error, 'name', { ...hidden, value: w.name });
  if (w.stack !== undefined) Object.defineProperty(error, 'stack', { ...hidden, value: w.stack });
  if (w.hasCause) Object.defineProperty(error, 'cause', { ...hidden, value: fromWire(w.cause) });
  for (const [k, v] of Object.entries(w.props)) (error as unknown as Record<string, unknown>)[k] = fromWire(v);
  return error;
}

/**
 * A reason in the form that crosses threads: Errors become plain records (so that their
 * class can be rebuilt); the addon then structured-clones the result natively.
 */
export function encodeReason(reason: unknown): unknown {
  return toWire(reason, 0);
}

/** A reason as the requester sent it, rebuilt in this thread. */
export function decodeReason(wire: unknown): unknown {
  return fromWire(wire);
}

/** The TypeError for a reason the addon could not clone. */
export function uncloneable(error: unknown): TypeError {
  return new TypeError(
    `an interrupt reason must be structured-cloneable: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
