// Asking a region to stop, from any thread: interrupt() and the handles it takes.
import { checkHandle, makeHandle, type InterruptHandle } from './handle.js';
import { requireAddon } from './native.js';
import { encodeReason, uncloneable } from './reasons.js';
import { checkDelay, checkOptions } from './validate.js';

export interface InterruptOptions {
  /**
   * Milliseconds between marking the region (scope.interrupted, checkpoint() throws) and
   * the hard interrupt, so that cooperative code can unwind with its finally blocks.
   */
  grace?: number | undefined;
}

/** Names whatever region this thread runs when a request arrives (its outermost one). */
export function currentThreadHandle(): InterruptHandle {
  const b = requireAddon('currentThreadHandle()');
  return makeHandle(b.nonce, b.thread, 0);
}

/**
 * Asks the region named by `handle` to stop, from any thread: it throws an interrupt
 * error carrying `reason` (structured-cloned) at its next stack check. Returns true if
 * the region was active when the request was made; false if it had ended or its thread
 * had exited (the request is then dropped, G1).
 */
export function interrupt(handle: InterruptHandle, reason?: unknown, options?: InterruptOptions): boolean {
  const b = requireAddon('interrupt()');
  const h = checkHandle(handle, b.nonce);
  const grace = checkDelay(checkOptions<InterruptOptions>(options, 'interrupt() options').grace, 'options.grace', 0);
  let answer: number;
  try {
    answer = b.interrupt(h.thread, h.region, encodeReason(reason), grace);
  } catch (error) {
    throw uncloneable(error);
  }
  if (answer < 0) {
    throw new TypeError(`thread ${h.thread} was never registered in this process: the handle is not one of ours`);
  }
  return answer === 1;
}
