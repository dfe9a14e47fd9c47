// Regions: interruptible() and withTimeout(). The boundary itself is native
// (native/boundary.cc); this is its TypeScript epilogue: it turns what the boundary
// reports into the typed error, repairs, and runs the deferred cleanups
// (docs/BOUNDARY.md, step 5).
import { executionAsyncId } from 'node:async_hooks';
// Imported, not the global: Node loads the global `performance` lazily, on first use, and a
// first use inside a region could be interrupted halfway (README, hazards), breaking it.
import { performance } from 'node:perf_hooks';
import { errorFor, label } from './delivery.js';
import { InterruptError, isInterrupt, placeInterrupt } from './errors.js';
import { addon, requireAddon, type Binding, type OutcomeRecord } from './native.js';
import { describeReason, signalAborted } from './reasons.js';
import { regions } from './region-stack.js';
import { continueAsync } from './async-region.js';
import { installRepairs, moduleMark, repairAfterInterrupt, storeMark } from './repair.js';
import { RegionEnd, ScopeImpl, kCheckpointOf, type Scope } from './scope.js';
import { shield } from './shield.js';
import { checkFunction, checkName, checkOptions, checkSignal, checkTimeout } from './validate.js';

export type { Scope } from './scope.js';

export interface RegionOptions {
  /** Milliseconds the region may run; past that it throws TimeoutError (G8). Infinity: none. */
  timeout?: number | undefined;
  /** An aborted signal ends the region like interrupt(scope.handle, signal.reason). */
  signal?: AbortSignal | undefined;
  /** Shown in error messages. */
  name?: string | undefined;
}

let lastToken = 0;

interface Parsed {
  timeout: number;
  name: string | undefined;
  signal: AbortSignal | undefined;
}
const NO_OPTIONS: Parsed = { timeout: 0, name: undefined, signal: undefined };

/** The options, each read once and checked; an already-aborted signal throws here, before fn runs. */
function parseOptions(options: RegionOptions): Parsed {
  const o = checkOptions<RegionOptions>(options, 'interruptible() options');
  const [t, s, n] = [o.timeout, o.signal, o.name];
  const parsed = { timeout: checkTimeout(t, 'options.timeout'), signal: checkSignal(s, 'options.signal'), name: checkName(n, 'options.name') };
  if (parsed.signal?.aborted) {
    const reason: unknown = parsed.signal.reason;
    throw placeInterrupt(() => new InterruptError(`${label(parsed)} aborted before it started`, { reason }), interruptible, []);
  }
  return parsed;
}

/**
 * Runs `fn(scope)` as an interruptible region: synchronously, on this thread. It returns
 * fn's value, or throws fn's own error, or throws exactly one interrupt error (G2):
 * InterruptError, TimeoutError, or a rebuilt registered reason.
 *
 * `finally` blocks inside an interrupted region do not run (V8 termination skips them);
 * clean up with scope.defer(), or with catch/finally outside the region.
 */
export function interruptible<T>(fn: (scope: Scope) => PromiseLike<T>, options?: RegionOptions): Promise<T>;
export function interruptible<T>(fn: (scope: Scope) => T, options?: RegionOptions): T;
export function interruptible<T>(fn: (scope: Scope) => T, options?: RegionOptions): T | Promise<unknown> {
  checkFunction(fn, 'interruptible()');
  const b = addon ?? requireAddon('interruptible()');
  const { timeout, name, signal } = options === undefined ? NO_OPTIONS : parseOptions(options);
  if (regions.depth !== b.shared[b.layout.depth]) settleForeign(b);
  installRepairs();
  const scope = new ScopeImpl(++lastToken, timeout, name, b.shared[b.layout.shieldDepth]!, storeMark(), moduleMark());
  const depth = regions.depth;
  regions.push(scope);
  const onAbort = signal && (() => abortRegion(scope, signal!.reason));
  if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
  const enteredAt = timeout > 0 ? performance.now() : 0;
  let result: T | object;
  try {
    result = b.run(scope.token, fn, scope, timeout, executionAsyncId());
  } catch (error) {
    // fn's own error. (A termination aimed at an outer region runs no JS here at all:
    // that region's boundary ends this scope below.)
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    finish(depth, RegionEnd.Threw);
    throw error;
  }
  if (onAbort) signal!.removeEventListener('abort', onAbort);
  if (result === b.interrupted) {
    const outcome = b.outcome()!;
    repairAfterInterrupt(scope.storeMark, scope.moduleMark);
    finish(depth, RegionEnd.Interrupted);
    const error = interruptError(outcome, scope);
    scope.aborted(error);
    throw error;
  }
  if (b.shared[b.layout.async] !== 0) {
    // The region lasts until its promise settles (src/async-region.ts); its cleanups wait.
    leaveForAsync(depth);
    return continueAsync(scope, result as PromiseLike<unknown>, enteredAt > 0 ? enteredAt + timeout : 0, signal);
  }
  finish(depth, RegionEnd.Returned);
  return result as T;
}

/**
 * The error an interrupted region throws: built after the bookkeeping, so that nothing a
 * reason does while it is rebuilt can skip it. When fn threw first while an accepted
 * request was pending, the interrupt wins (G12) and carries fn's error as `suppressed`;
 * an error that checkpoint() threw for this very region is that interrupt already.
 */
function interruptError(outcome: OutcomeRecord, scope: ScopeImpl): unknown {
  const { suppressed } = outcome;
  if (isInterrupt(suppressed) && (suppressed as Record<symbol, unknown>)[kCheckpointOf] === scope.token) return suppressed;
  const error = errorFor(outcome, scope, outcome.frames, interruptible);
  if ('suppressed' in outcome) Object.defineProperty(error, 'suppressed', { value: suppressed, configurable: true, writable: true });
  return error;
}

/** interruptible(fn, { timeout: ms }): throws TimeoutError past `ms` milliseconds. */
export function withTimeout<T>(ms: number, fn: (scope: Scope) => PromiseLike<T>): Promise<T>;
export function withTimeout<T>(ms: number, fn: (scope: Scope) => T): T;
export function withTimeout<T>(ms: number, fn: (scope: Scope) => T): T | Promise<unknown> {
  checkTimeout(ms, 'withTimeout(ms)'); // named after this call in the error
  return interruptible(fn, { timeout: ms });
}

/**
 * The region's signal aborted: interrupt it as interrupt(scope.handle, reason) would.
 * The reason stays here (the region runs on this thread), so any value works, cloneable
 * or not; this runs inside the signal's dispatch, where it must not throw.
 */
function abortRegion(scope: ScopeImpl, reason: unknown): void {
  const b = addon as Binding;
  scope.signalReason = reason;
  b.interrupt(b.thread, scope.token, signalAborted, 0);
}

/**
 * Ends the scopes from `depth` up (innermost first), running their cleanups shielded.
 * Scopes above the one that ended were unwound by the interrupt that ended it.
 */
function finish(depth: number, how: RegionEnd): void {
  const b = addon as Binding;
  const ending = regions.scopes[depth]!;
  if (regions.depth === depth + 1 && ending.cleanups === undefined) {
    regions.pop().end = how;
    b.shared[b.layout.shieldDepth] = ending.shieldDepth;
    return;
  }
  let failure: { error: unknown } | undefined;
  shield(() => {
    while (regions.depth > depth) {
      const scope = regions.top()!;
      if (scope.end === RegionEnd.Active) scope.end = regions.depth - 1 === depth ? how : RegionEnd.Interrupted;
      const cleanup = scope.cleanups?.pop();
      if (cleanup === undefined) {
        regions.pop();
        continue;
      }
      try {
        cleanup();
      } catch (error) {
        if (how === RegionEnd.Returned && failure === undefined) failure = { error };
        else reportCleanupError(error);
      }
    }
  });
  b.shared[b.layout.shieldDepth] = ending.shieldDepth;
  if (failure !== undefined) throw failure.error;
}

/** The synchronous part of an async region returned: off the stack, cleanups kept. */
function leaveForAsync(depth: number): void {
  const b = addon as Binding;
  const scope = regions.scopes[depth]!;
  // Inner regions all ended by their own boundaries: this one is on top.
  regions.pop();
  b.shared[b.layout.shieldDepth] = scope.shieldDepth;
}

/**
 * Regions whose boundary a termination that was not ours went through (a vm timeout
 * that its owner then cancelled): our epilogue never ran for them. Ends them now, at the
 * next entry, with their cleanups.
 */
function settleForeign(b: Binding): void {
  const depth = b.shared[b.layout.depth]!;
  if (regions.depth > depth) finish(depth, RegionEnd.Interrupted);
}

function reportCleanupError(error: unknown): void {
  // The region's own outcome wins; a second failure must not be lost silently.
  process.emitWarning(
    `a deferred cleanup threw after its region had already failed: ${describeReason(error)}`,
    { type: 'InterruptibleCleanupWarning', detail: error instanceof Error ? error.stack : undefined },
  );
}
