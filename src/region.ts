// Regions and what acts on them: interruptible, Scope, shield, withTimeout, interrupt.
//
// The data path: interrupt() -> addon.interrupt (queues on the target thread, signals V8)
// -> native callback on the target thread terminates -> the region's native boundary
// cancels and returns `addon.interrupted` -> interruptible() below builds the typed error,
// runs the unwound regions' deferred cleanups shielded, innermost first, and throws.
import {
  InterruptError,
  TimeoutError,
  currentFrames,
  decodeReason,
  describeReason,
  encodeReason,
  uncloneable,
  isRegistered,
  markInterrupt,
  placeInterrupt,
  type InterruptFrame,
} from './errors.js';
import { executionAsyncId } from 'node:async_hooks';
import { Cell, own } from './control.js';
import { repairAfterInterrupt, repairState } from './repair.js';
import { checkHandle, makeHandle, type InterruptHandle } from './handle.js';
import { DeliveryKind, Shared, addon, requireAddon, type Binding, type PendingRecord } from './native.js';

export interface RegionOptions {
  /** Milliseconds the region may run; past that it throws TimeoutError (G8). */
  timeout?: number | undefined;
  /** An aborted signal ends the region like interrupt(scope.handle, signal.reason). */
  signal?: AbortSignal | undefined;
  /** Shown in error messages. */
  name?: string | undefined;
}

export interface InterruptOptions {
  /**
   * Milliseconds between marking the region (scope.interrupted, checkpoint() throws) and
   * the hard interrupt, so that cooperative code can unwind with its finally blocks.
   */
  grace?: number | undefined;
}

/** What a region's function receives. */
export interface Scope {
  /** Names this region for interrupt(), from any thread of the process. */
  readonly handle: InterruptHandle;
  /** A request or an expired deadline aims at this region (or an outer one). */
  readonly interrupted: boolean;
  readonly name: string | undefined;
  /** Runs `cleanup` when the region ends, however it ends: exactly once, LIFO, shielded (G3). */
  defer(cleanup: () => void): void;
  /** Throws the pending interrupt as an ordinary exception, so catch/finally all run. */
  checkpoint(): void;
}

const enum Ended {
  Running = 0,
  Returned = 1,
  Threw = 2,
  Interrupted = 3,
}

let lastToken = 0;
/** This thread's active regions, outermost first. */
const active: ScopeImpl[] = [];
/** Active regions with a deadline: while 0 (and nothing is queued), nothing can be pending. */
let timed = 0;
/** In a StoppableWorker or a pool worker: where the parent sees whether a region runs. */
const control = own()?.cells;

function publishRunning(running: 0 | 1): void {
  if (control === undefined) return;
  Atomics.store(control, Cell.Running, running);
  if (control[Cell.Watched] !== 0) Atomics.notify(control, Cell.Running);
}

class ScopeImpl implements Scope {
  readonly token: number;
  readonly timeout: number;
  readonly name: string | undefined;
  ended: Ended = Ended.Running;
  cleanups: Array<() => void> | undefined = undefined;
  /** Where repairState stood at entry (see repair.ts). */
  readonly storeMark = repairState.stores.length;
  readonly moduleMark = repairState.moduleLoads;
  #handle: InterruptHandle | undefined = undefined;

  constructor(token: number, timeout: number, name: string | undefined) {
    this.token = token;
    this.timeout = timeout;
    this.name = name;
  }

  get handle(): InterruptHandle {
    const b = addon as Binding;
    return (this.#handle ??= makeHandle(b.nonce, b.thread, this.token));
  }

  get interrupted(): boolean {
    if (this.ended !== Ended.Running) return this.ended === Ended.Interrupted;
    return pendingFor(this.token, false) !== null;
  }

  defer(cleanup: () => void): void {
    if (typeof cleanup !== 'function') {
      throw new TypeError(`scope.defer() expects a function, got ${typeof cleanup}`);
    }
    if (this.ended !== Ended.Running) throw ended('defer');
    (this.cleanups ??= []).push(cleanup);
  }

  checkpoint(): void {
    if (this.ended !== Ended.Running) throw ended('checkpoint');
    // Shielded code is not cancelled, cooperatively or otherwise (G4): the addon leaves out
    // what a shield between the target region and here holds back.
    const pending = pendingFor(this.token, true);
    if (pending !== null) throw errorFor(pending, currentFrames(this.checkpoint), this.checkpoint);
  }
}

function ended(what: string): Error {
  const error = new Error(`scope.${what}() called after its region ended`);
  (error as Error & { code: string }).code = 'ERR_INVALID_STATE';
  return error;
}

function pendingFor(token: number, deliverable: boolean): PendingRecord | null {
  const b = addon as Binding;
  if (b.shared[Shared.Queued] === 0 && timed === 0) return null;
  return b.pending(token, deliverable);
}

function label(scope: ScopeImpl | undefined): string {
  return scope?.name === undefined ? 'region' : `region "${scope.name}"`;
}

/**
 * The error a delivery (or a pending request, for checkpoint) turns into; its stack
 * starts at the caller of `below`.
 */
function errorFor(record: PendingRecord, frames: readonly InterruptFrame[], below: Function): Error {
  const scope = active.find((s) => s.token === record.token);
  if (record.kind === DeliveryKind.Deadline) {
    const timeout = scope?.timeout ?? 0;
    return placeInterrupt(() => new TimeoutError(`${label(scope)} timed out after ${timeout} ms`, timeout), below, frames);
  }
  const reason = decodeReason(record.reason);
  if (reason instanceof Error && isRegistered(reason)) {
    // A registered class is thrown as itself, like the exception type given to
    // PyThreadState_SetAsyncExc (G10); its stack is the requester's, then where it landed.
    markInterrupt(reason, frames);
    return reason;
  }
  const why = reason === undefined ? '' : `: ${describeReason(reason)}`;
  return placeInterrupt(() => new InterruptError(`${label(scope)} interrupted${why}`, { reason }), below, frames);
}

function checkTimeout(timeout: unknown, what: string): number {
  if (timeout === undefined || timeout === Infinity) return 0;
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new RangeError(`${what} must be a positive number of milliseconds, got ${String(timeout)}`);
  }
  return timeout;
}

function checkOptions(options: RegionOptions | undefined): RegionOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`interruptible() options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal');
  }
  if (options.name !== undefined && typeof options.name !== 'string') {
    throw new TypeError('options.name must be a string');
  }
  return options;
}

/**
 * Runs `fn(scope)` as an interruptible region: synchronously, on this thread. It returns
 * fn's value, or throws fn's own error, or throws exactly one interrupt error (G2):
 * InterruptError, TimeoutError, or a rebuilt registered reason.
 *
 * `finally` blocks inside an interrupted region do not run (V8 termination skips them);
 * clean up with scope.defer(), or with catch/finally outside the region.
 */
export function interruptible<T>(fn: (scope: Scope) => T, options?: RegionOptions): T {
  if (typeof fn !== 'function') {
    throw new TypeError(`interruptible() expects a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  const b = addon ?? requireAddon('interruptible()');
  let timeout = 0;
  let name: string | undefined;
  let signal: AbortSignal | undefined;
  if (options !== undefined) {
    ({ signal, name } = checkOptions(options));
    timeout = checkTimeout(options.timeout, 'options.timeout');
    if (signal?.aborted) {
      const what = name === undefined ? 'region' : `region "${name}"`;
      throw placeInterrupt(() => new InterruptError(`${what} aborted before it started`, { reason: signal!.reason }), interruptible, []);
    }
  }
  const scope = new ScopeImpl(++lastToken, timeout, name);
  const depth = active.length;
  active.push(scope);
  repairState.depth = depth + 1;
  if (depth === 0 && control !== undefined) publishRunning(1);
  if (timeout > 0) timed++;
  const onAbort = signal && (() => interrupt(scope.handle, signal!.reason));
  if (onAbort) signal!.addEventListener('abort', onAbort, { once: true });
  let result: T | object;
  try {
    result = b.run(scope.token, fn, scope, timeout, executionAsyncId());
  } catch (error) {
    // fn's own error. (A termination aimed at an outer region runs no JS here at all:
    // that region's boundary ends this scope below.)
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    finish(depth, Ended.Threw);
    throw error;
  }
  if (onAbort) signal!.removeEventListener('abort', onAbort);
  if (result === b.interrupted) {
    const outcome = b.outcome();
    repairAfterInterrupt(scope.storeMark, scope.moduleMark);
    const error = errorFor(outcome, outcome.frames, interruptible);
    finish(depth, Ended.Interrupted);
    throw error;
  }
  finish(depth, Ended.Returned);
  return result as T;
}

/** The thread left its outermost region. */
function ended0(): void {
  // Stores replaced by enterWith() in regions that ended normally stay replaced, as Node does.
  if (repairState.stores.length !== 0) repairState.stores.length = 0;
  if (control !== undefined) publishRunning(0);
}

/** Ends the scopes from `depth` up (innermost first), running their cleanups shielded. */
function finish(depth: number, how: Ended): void {
  if (active.length === depth + 1 && active[depth]!.cleanups === undefined) {
    const scope = active.pop()!;
    scope.ended = how;
    if (scope.timeout > 0) timed--;
    repairState.depth = depth;
    if (depth === 0) ended0();
    return;
  }
  let failure: { error: unknown } | undefined;
  shield(() => {
    while (active.length > depth) {
      const scope = active[active.length - 1]!;
      // Inner scopes still here were unwound by the interrupt that ends this one.
      if (scope.ended === Ended.Running) scope.ended = active.length - 1 === depth ? how : Ended.Interrupted;
      const cleanup = scope.cleanups?.pop();
      if (cleanup === undefined) {
        active.pop();
        if (scope.timeout > 0) timed--;
        continue;
      }
      try {
        cleanup();
      } catch (error) {
        if (how === Ended.Returned && failure === undefined) failure = { error };
        else reportCleanupError(error);
      }
    }
  });
  repairState.depth = depth;
  if (depth === 0) ended0();
  if (failure !== undefined) throw failure.error;
}

function reportCleanupError(error: unknown): void {
  // The region's own outcome wins; a second failure must not be lost silently.
  process.emitWarning(
    `a deferred cleanup threw after its region had already failed: ${describeReason(error)}`,
    { type: 'InterruptibleCleanupWarning', detail: error instanceof Error ? error.stack : undefined },
  );
}

/**
 * Runs `fn` with interrupts held back: shielded code is never interrupted; a request
 * that arrives meanwhile is delivered when the shield exits, if its region is still
 * active (G4). A shield protects against regions that enclose it; a region entered
 * inside the shield can still be interrupted itself.
 */
export function shield<T>(fn: () => T): T {
  if (typeof fn !== 'function') {
    throw new TypeError(`shield() expects a function, got ${fn === null ? 'null' : typeof fn}`);
  }
  const b = addon;
  if (b === undefined) return fn(); // without the addon nothing can interrupt
  const shared = b.shared;
  shared[Shared.ShieldDepth]!++;
  // A termination requested just before this shield but not yet taken effect is
  // taken back and held, so it cannot land inside.
  if (shared[Shared.Fired] !== 0) b.hold();
  try {
    return fn();
  } finally {
    shared[Shared.ShieldDepth]!--;
    if (shared[Shared.Held] !== 0) b.release();
  }
}

/** interruptible(fn, { timeout: ms }): throws TimeoutError past `ms` milliseconds. */
export function withTimeout<T>(ms: number, fn: (scope: Scope) => T): T {
  return interruptible(fn, { timeout: checkTimeout(ms, 'withTimeout(ms)') });
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
  const grace = options?.grace === undefined ? 0 : checkGrace(options.grace);
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

function checkGrace(grace: unknown): number {
  if (typeof grace !== 'number' || !(grace >= 0) || grace === Infinity) {
    throw new RangeError(`options.grace must be a finite number of milliseconds >= 0, got ${String(grace)}`);
  }
  return grace;
}
