// One place a pool runs tasks: a worker thread or a child process. Mechanism for the
// pool's ladder; the pool decides when to use which rung.
import { fork, type ChildProcess } from 'node:child_process';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { Cell, newControl, requestStop, spawnWith, type ControlInfo } from '../control.js';
import { makeHandle } from '../handle.js';
import { interrupt } from '../interrupt.js';
import { addon } from '../native.js';
import { TaskCell, type FromRunner, type ToRunner } from './protocol.js';

export type Isolation = 'thread' | 'process';

export interface Executor {
  readonly isolation: Isolation;
  /** Sends a message; throws (synchronously) if it cannot be cloned. */
  send(message: ToRunner, transferList?: readonly TransferListItem[]): void;
  /** Cooperative rung: the task's stopRequested() turns true, its signal aborts. */
  cooperate(id: number): void;
  /** Thread rung 2: interrupts task `id`'s region, if it still runs. */
  interrupt(id: number, reason: unknown): boolean;
  /** Thread: worker.terminate(). Process: SIGTERM. */
  terminate(): void;
  /**
   * The last rung. Process: SIGKILL. Thread: terminate(), which takes effect only when a
   * native call the thread is blocked in returns. Either way the pool stops waiting: the
   * executor no longer keeps the process alive, and it finishes dying in the background.
   */
  kill(): void;
  /** Ends an idle executor. */
  close(): Promise<void>;
  onMessage(handler: (message: FromRunner) => void): void;
  onExit(handler: (code: number) => void): void;
}

const threadEntry = new URL('./thread-entry.js', import.meta.url);
const processEntry = new URL('./process-entry.js', import.meta.url);

class ThreadExecutor implements Executor {
  readonly isolation = 'thread';
  readonly #control: ControlInfo = newControl();
  /** Written by the runner: the task it runs and that task's region (runner.ts, TaskCell). */
  readonly #tasks = new Int32Array(new SharedArrayBuffer(TaskCell.Count * 4));
  readonly #worker: Worker;

  constructor(filename: string) {
    const workerData = { filename, taskCells: this.#tasks };
    this.#worker = spawnWith(this.#control, () => new Worker(threadEntry, { workerData }));
  }

  send(message: ToRunner, transferList?: readonly TransferListItem[]): void {
    this.#worker.postMessage(message, transferList);
  }

  cooperate(id: number): void {
    requestStop(this.#control, id);
    this.#worker.postMessage({ type: 'cancel', id } satisfies ToRunner);
  }

  interrupt(id: number, reason: unknown): boolean {
    const thread = Atomics.load(this.#control.cells, Cell.Thread);
    if (thread === 0 || addon === undefined) return false;
    // Read the region between two reads of the task id: a region token read while
    // another task had started is never used (a request never hits a later task, G5).
    const tasks = this.#tasks;
    if (Atomics.load(tasks, TaskCell.Task) !== id) return false;
    const region = Atomics.load(tasks, TaskCell.Region);
    if (region === 0 || Atomics.load(tasks, TaskCell.Task) !== id) return false;
    return interrupt(makeHandle(addon.nonce, thread, region), reason);
  }

  terminate(): void {
    void this.#worker.terminate();
  }

  kill(): void {
    this.terminate();
    this.#worker.unref();
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  onMessage(handler: (message: FromRunner) => void): void {
    this.#worker.on('message', handler);
  }

  onExit(handler: (code: number) => void): void {
    this.#worker.once('exit', handler);
  }
}

class ProcessExecutor implements Executor {
  readonly isolation = 'process';
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  constructor(filename: string) {
    this.#child = fork(processEntry, [filename], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    // A send racing the child's exit fails here; the exit itself is what the pool handles.
    this.#child.on('error', () => {});
  }

  send(message: ToRunner): void {
    this.#child.send(message);
  }

  cooperate(id: number): void {
    if (this.#child.connected) this.#child.send({ type: 'cancel', id } satisfies ToRunner);
  }

  interrupt(): boolean {
    // Stryker disable next-line BooleanLiteral: unreachable, cancelSteps gives a process no interrupt rung
    return false; // a busy child cannot read messages; its next rung is a signal
  }

  terminate(): void {
    this.#child.kill('SIGTERM');
  }

  kill(): void {
    this.#child.kill('SIGKILL');
    this.#child.unref();
  }

  async close(): Promise<void> {
    if (this.#child.connected) this.#child.disconnect();
    await this.#exited;
  }

  onMessage(handler: (message: FromRunner) => void): void {
    this.#child.on('message', handler as (m: unknown) => void);
  }

  onExit(handler: (code: number) => void): void {
    this.#child.once('exit', (code, signal) => handler(code ?? (signal ? 128 : 1)));
  }
}

export function createExecutor(isolation: Isolation, filename: string): Executor {
  return isolation === 'thread' ? new ThreadExecutor(filename) : new ProcessExecutor(filename);
}
