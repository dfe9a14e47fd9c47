// What a region's function receives: its handle, its cleanups, and the cooperative view
// of what is pending for it.
import { errorFor } from './delivery.js';
import { stateError } from './errors.js';
import { currentFrames } from './frames.js';
import { makeHandle, type InterruptHandle } from './handle.js';
import { addon, type Binding, type PendingRecord } from './native.js';
import { regions } from './region-stack.js';
import { checkFunction } from './validate.js';

/** What a region's function receives. */
export interface Scope {
  /** Names this region for interrupt(), from any thread of the process. */
  readonly handle: InterruptHandle;
  /** A request or an expired deadline aims at this region (or an outer one). */
  readonly interrupted: boolean;
  readonly name: string | undefined;
  /** Runs `cleanup` when the region ends, however it ends: exactly once, LIFO, shielded (G3). */
  defer(cleanup: () => void): void;
  /**
   * Throws the pending interrupt as an ordinary exception, so catch/finally all run. Once
   * the region has ended by an interrupt (code after an `await` in an async region), it
   * throws the error that ended it; after any other end, ERR_INVALID_STATE.
   */
  checkpoint(): void;
  /**
   * Aborts when the region ends by an interrupt or its deadline, with that error as its
   * reason: pass it to fetch, streams, timers, so that what the region started stops too.
   * For a region whose function returned a promise, this is how its code after an `await`
   * learns it was interrupted (that code is not stopped otherwise).
   */
  readonly signal: AbortSignal;
}

/** On an error thrown by checkpoint(): the token of the region it was thrown for. */
export const kCheckpointOf = Symbol('interruptible.checkpointOf');

/** How a region ended; Active while it runs, Awaiting while its promise has not settled. */
export const enum RegionEnd {
  Active = 0,
  Returned = 1,
  Threw = 2,
  Interrupted = 3,
  Awaiting = 4,
}

/** A request or expired deadline aimed at region `token` or an outer one, if any. */
export function pendingFor(token: number, deliverable: boolean): PendingRecord | null {
  const b = addon as Binding;
  if (b.shared[b.layout.queued] === 0 && regions.timed === 0) return null;
  return b.pending(token, deliverable);
}

export class ScopeImpl implements Scope {
  readonly token: number;
  readonly timeout: number;
  readonly name: string | undefined;
  end: RegionEnd = RegionEnd.Active;
  cleanups: Array<() => void> | undefined = undefined;
  /** The reason its signal aborted with (it never leaves this thread). */
  signalReason: unknown = undefined;
  /** Shields held at entry: restored at exit (a foreign termination may have cut one short). */
  readonly shieldDepth: number;
  /** Where the repair logs stood at entry (src/repair.ts). */
  readonly storeMark: number;
  readonly moduleMark: number;
  #handle: InterruptHandle | undefined = undefined;
  /** Made on first use of `signal`: most regions never ask for it. */
  #controller: AbortController | undefined = undefined;

  constructor(token: number, timeout: number, name: string | undefined, shieldDepth: number, storeMark: number, moduleMark: number) {
    this.token = token;
    this.shieldDepth = shieldDepth;
    this.timeout = timeout;
    this.name = name;
    this.storeMark = storeMark;
    this.moduleMark = moduleMark;
  }

  get handle(): InterruptHandle {
    const b = addon as Binding;
    return (this.#handle ??= makeHandle(b.nonce, b.thread, this.token));
  }

  get interrupted(): boolean {
    // Awaiting: false. A request for an async region ends it (src/async-region.ts), and
    // Interrupted says so from then on.
    if (this.end !== RegionEnd.Active) return this.end === RegionEnd.Interrupted;
    return pendingFor(this.token, false) !== null;
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.end === RegionEnd.Interrupted && !this.#controller.signal.aborted) this.#controller.abort(this.#error);
    return this.#controller.signal;
  }

  #error: unknown = undefined;

  /** The region ended by an interrupt: its signal aborts with that error (now, or when first read). */
  aborted(error: unknown): void {
    this.#error = error;
    // abort() never throws: an exception in a listener is reported (process
    // 'uncaughtException'), as the DOM spec has EventTarget do, so it cannot replace the
    // region's error.
    if (this.#controller !== undefined && !this.#controller.signal.aborted) this.#controller.abort(error);
  }

  defer(cleanup: () => void): void {
    checkFunction(cleanup, 'scope.defer()');
    if (this.end !== RegionEnd.Active && this.end !== RegionEnd.Awaiting) {
      throw stateError('scope.defer() called after its region ended');
    }
    (this.cleanups ??= []).push(cleanup);
  }

  checkpoint(): void {
    // Nothing to throw while an async region awaits: a request ends it at once, and from
    // then on it has ended by that interrupt (thrown again below).
    if (this.end === RegionEnd.Awaiting) return;
    if (this.end !== RegionEnd.Active) {
      // Code that outlived its interrupted region (after an await, in a callback the region
      // scheduled) stops with the error that ended it (set by aborted() only); after any
      // other end, an inner region's by an outer interrupt included, nothing to check.
      if (this.#error !== undefined) throw this.#error;
      throw stateError('scope.checkpoint() called after its region ended');
    }
    // Shielded code is not cancelled, cooperatively or otherwise (G4): the addon leaves out
    // what a shield between the target region and here holds back.
    const pending = pendingFor(this.token, true);
    if (pending !== null) {
      const error = errorFor(pending, regions.find(pending.token), currentFrames(this.checkpoint), this.checkpoint);
      // Stryker disable next-line BooleanLiteral: equivalent, nothing redefines this internal symbol's property
      Object.defineProperty(error, kCheckpointOf, { value: pending.token, configurable: true });
      throw error;
    }
  }
}
