// StoppableWorker: a worker_threads.Worker that can be stopped the three classic ways,
// in order — a stop flag it can poll, an interrupt of the region it runs, terminate().
import { EventEmitter } from 'node:events';
import { BroadcastChannel, Worker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';
import { Cell, announce, channelName, newControl, spawnWith, type ControlInfo, type ControlMessage } from './control.js';
import { makeHandle } from './handle.js';
import { addon } from './native.js';
import { interrupt } from './region.js';
import type { InterruptFrame } from './errors.js';

export type WorkerState = 'starting' | 'idle' | 'running' | 'stopping' | 'exited';

/** The rung of the ladder that ended the worker. */
export type StopRung = 'cooperative' | 'interrupt' | 'terminate';

export interface StopOptions {
  /** Milliseconds after the stop flag before the worker's regions are interrupted. Default 1000. */
  grace?: number | undefined;
  /** Milliseconds after the stop flag before the worker is terminated. Default 5000. */
  force?: number | undefined;
}

export interface StopResult {
  rung: StopRung | 'exited';
  exitCode: number;
}

export type StackSnapshot =
  | { state: 'running'; frames: InterruptFrame[] }
  | { state: 'idle'; frames: null }
  | { state: 'unresponsive'; frames: null }
  | { state: 'exited'; frames: null };

interface Node {
  info: ControlInfo;
  depth: number;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function checkMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new RangeError(`${name} must be a finite number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

export class StoppableWorker extends EventEmitter {
  /** The underlying worker: postMessage, resourceLimits, etc. all work on it. */
  readonly worker: Worker;
  readonly threadId: number;
  readonly #control: ControlInfo;
  readonly #channel: BroadcastChannel;
  readonly #descendants = new Map<string, Node>();
  readonly #exit: Promise<number>;
  #phase: 'starting' | 'started' | 'stopping' | 'exited' = 'starting';
  #exitCode: number | undefined;
  #stopping: Promise<StopResult> | undefined;
  #watching = false;
  #lastState: WorkerState = 'starting';

  constructor(filename: string | URL, options?: WorkerOptions) {
    super();
    this.#control = newControl();
    this.worker = spawnWith(this.#control, () => new Worker(filename, options));
    this.threadId = this.worker.threadId;
    announce(this.#control);
    this.#channel = new BroadcastChannel(channelName(this.#control.id));
    this.#channel.unref();
    this.#channel.onmessage = (event) => {
      const message = (event as { data: ControlMessage }).data;
      if (message.type === 'descendant') {
        this.#descendants.set(message.info.id, { info: message.info, depth: message.depth });
      }
    };
    this.#exit = new Promise((resolve) => {
      this.worker.once('exit', (code: number) => {
        this.#exitCode = code;
        this.#phase = 'exited';
        this.#channel.close();
        this.#changed();
        resolve(code);
      });
    });
    this.worker.once('online', () => {
      if (this.#phase === 'starting') this.#phase = 'started';
      this.#changed();
    });
    for (const event of ['message', 'messageerror', 'error', 'online', 'exit'] as const) {
      this.worker.on(event, (...args: unknown[]) => this.emit(event, ...args));
    }
    this.on('newListener', (event) => {
      if (event === 'state') queueMicrotask(() => this.#watch());
    });
  }

  /** What the worker is doing now; read from shared memory, so it is current. */
  get state(): WorkerState {
    switch (this.#phase) {
      case 'starting':
      case 'stopping':
      case 'exited':
        return this.#phase;
      default:
        return Atomics.load(this.#control.cells, Cell.Running) !== 0 ? 'running' : 'idle';
    }
  }

  /** The exit code once the worker has exited. */
  get exitCode(): number | undefined {
    return this.#exitCode;
  }

  postMessage(value: unknown, transferList?: readonly TransferListItem[]): void {
    this.worker.postMessage(value, transferList);
  }

  /**
   * Interrupts whatever region the worker runs now (not a later one). False when it runs
   * none, has exited, or has not loaded this library.
   */
  interrupt(reason?: unknown): boolean {
    const thread = Atomics.load(this.#control.cells, Cell.Thread);
    if (thread === 0 || this.#phase === 'exited' || addon === undefined) return false;
    return interrupt(makeHandle(addon.nonce, thread, 0), reason);
  }

  /**
   * The frames the worker is executing now, without stopping it. Answers within
   * `timeout` ms (default 100) even if the worker is blocked in native code; then the
   * state says 'unresponsive'.
   */
  async stack(options?: { timeout?: number }): Promise<StackSnapshot> {
    const timeout = checkMs(options?.timeout, 'options.timeout', 100);
    const thread = Atomics.load(this.#control.cells, Cell.Thread);
    if (this.#phase === 'exited') return { state: 'exited', frames: null };
    if (thread === 0 || addon === undefined) return { state: 'unresponsive', frames: null };
    const b = addon;
    const id = b.snapshot(thread);
    if (id === 0) return { state: 'exited', frames: null };
    const deadline = performance.now() + timeout;
    for (;;) {
      const frames = b.takeSnapshot(id, false);
      if (frames !== undefined) return frames.length === 0 ? { state: 'idle', frames: null } : { state: 'running', frames };
      if (performance.now() >= deadline) {
        if (b.takeSnapshot(id, true) !== undefined) continue;
        return (this.#phase as string) === 'exited' ? { state: 'exited', frames: null } : { state: 'unresponsive', frames: null };
      }
      await delay(1);
    }
  }

  /**
   * Stops the worker by the ladder: sets its stop flag (stopRequested() turns true at
   * once; stopSignal() aborts when its event loop turns; its port stops keeping it
   * alive), then after `grace` ms interrupts its regions, then after `force` ms
   * terminates it. Workers that it created with StoppableWorker are walked first.
   * Resolves with the rung that ended it.
   */
  stop(options?: StopOptions): Promise<StopResult> {
    const grace = checkMs(options?.grace, 'options.grace', 1000);
    const force = Math.max(grace, checkMs(options?.force, 'options.force', 5000));
    if (this.#phase === 'exited') return Promise.resolve({ rung: 'exited', exitCode: this.#exitCode ?? 0 });
    this.#stopping ??= this.#ladder(grace, force);
    return this.#stopping;
  }

  /** Node's terminate(): never cancelled by our boundaries (G7). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  async #ladder(grace: number, force: number): Promise<StopResult> {
    this.#phase = 'stopping';
    this.#changed();
    // Children first, deepest first, then this worker.
    const nodes = [...this.#descendants.values()].sort((a, b) => b.depth - a.depth).map((n) => n.info);
    nodes.push(this.#control);
    for (const info of nodes) {
      Atomics.store(info.cells, Cell.Stop, 1);
      Atomics.notify(info.cells, Cell.Stop);
      const channel = new BroadcastChannel(channelName(info.id));
      channel.postMessage({ type: 'stop' } satisfies ControlMessage);
      channel.close();
    }
    const exited = (ms: number) => Promise.race([this.#exit.then(() => true), delay(ms).then(() => false)]);
    if (await exited(grace)) return { rung: 'cooperative', exitCode: this.#exitCode ?? 0 };
    if (addon !== undefined) {
      const b = addon;
      for (const info of nodes) {
        const thread = Atomics.load(info.cells, Cell.Thread);
        if (thread !== 0) interrupt(makeHandle(b.nonce, thread, 0), 'stop');
      }
    }
    if (await exited(force - grace)) return { rung: 'interrupt', exitCode: this.#exitCode ?? 0 };
    const exitCode = await this.worker.terminate();
    return { rung: 'terminate', exitCode };
  }

  #changed(): void {
    const state = this.state;
    if (state === this.#lastState) return;
    const previous = this.#lastState;
    this.#lastState = state;
    this.emit('state', state, previous);
  }

  /** While someone listens for 'state', follows the Running cell without polling. */
  async #watch(): Promise<void> {
    if (this.#watching) return;
    this.#watching = true;
    const cells = this.#control.cells;
    Atomics.store(cells, Cell.Watched, 1);
    try {
      while (this.#phase !== 'exited' && this.listenerCount('state') > 0) {
        const running = Atomics.load(cells, Cell.Running);
        this.#changed();
        const wait = Atomics.waitAsync(cells, Cell.Running, running, 50);
        if (wait.async) await wait.value;
      }
    } finally {
      Atomics.store(cells, Cell.Watched, 0);
      this.#watching = false;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

