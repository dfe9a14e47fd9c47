// Pool: runs tasks on worker threads (or child processes) and cancels a running task
// without killing its worker: the task's signal, then an interrupt of its region, and
// only then terminate and respawn (the ladder, src/ladder.ts).
import type { TransferListItem } from 'node:worker_threads';
import type { InterruptFrame } from '../frames.js';
import { Ladder } from '../ladder.js';
import { checkOptions, checkTimeout } from '../validate.js';
import { createExecutor, type Executor, type Isolation } from './executor.js';
import { emptyStats, parsePoolOptions, parseRunOptions, type ParsedRun, type PoolOptions, type PoolStats, type RunOptions } from './options.js';
import type { FromRunner } from './protocol.js';
import { cancelSteps, cancelledError, rungOf, settle, type CancelRung, type Task } from './task.js';

export type { Isolation } from './executor.js';
export type { PoolOptions, RunOptions, PoolStats } from './options.js';
export type { TaskContext, TaskFunction } from './protocol.js';
export type { CancelRung, CancelledTaskError } from './task.js';

/** One place the pool runs tasks, and the task it runs now. */
interface PoolWorker {
  executor: Executor;
  ready: boolean;
  task: Task | undefined;
  /** Breaks the pool if the task module has not loaded by then (PoolOptions.loadTimeout). */
  loading: NodeJS.Timeout | undefined;
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
  readonly #loadTimeout: number;
  readonly #workers: PoolWorker[] = [];
  /** Workers ended by the last rung that have not exited yet (a thread blocked in native code). */
  readonly #dying = new Set<PoolWorker>();
  readonly #queue: Task[] = [];
  #nextId = 0;
  #closing: Promise<void> | undefined;
  #broken: Error | undefined;
  #idle: (() => void) | undefined;
  #readyWaiters: Array<() => void> = [];
  readonly #stats: PoolStats;

  constructor(options: PoolOptions) {
    const o = parsePoolOptions(options);
    this.#filename = o.filename;
    this.isolation = o.isolation;
    this.size = o.size;
    this.#timeout = o.timeout;
    this.#grace = o.grace;
    this.#force = o.force;
    this.#loadTimeout = o.loadTimeout;
    const size = o.size;
    this.#stats = emptyStats(size);
    for (let i = 0; i < size; i++) this.#workers.push(this.#spawn());
  }

  /** Runs the task module's function on `input` in a worker; see RunOptions. */
  run<R = unknown>(input: unknown, options?: RunOptions): Promise<R> {
    if (this.#closing) return Promise.reject(closedError());
    if (this.#broken) return Promise.reject(this.#broken);
    let parsed: ParsedRun;
    try {
      parsed = parseRunOptions(options, this.#timeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal, timeout, onProgress, transferList } = parsed;
    return new Promise<R>((resolve, reject) => {
      const task: Task = {
        id: ++this.#nextId,
        input,
        transferList,
        timeout,
        signal,
        onProgress,
        resolve: resolve as (value: unknown) => void,
        reject,
        onAbort: undefined,
        cancel: undefined,
        rung: undefined,
        timer: undefined,
        settled: false,
      };
      if (signal?.aborted) return this.#cancel(task, signal.reason, false);
      if (signal) {
        task.onAbort = () => this.#cancel(task, signal.reason, false);
        // Stryker disable next-line ObjectLiteral,BooleanLiteral: equivalent, a signal fires 'abort' once (and settle() removes the listener)
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  #arm(task: Task): void {
    task.timer ??= setTimeout(() => this.#cancel(task, undefined, true), task.timeout);
  }

  /** Resolves once every worker (or process) has loaded the task module. */
  async ready(): Promise<void> {
    while (!this.#broken && this.#workers.some((w) => !w.ready)) {
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
      running: this.#workers.filter((w) => w.task).length,
      stuck: this.#dying.size,
    };
  }

  /**
   * Stops taking tasks, lets queued and running ones finish, then ends the workers. With
   * `timeout`, the tasks still queued or running after that many ms are cancelled (their
   * ladder ends them within `force`). A worker that does not exit within `force` of being
   * ended (blocked in a native call) is not waited for.
   */
  close(options?: { timeout?: number }): Promise<void> {
    const timeout = checkTimeout(checkOptions<{ timeout: number }>(options, 'close() options').timeout, 'options.timeout');
    this.#closing ??= (async () => {
      const reason = closedError();
      const cancelAll = () => [...this.#queue, ...this.#workers.map((w) => w.task)].forEach((t) => t && this.#cancel(t, reason, false));
      const timer = timeout > 0 ? setTimeout(cancelAll, timeout) : undefined;
      while (this.#queue.length > 0 || this.#workers.some((w) => w.task)) {
        await new Promise<void>((resolve) => (this.#idle = resolve));
      }
      clearTimeout(timer);
      for (const w of this.#workers) clearTimeout(w.loading);
      await Promise.all(this.#workers.map((w) => this.#end(w)));
    })();
    return this.#closing;
  }

  /** Ends an idle worker; one that has not exited within `force` is left to die unref'd. */
  async #end(worker: PoolWorker): Promise<void> {
    let late: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (late = setTimeout(resolve, this.#force)));
    await Promise.race([worker.executor.close(), gaveUp]);
    clearTimeout(late);
    worker.executor.kill();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #spawn(): PoolWorker {
    const worker: PoolWorker = { executor: createExecutor(this.isolation, this.#filename), ready: false, task: undefined, loading: undefined };
    if (this.#loadTimeout > 0) {
      const ms = this.#loadTimeout;
      worker.loading = setTimeout(() => this.#brake(`the pool's task module did not finish loading within ${ms} ms`), ms);
    }
    worker.executor.onMessage((message) => this.#onMessage(worker, message));
    worker.executor.onExit((code) => this.#onExit(worker, code));
    return worker;
  }

  /** The task module cannot be used: every queued task and every later run() rejects. */
  #brake(why: string): void {
    if (this.#broken) return;
    this.#broken = Object.assign(new Error(why), { code: 'ERR_POOL_BROKEN' });
    for (const w of this.#workers) clearTimeout(w.loading);
    for (const task of this.#queue.splice(0)) settle(task, () => task.reject(this.#broken));
    for (const wake of this.#readyWaiters.splice(0)) wake();
  }

  #dispatch(): void {
    for (const worker of this.#workers) {
      if (this.#queue.length === 0) break;
      if (!worker.ready || worker.task) continue;
      const task = this.#queue.shift()!;
      try {
        worker.executor.send({ type: 'run', id: task.id, input: task.input }, task.transferList);
      } catch (error) {
        const why = `the task input could not be sent to the worker: ${error instanceof Error ? error.message : String(error)}`;
        this.#stats.failed++;
        settle(task, () => task.reject(new TypeError(why, { cause: error })));
        continue;
      }
      worker.task = task;
      if (task.timeout > 0) this.#arm(task);
    }
    // close() re-checks for work in its loop: waking it after every dispatch is enough.
    this.#idle?.();
    this.#idle = undefined;
  }

  #onMessage(worker: PoolWorker, message: FromRunner): void {
    switch (message.type) {
      case 'ready':
        worker.ready = true;
        clearTimeout(worker.loading);
        for (const wake of this.#readyWaiters.splice(0)) wake();
        break;
      case 'init-error':
        this.#brake(`the pool's task module could not be loaded: ${message.message}`);
        break;
      case 'progress':
        if (worker.task?.id === message.id && !worker.task.settled) worker.task.onProgress?.(message.value);
        return;
      case 'done': {
        const task = worker.task;
        if (task === undefined || task.id !== message.id) return;
        worker.task = undefined;
        if (task.cancel) this.#rejectCancelled(task, message.ok ? undefined : message.interruptedAt);
        else if (message.ok) this.#succeed(task, message.value);
        else this.#fail(task, message.error);
      }
    }
    this.#dispatch();
  }

  #onExit(worker: PoolWorker, code: number): void {
    if (this.#dying.delete(worker)) return; // abandoned at the last rung: already replaced
    const index = this.#workers.indexOf(worker);
    const task = worker.task;
    worker.task = undefined;
    if (task?.cancel) this.#rejectCancelled(task, undefined);
    else if (task) {
      const what = this.isolation === 'thread' ? 'worker' : 'process';
      this.#fail(task, new Error(`the pool's ${what} running task ${task.id} exited unexpectedly (code ${code})`));
    }
    this.#replace(index);
    this.#dispatch();
  }

  /**
   * The worker at `index` is lost (it exited, or was abandoned at the last rung): a new one
   * takes its place, unless the pool is broken or closing. close() lets the queued tasks
   * finish, though: the last worker lost while some are queued is replaced even then.
   */
  #replace(index: number): void {
    if (index < 0) return;
    const needed = !this.#closing || (this.#queue.length > 0 && this.#workers.length === 1);
    if (needed && !this.#broken) {
      this.#workers[index] = this.#spawn();
      this.#stats.respawns++;
    } else {
      this.#workers.splice(index, 1);
    }
  }

  /** Cancels `task`: a queued one never starts; a running one climbs the ladder. */
  #cancel(task: Task, reason: unknown, timedOut: boolean): void {
    if (task.settled || task.cancel) return;
    task.cancel = { reason, timedOut };
    const worker = this.#workers.find((w) => w.task === task);
    if (worker === undefined) {
      const queued = this.#queue.indexOf(task);
      if (queued >= 0) this.#queue.splice(queued, 1);
      task.rung = 'queued';
      this.#rejectCancelled(task, undefined);
      return;
    }
    const running = () => worker.task === task;
    task.rung = new Ladder(
      cancelSteps(worker.executor, task.id, { grace: this.#grace, force: this.#force }, (rung) => {
        if (running()) this.#abandon(worker, rung);
      }, running),
    );
  }

  /**
   * The last rung: the task rejects now and the worker is replaced now, whether or not its
   * thread has exited yet (G15); it finishes dying in the background without keeping the
   * process alive.
   */
  #abandon(worker: PoolWorker, rung: 'terminate' | 'kill'): void {
    const task = worker.task!;
    worker.task = undefined;
    worker.executor.kill();
    this.#dying.add(worker);
    this.#replace(this.#workers.indexOf(worker));
    this.#rejectCancelled(task, undefined, rung);
    this.#dispatch();
  }

  #succeed(task: Task, value: unknown): void {
    this.#stats.completed++;
    settle(task, () => task.resolve(value));
  }

  #fail(task: Task, error: unknown): void {
    this.#stats.failed++;
    settle(task, () => task.reject(error));
  }

  #rejectCancelled(task: Task, interruptedAt: readonly InterruptFrame[] | undefined, rung = rungOf(task)): void {
    this.#stats.cancelled[rung]++;
    settle(task, () => task.reject(cancelledError(task, rung, interruptedAt)));
  }
}
