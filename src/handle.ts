// Handles: plain, structured-cloneable names of a region (or of "whatever region thread
// T runs"), so that any thread of the process can aim an interrupt at it.

export interface InterruptHandle {
  readonly kind: 'interruptible.handle';
  /** The process the handle belongs to (a random value fixed per process). */
  readonly process: number;
  /** The thread's id in the addon's registry. */
  readonly thread: number;
  /** The region's token on that thread; 0 means whatever region the thread runs. */
  readonly region: number;
}

/** Thread ids are 32-bit in the addon's registry. */
const MAX_THREAD = 2 ** 32 - 1;

export function makeHandle(process: number, thread: number, region: number): InterruptHandle {
  return Object.freeze({ kind: 'interruptible.handle', process, thread, region });
}

/**
 * The handle, checked, as a fresh copy: each field is read exactly once (a getter or a
 * Proxy cannot show one value to the check and another to the addon). A TypeError that
 * says what is wrong with anything else.
 */
export function checkHandle(value: unknown, processNonce: number): InterruptHandle {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`expected an InterruptHandle, got ${value === null ? 'null' : typeof value}`);
  }
  const h = value as Partial<Record<keyof InterruptHandle, unknown>>;
  const [kind, process, thread, region] = [h.kind, h.process, h.thread, h.region];
  if (
    kind !== 'interruptible.handle' ||
    typeof process !== 'number' ||
    typeof thread !== 'number' || !Number.isInteger(thread) || thread < 1 || thread > MAX_THREAD ||
    typeof region !== 'number' || !Number.isSafeInteger(region) || region < 0
  ) {
    throw new TypeError(
      'expected an InterruptHandle (from scope.handle or currentThreadHandle()), got a malformed object',
    );
  }
  if (process !== processNonce) {
    throw new TypeError(
      'this InterruptHandle belongs to another process: handles name threads of the process that made them',
    );
  }
  return makeHandle(process, thread, region);
}
