// One set of validators for every public entry point: each input is read once, checked,
// and the checked copy is what the library uses from then on. Errors name the option
// and say what it accepts (README, "Limits and bad input").

/** The longest delay Node's timers honour (setTimeout clamps anything above to 1 ms). */
export const MAX_DELAY_MS = 2 ** 31 - 1;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

export function checkFunction<F extends Function>(value: unknown, what: string): F {
  if (typeof value !== 'function') {
    throw new TypeError(`${what} expects a function, got ${value === null ? 'null' : typeof value}`);
  }
  return value as F;
}

/** An options bag: undefined, or an object (not null, not a function). */
export function checkOptions<T extends object>(value: unknown, what: string): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${what} must be an object, got ${value === null ? 'null' : typeof value}`);
  }
  return value as Partial<T>;
}

/**
 * A timeout: undefined or Infinity mean none (returned as 0); otherwise a number of
 * milliseconds in (0, 2^31 - 1]. The same rule for regions, withTimeout and the Pool.
 */
export function checkTimeout(value: unknown, name: string): number {
  if (value === undefined || value === Infinity) return 0;
  if (typeof value !== 'number' || !(value > 0) || value > MAX_DELAY_MS) {
    throw new RangeError(
      `${name} must be a positive number of milliseconds up to ${MAX_DELAY_MS} (or Infinity for none), got ${describe(value)}`,
    );
  }
  return value;
}

/** A delay: a finite number of milliseconds in [0, 2^31 - 1]; `fallback` when undefined. */
export function checkDelay(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_DELAY_MS) {
    throw new RangeError(`${name} must be a finite number of milliseconds from 0 to ${MAX_DELAY_MS}, got ${describe(value)}`);
  }
  return value;
}

export function checkSignal(value: unknown, name: string): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) throw new TypeError(`${name} must be an AbortSignal`);
  return value;
}

export function checkName(value: unknown, name: string): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  return value;
}
