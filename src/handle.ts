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

export function makeHandle(process: number, thread: number, region: number): InterruptHandle {
  return Object.freeze({ kind: 'interruptible.handle', process, thread, region });
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The handle, checked; a TypeError that says what is wrong with anything else. */
export function checkHandle(value: unknown, processNonce: number): InterruptHandle {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`expected an InterruptHandle, got ${value === null ? 'null' : typeof value}`);
  }
  const h = value as Partial<Record<keyof InterruptHandle, unknown>>;
  if (h.kind !== 'interruptible.handle' || typeof h.process !== 'number' || !isCount(h.thread) ||
      h.thread === 0 || !isCount(h.region)) {
    throw new TypeError(
      'expected an InterruptHandle (from scope.handle or currentThreadHandle()), got a malformed object',
    );
  }
  if (h.process !== processNonce) {
    throw new TypeError(
      'this InterruptHandle belongs to another process: handles name threads of the process that made them',
    );
  }
  return h as InterruptHandle;
}
