// Pool: runs tasks on worker threads (or child processes) and cancels a running task
// without killing its worker: the task's signal, then an interrupt of its region, and
// only then terminate and respawn.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import { InterruptError, TimeoutError, type InterruptFrame } from '../errors.js';
import { createExecutor, type Executor, type Isolation } from './executor.js';
import type { FromRunner } from './protocol.js';

export type { Isolation } from './executor.js';
export type { TaskContext, TaskFunction } from './protocol.js';

/** How a cancelled task ended: the rung of the ladder that ended it. */
export type CancelRung = 'queued' | 'cooperative' | 'interrupt' | 'terminate' | 'kill';

export interface PoolOptions {
  /** The task module: exports `(input, { signal }) => result | Promise<result>` as default (or `task`). */
  filename: string | URL;
  /** Workers (or processes). Default: os.availableParallelism(). */
  size?: number | undefined;
  /** 'thread' (default) or 'process'. */
  isolation?: Isolation | undefined;
  /** Default per-task timeout in ms, counted from the moment the task starts. */
  timeout?: number | undefined;
  /** Ms from the cooperative rung to the next rung (interrupt / SIGTERM). Default 100. */
  grace?: number | undefined;
  /** Ms from the cooperative rung to the last rung (terminate / SIGKILL). Default 2000. */
  force?: number | undefined;
}

export interface RunOptions {
  signal?: AbortSignal | undefined;
  /** Overrides the pool's timeout for this task. */
  timeout?: number | undefined;
  transferList?: readonly TransferListItem[] | undefined;
  /** Receives each value the task passes to context.progress(), while the task runs. */
  onProgress?: ((value: unknown) => void) | undefined;
}

export interface PoolStats {
  completed: number;
  failed: number;
  cancelled: Record<CancelRung, number>;
  /** Workers (or processes) started to replace one that was terminated or crashed. */
  respawns: number;
  size: number;
  queued: number;
  running: number;
}

/** The error a cancelled task rejects with: InterruptError or TimeoutError, plus its rung. */
export type CancelledTaskError = InterruptError & { readonly rung: CancelRung };

interface Task {
  id: number;
  input: unknown;
  transferList: readonly TransferListItem[] | undefined;
  timeout: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onProgress: ((value: unknown) => void) | undefined;
  onAbort: (() => void) | undefined;
  slot: Slot | undefined;
  cancel: { reason: unknown; timedOut: boolean } | undefined;
  rung: CancelRung | undefined;
  timers: NodeJS.Timeout[];
  settled: boolean;
}

interface Slot {
  executor: Executor;
  ready: boolean;
  task: Task | undefined;
}

function checkMs(value: unknown, name: string, fallback: number, allowZero = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a number of milliseconds ${allowZero ? '>= 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}

function closedError(): Error {
  return Object.assign(new Error('the pool is closed'), { code: 'ERR_POOL_CLOSED' });
}

export class Pool {
  readonly isolation: Isolation;
  readonly size: number;
  readonly #filename: string;
  readonly #timeout: number;
  readonly #grace: number;
  readonly #force: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 0;
  #closing: Promise<void> | undefined;
  #broken: Error | undefined;
  #idle: (() => void) | undefined;
  #readyWaiters: Array<() => void> = [];
  readonly #stats: PoolStats;

  constructor(options: PoolOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('new Pool(options): options must be an object');
    const { filename } = options;
    if (typeof filename !== 'string' && !(filename instanceof URL)) {
      throw new TypeError('options.filename must be a path or a file: URL of the task module');
    }
    this.#filename = filename instanceof URL ? fileURLToPath(filename) : filename;
    const isolation = options.isolation ?? 'thread';
    if (isolation !== 'thread' && isolation !== 'process') {
      throw new TypeError(`options.isolation must be 'thread' or 'process', got ${String(isolation)}`);
    }
    this.isolation = isolation;
    const size = options.size ?? availableParallelism();
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`options.size must be an integer >= 1, got ${String(size)}`);
    this.size = size;
    this.#timeout = checkMs(options.timeout, 'options.timeout', 0);
    this.#grace = checkMs(options.grace, 'options.grace', 100);
    this.#force = Math.max(this.#grace, checkMs(options.force, 'options.force', 2000));
    this.#stats = {
      completed: 0,
      failed: 0,
      cancelled: { queued: 0, cooperative: 0, interrupt: 0, terminate: 0, kill: 0 },
      respawns: 0,
      size,
      queued: 0,
      running: 0,
    };
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn());
  }

  /** Runs the task module's function on `input` in a worker; see RunOptions. */
  run<R = unknown>(input: unknown, options: RunOptions = {}): Promise<R> {
    if (this.#closing) return Promise.reject(closedError());
    if (this.#broken) return Promise.reject(this.#broken);
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(new TypeError('options.signal must be an AbortSignal'));
    }
    let timeout: number;
    try {
      timeout = checkMs(options.timeout, 'options.timeout', this.#timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<R>((resolve, reject) => {
      const task: Task = {
        id: ++this.#nextId,
        input,
        transferList: options.transferList,
        timeout,
        resolve: resolve as (value: unknown) => void,
        reject,
        signal,
        onProgress: options.onProgress,
        onAbort: undefined,
        slot: undefined,
        cancel: undefined,
        rung: undefined,
        timers: [],
        settled: false,
      };
      if (signal?.aborted) {
        this.#cancel(task, signal.reason, false);
        return;
      }
      if (signal) {
        task.onAbort = () => this.#cancel(task, signal.reason, false);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  /** Resolves once every worker (or process) has loaded the task module. */
  async ready(): Promise<void> {
    while (!this.#broken && this.#slots.some((s) => !s.ready)) {
      await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    }
    if (this.#broken) throw this.#broken;
  }

  /** Counts per outcome and per rung, and what the pool holds now. */
  stats(): PoolStats {
    return {
      ...this.#stats,
      cancelled: { ...this.#stats.cancelled },
      queued: this.#queue.length,
      running: this.#slots.filter((s) => s.task).length,
    };
  }

  /** Stops taking tasks, lets queued and running ones finish, then ends the workers. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      while (this.#queue.length > 0 || this.#slots.some((s) => s.task)) {
        await new Promise<void>((resolve) => (this.#idle = resolve));
      }
      await Promise.all(this.#slots.map((s) => s.executor.close()));
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #spawn(): Slot {
    const slot: Slot = { executor: createExecutor(this.isolation, this.#filename), ready: false, task: undefined };
    slot.executor.onMessage((message) => this.#onMessage(slot, message));
    slot.executor.onExit((code) => this.#onExit(slot, code));
    return slot;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      if (!slot.ready || slot.task) continue;
      const task = this.#queue.shift()!;
      try {
        slot.executor.send({ type: 'run', id: task.id, input: task.input }, task.transferList);
      } catch (error) {
        this.#settle(task, () =>
          task.reject(new TypeError(`the task input could not be sent to the worker: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
        );
        this.#stats.failed++;
        continue;
      }
      slot.task = task;
      task.slot = slot;
      if (task.timeout > 0) {
        task.timers.push(setTimeout(() => this.#cancel(task, undefined, true), task.timeout));
      }
    }
    if (this.#queue.length === 0 && !this.#slots.some((s) => s.task)) {
      this.#idle?.();
      this.#idle = undefined;
    }
  }

  #onMessage(slot: Slot, message: FromRunner): void {
    if (message.type === 'ready') {
      slot.ready = true;
      for (const wake of this.#readyWaiters.splice(0)) wake();
      this.#dispatch();
      return;
    }
    if (message.type === 'init-error') {
      this.#broken = new Error(`the pool's task module could not be loaded: ${message.message}`);
      for (const task of this.#queue.splice(0)) this.#settle(task, () => task.reject(this.#broken));
      for (const wake of this.#readyWaiters.splice(0)) wake();
      this.#dispatch();
      return;
    }
    const task = slot.task;
    if (task === undefined || task.id !== message.id) return;
    if (message.type === 'progress') {
      if (!task.settled && !task.cancel) task.onProgress?.(message.value);
      return;
    }
    slot.task = undefined;
    if (task.cancel) {
      this.#rejectCancelled(task, message.ok ? undefined : message.interruptedAt);
    } else if (message.ok) {
      this.#stats.completed++;
      this.#settle(task, () => task.resolve(message.value));
    } else {
      this.#stats.failed++;
      this.#settle(task, () => task.reject(message.error));
    }
    this.#dispatch();
  }

  #onExit(slot: Slot, code: number): void {
    const index = this.#slots.indexOf(slot);
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      if (task.cancel) {
        this.#rejectCancelled(task, undefined);
      } else {
        this.#stats.failed++;
        this.#settle(task, () => task.reject(new Error(`the pool's ${this.isolation === 'thread' ? 'worker' : 'process'} running task ${task.id} exited unexpectedly (code ${code})`)));
      }
    }
    if (index >= 0 && !this.#closing && !this.#broken) {
      this.#slots[index] = this.#spawn();
      this.#stats.respawns++;
    } else if (index >= 0) {
      this.#slots.splice(index, 1);
    }
    this.#dispatch();
  }

  /** Walks the ladder for `task`: cooperative now, then after grace, then after force. */
  #cancel(task: Task, reason: unknown, timedOut: boolean): void {
    if (task.settled || task.cancel) return;
    const queued = this.#queue.indexOf(task);
    task.cancel = { reason, timedOut };
    if (task.slot === undefined) {
      if (queued >= 0) this.#queue.splice(queued, 1);
      task.rung = 'queued';
      this.#rejectCancelled(task, undefined);
      return;
    }
    const slot = task.slot;
    const running = () => slot.task === task;
    task.rung = 'cooperative';
    slot.executor.cooperate(task.id);
    const second = () => {
      if (!running()) return;
      if (slot.executor.isolation === 'thread') {
        // False until the task's region is visible (its run message may still be on the
        // way) and while an async task awaits outside its region: try again shortly.
        if (slot.executor.interrupt(task.id, 'cancel')) task.rung = 'interrupt';
        else task.timers.push(setTimeout(second, 1));
      } else {
        task.rung = 'terminate';
        slot.executor.terminate();
      }
    };
    // With no grace the next rung follows at once, not a timer tick later.
    if (this.#grace === 0) second();
    else task.timers.push(setTimeout(second, this.#grace));
    task.timers.push(
      setTimeout(() => {
        if (!running()) return;
        task.rung = slot.executor.isolation === 'thread' ? 'terminate' : 'kill';
        slot.executor.kill();
      }, this.#force),
    );
  }

  #rejectCancelled(task: Task, interruptedAt: readonly InterruptFrame[] | undefined): void {
    const rung = task.rung ?? 'cooperative';
    const cancel = task.cancel!;
    const options = interruptedAt ? { interruptedAt } : {};
    const error = cancel.timedOut
      ? new TimeoutError(`task ${task.id} timed out after ${task.timeout} ms (ended by: ${rung})`, task.timeout, options)
      : new InterruptError(`task ${task.id} was cancelled (ended by: ${rung})`, { ...options, reason: cancel.reason });
    Object.defineProperty(error, 'rung', { value: rung, enumerable: true });
    this.#stats.cancelled[rung]++;
    this.#settle(task, () => task.reject(error));
  }

  #settle(task: Task, settle: () => void): void {
    task.settled = true;
    for (const timer of task.timers) clearTimeout(timer);
    task.timers = [];
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    task.slot = undefined;
    settle();
  }
}
