// Reasons across threads (G10): the wire form an interrupt's reason travels in, and the
// registry of Error classes that are rebuilt as themselves in the target thread.
//
// The addon structured-clones whatever encodeReason() returns. Structured clone keeps an
// Error's message but not its class or own properties, so Errors travel as records that
// the target rebuilds. The wire form is an envelope that only this module makes: user
// data only ever sits in a `value` slot, which is handed back untouched, so no reason
// can be mistaken for a record, however it is shaped.
import { inspect } from 'node:util';
import { InterruptError, TimeoutError, type ErrorClass } from './errors.js';

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

/** How deep Errors nested in Errors (props, cause) are kept as Errors. */
const MAX_DEPTH = 8;

interface ErrorRecord {
  ctor: string;
  name: string;
  message: string;
  stack: string | undefined;
  props: Array<[string, Envelope]>;
  cause?: Envelope;
}

/**
 * value: user data, as is; error: a record; ref: an Error met before (cycles); signal:
 * the region's own signal aborted, and its reason stays in the region's thread.
 */
type Envelope = { value: unknown } | { error: ErrorRecord } | { ref: number } | { signal: true };

/** The wire form of "the region's signal was aborted" (see RegionOptions.signal). */
// Stryker disable next-line BooleanLiteral: equivalent, decode() tests for the key ('signal' in envelope), never its value
export const signalAborted: unknown = Object.freeze({ signal: true });

function encode(value: unknown, depth: number, seen: Map<Error, number>): Envelope {
  if (!(value instanceof Error) || depth > MAX_DEPTH) return { value };
  const known = seen.get(value);
  if (known !== undefined) return { ref: known };
  seen.set(value, seen.size);
  const props: Array<[string, Envelope]> = [];
  for (const key of Object.keys(value)) {
    if (key !== 'cause') props.push([key, encode((value as unknown as Record<string, unknown>)[key], depth + 1, seen)]);
  }
  const record: ErrorRecord = {
    // Stryker disable next-line StringLiteral: equivalent, decode() rebuilds a class name it does not know (or '') as Error
    ctor: value.constructor?.name ?? 'Error',
    name: value.name,
    message: value.message,
    stack: value.stack,
    props,
  };
  if ('cause' in value) record.cause = encode(value.cause, depth + 1, seen);
  return { error: record };
}

function decode(envelope: Envelope, seen: Error[], signalReason: unknown): unknown {
  if ('value' in envelope) return envelope.value;
  if ('ref' in envelope) return seen[envelope.ref];
  if ('signal' in envelope) return signalReason;
  const w = envelope.error;
  const ctor = types.get(w.ctor) ?? builtins.get(w.ctor) ?? Error;
  const error = Object.create(ctor.prototype) as Error;
  seen.push(error);
  // Defined, never assigned: a setter on the class's prototype must not run (or throw).
  const hidden = { writable: true, configurable: true, enumerable: false };
  Object.defineProperty(error, 'message', { ...hidden, value: w.message });
  if (error.name !== w.name) Object.defineProperty(error, 'name', { ...hidden, value: w.name });
  if (w.stack !== undefined) Object.defineProperty(error, 'stack', { ...hidden, value: w.stack });
  if (w.cause !== undefined) Object.defineProperty(error, 'cause', { ...hidden, value: decode(w.cause, seen, undefined) });
  for (const [key, value] of w.props) {
    Object.defineProperty(error, key, { value: decode(value, seen, undefined), writable: true, configurable: true, enumerable: true });
  }
  return error;
}

/** A reason in the form that crosses threads; the addon then structured-clones it. */
export function encodeReason(reason: unknown): unknown {
  // Stryker disable next-line ConditionalExpression: equivalent, undefined encoded is { value: undefined }, which decodes to undefined (this only saves a clone)
  return reason === undefined ? undefined : encode(reason, 0, new Map());
}

/**
 * A reason as the requester sent it, rebuilt in this thread (`signalReason`: the reason
 * of the region's own signal). Never throws: what cannot be rebuilt comes back as an
 * Error saying so, with the failure as its cause.
 */
export function decodeReason(wire: unknown, signalReason?: unknown): unknown {
  if (wire === undefined) return undefined;
  try {
    return decode(wire as Envelope, [], signalReason);
  } catch (error) {
    return new Error(`the interrupt's reason could not be rebuilt in this thread: ${describeReason(error)}`, { cause: error });
  }
}

export function describeReason(reason: unknown): string {
  try {
    if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
    if (typeof reason === 'string') return reason;
    // compact: true: one line however long (the default groups arrays of more than six items over lines).
    return inspect(reason, { depth: 2, breakLength: Infinity, compact: true });
  } catch {
    return '(a reason that cannot be described)';
  }
}

/** The TypeError for a reason the addon could not clone. */
export function uncloneable(error: unknown): TypeError {
  return new TypeError(
    `an interrupt reason must be structured-cloneable: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
