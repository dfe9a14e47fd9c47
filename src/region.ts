// Regions: interruptible() and withTimeout(). The boundary itself is native
// (native/boundary.cc); this is its TypeScript epilogue: it turns what the boundary
// reports into the typed error, repairs, and runs the deferred cleanups
// (docs/BOUNDARY.md, step 5).
import { executionAsyncId } from 'node:async_hooks';
import { errorFor, label } from './delivery.js';
import { InterruptError, isInterrupt, placeInterrupt } from './errors.js';
import { framesFrom } from './frames.js';
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

// What the hot path uses of the binding, read once. Without the addon, interruptible()
// throws before it reaches any of them, so the stand-ins are never used.
const shared = addon?.shared ?? new Int32Array(8);
const run = addon?.run;
const interrupted = addon?.interrupted;
const entry = addon?.entry ?? new Float64Array(3);
const { depth: DEPTH, shieldDepth: SHIELD_DEPTH, async: ASYNC, entryToken: TOKEN, entryTimeoutMs: TIMEOUT, entryAsyncId: ASYNC_ID, entryLeftMs: LEFT_MS } =
  addon?.layout ?? { depth: 0, shieldDepth: 0, async: 0, entryToken: 0, entryTimeoutMs: 0, entryAsyncId: 0, entryLeftMs: 0 };

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
  if (addon === undefined) requireAddon('interruptible()');
  const { timeout, name, signal } = options === undefined ? NO_OPTIONS : parseOptions(options);
  return enter(fn, timeout, name, signal, interruptible);
}

/** interruptible(fn, { timeout: ms }): throws TimeoutError past `ms` milliseconds. */
export function withTimeout<T>(ms: number, fn: (scope: Scope) => PromiseLike<T>): Promise<T>;
export function withTimeout<T>(ms: number, fn: (scope: Scope) => T): T;
export function withTimeout<T>(ms: number, fn: (scope: Scope) => T): T | Promise<unknown> {
  const timeout = checkTimeout(ms, 'withTimeout(ms)');
  checkFunction(fn, 'withTimeout()');
  if (addon === undefined) requireAddon('withTimeout()');
  return enter(fn, timeout, undefined, undefined, withTimeout);
}

/**
 * The region itself, its arguments checked. `api` is the public function that was called:
 * errors are built as if thrown there.
 */
function enter<T>(fn: (scope: Scope) => T, timeout: number, name: string | undefined, signal: AbortSignal | undefined, api: Function): T | Promise<unknown> {
  if (regions.depth !== shared[DEPTH]) settleForeign();
  installRepairs();
  const scope = new ScopeImpl(++lastToken, timeout, name, shared[SHIELD_DEPTH]!, storeMark(), moduleMark());
  const depth = regions.depth;
  regions.push(scope);
  const onAbort = signal && (() => abortRegion(scope, signal!.reason));
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, a signal aborts once and every way out of run() below removes the listener
  if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
  let result: T | object;
  try {
    entry[TOKEN] = scope.token;
    entry[TIMEOUT] = timeout;
    entry[ASYNC_ID] = executionAsyncId();
    result = run!(fn, scope, depth === 0 ? regions.entered : undefined);
  } catch (error) {
    // fn's own error. (A termination aimed at an outer region runs no JS here at all:
    // that region's boundary ends this scope below.)
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    finish(depth, RegionEnd.Threw);
    throw error;
  }
  if (onAbort) signal!.removeEventListener('abort', onAbort);
  if (result === interrupted) {
    const outcome = addon!.outcome()!;
    repairAfterInterrupt(scope.storeMark, scope.moduleMark);
    finish(depth, RegionEnd.Interrupted);
    const error = interruptError(outcome, scope, api);
    scope.aborted(error);
    throw error;
  }
  if (shared[ASYNC] !== 0) {
    // The region lasts until its promise settles (src/async-region.ts); its cleanups wait.
    leaveForAsync(depth);
    return continueAsync(scope, result as PromiseLike<unknown>, timeout > 0 ? entry[LEFT_MS] : undefined, signal);
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
function interruptError(outcome: OutcomeRecord, scope: ScopeImpl, api: Function): unknown {
  const { suppressed } = outcome;
  if (isInterrupt(suppressed) && (suppressed as Record<symbol, unknown>)[kCheckpointOf] === scope.token) return suppressed;
  const error = errorFor(outcome, scope, () => framesFrom(outcome.frames), api);
  if ('suppressed' in outcome) Object.defineProperty(error, 'suppressed', { value: suppressed, configurable: true, writable: true });
  return error;
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
  const ending = regions.scopes[depth]!;
  // Stryker disable next-line ArithmeticOperator,BlockStatement: equivalent, the slow path below does the same for one scope without cleanups
  if (regions.depth === depth + 1 && ending.cleanups === undefined) {
    regions.pop().end = how;
    shared[SHIELD_DEPTH] = ending.shieldDepth;
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
  shared[SHIELD_DEPTH] = ending.shieldDepth;
  if (failure !== undefined) throw failure.error;
}

/** The synchronous part of an async region returned: off the stack, cleanups kept. */
function leaveForAsync(depth: number): void {
  const scope = regions.scopes[depth]!;
  // Inner regions all ended by their own boundaries: this one is on top.
  regions.pop();
  shared[SHIELD_DEPTH] = scope.shieldDepth;
}

/**
 * Regions whose boundary a termination that was not ours went through (a vm timeout
 * that its owner then cancelled): our epilogue never ran for them. Ends them now, at the
 * next entry, with their cleanups.
 */
function settleForeign(): void {
  const depth = shared[DEPTH]!;
  if (regions.depth > depth) finish(depth, RegionEnd.Interrupted);
}

function reportCleanupError(error: unknown): void {
  // The region's own outcome wins; a second failure must not be lost silently.
  process.emitWarning(
    `a deferred cleanup threw after its region had already failed: ${describeReason(error)}`,
    { type: 'InterruptibleCleanupWarning', detail: error instanceof Error ? error.stack : undefined },
  );
}
