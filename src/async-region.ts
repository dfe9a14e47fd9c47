// Regions whose function returned a promise: after the synchronous part (a region like any
// other, interrupted as today), the region lasts until the promise settles. Its deadline
// and the requests aimed at its handle then reject the promise (TimeoutError,
// InterruptError) and abort scope.signal; its deferred cleanups run when it settles,
// however it settles. Code after an `await` is not stopped: it learns through the signal.
// The addon keeps the async regions' tokens so that a request from any thread finds them
// (native/async.h), and calls back into this thread when one arrives.
import { errorFor, label } from './delivery.js';
import { TimeoutError, placeInterrupt } from './errors.js';
import { addon, type Binding, type PendingRecord } from './native.js';
import { describeReason, signalAborted } from './reasons.js';
import { RegionEnd, type ScopeImpl } from './scope.js';
import { shield } from './shield.js';

interface AsyncRegion {
  readonly scope: ScopeImpl;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
  signal: AbortSignal | undefined;
}

/** This thread's async regions, by token. */
const awaiting = new Map<number, AsyncRegion>();
let listening = false;

/** What ends an async region: the promise's outcome, or an interrupt. */
type Ending = { ok: true; value: unknown } | { ok: false; error: unknown; interrupt: boolean };

/**
 * Continues region `scope` until `promise` settles. Its deadline (`leftMs` from now;
 * undefined: none) and `signal` keep acting on it meanwhile.
 */
export function continueAsync(scope: ScopeImpl, promise: PromiseLike<unknown>, leftMs: number | undefined, signal: AbortSignal | undefined): Promise<unknown> {
  const b = addon as Binding;
  if (!listening) {
    // Stryker disable next-line BooleanLiteral: equivalent, setting the same listener again changes nothing
    listening = true;
    b.setAsyncListener(onRequest);
  }
  scope.end = RegionEnd.Awaiting; // the addon already keeps its token (native/async.h)
  return new Promise((resolve, reject) => {
    const region: AsyncRegion = { scope, resolve, reject, timer: undefined, onAbort: undefined, signal };
    awaiting.set(scope.token, region);
    if (leftMs !== undefined) {
      const timeout = () => end(region, { ok: false, error: timeoutError(scope), interrupt: true });
      region.timer = setTimeout(timeout, leftMs);
    }
    if (signal !== undefined) {
      region.onAbort = () => {
        scope.signalReason = signal.reason;
        b.interrupt(b.thread, scope.token, signalAborted, 0);
      };
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, a signal aborts once and end() removes the listener
      signal.addEventListener('abort', region.onAbort, { once: true });
    }
    promise.then(
      (value) => end(region, { ok: true, value }),
      (error: unknown) => end(region, { ok: false, error, interrupt: false }),
    );
  });
}

function timeoutError(scope: ScopeImpl): TimeoutError {
  return placeInterrupt(() => new TimeoutError(`${label(scope)} timed out after ${scope.timeout} ms`, scope.timeout), continueAsync, []);
}

/** The addon accepted a request for async region `token` (on this thread, from the event loop). */
function onRequest(token: number): void {
  const region = awaiting.get(token);
  if (region !== undefined) end(region, { ok: false, error: undefined, interrupt: true });
}

function end(region: AsyncRegion, ending: Ending): void {
  const { scope } = region;
  if (!awaiting.delete(scope.token)) return; // already ended
  clearTimeout(region.timer);
  if (region.onAbort) region.signal!.removeEventListener('abort', region.onAbort);
  const b = addon as Binding;
  // An accepted request wins over the promise's own outcome (G12), unless a deadline ended
  // the region first.
  const claimed: PendingRecord | null = b.asyncEnd(scope.token);
  let outcome = ending;
  if (claimed !== null && !(outcome.ok === false && outcome.interrupt && outcome.error !== undefined)) {
    const error = errorFor(claimed, scope, [], continueAsync);
    if (!outcome.ok && !outcome.interrupt) Object.defineProperty(error, 'suppressed', { value: outcome.error, configurable: true, writable: true });
    outcome = { ok: false, error, interrupt: true };
  }
  if (!outcome.ok && outcome.interrupt) {
    scope.end = RegionEnd.Interrupted;
    scope.aborted(outcome.error);
  } else {
    scope.end = outcome.ok ? RegionEnd.Returned : RegionEnd.Threw;
  }
  const failed = runCleanups(scope, outcome);
  if (failed !== undefined) region.reject(failed.error);
  else if (outcome.ok) region.resolve(outcome.value);
  else region.reject(outcome.error);
}

/** The cleanups, LIFO, shielded; the first failure fails a region that had succeeded. */
function runCleanups(scope: ScopeImpl, outcome: Ending): { error: unknown } | undefined {
  const cleanups = scope.cleanups;
  scope.cleanups = undefined;
  if (cleanups === undefined) return undefined;
  let failure: { error: unknown } | undefined;
  shield(() => {
    for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) {
      try {
        cleanup();
      } catch (error) {
        if (outcome.ok && failure === undefined) failure = { error };
        else process.emitWarning(`a deferred cleanup threw after its region had already failed: ${describeReason(error)}`, 'InterruptibleCleanupWarning');
      }
    }
  });
  return failure;
}

