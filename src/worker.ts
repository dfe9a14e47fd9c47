// StoppableWorker: a worker_threads.Worker that can be stopped the three classic ways,
// in order — a stop flag it can poll, an interrupt of the region it runs, terminate().
import { EventEmitter } from 'node:events';
import { BroadcastChannel, Worker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';
import { Cell, announce, channelName, newControl, requestStop, spawnWith, type ControlInfo, type ControlMessage } from './control.js';
import { makeHandle } from './handle.js';
import { interrupt } from './interrupt.js';
import { Ladder } from './ladder.js';
import { addon } from './native.js';
import { threadStack, type ThreadStack } from './snapshot.js';
import { checkDelay, checkOptions } from './validate.js';

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
  /** false when the last rung was taken and the worker has not exited yet (blocked in a native call). */
  exited: boolean;
  /** The worker's exit code; undefined while it has not exited. */
  exitCode: number | undefined;
  /** The uncaught error that ended the worker, if one did ('error' event). */
  error?: unknown;
}

/** How long stop() waits for the exit after terminate() before it resolves with `exited: false`. */
const EXIT_WAIT_MS = 1000;

export type StackSnapshot = ThreadStack;

export class StoppableWorker extends EventEmitter {
  /** The underlying worker: postMessage, resourceLimits, etc. all work on it. */
  readonly worker: Worker;
  readonly threadId: number;
  readonly #control: ControlInfo;
  readonly #channel: BroadcastChannel;
  /** Workers started below this one with StoppableWorker, by control id. */
  readonly #descendants = new Map<string, { info: ControlInfo; depth: number }>();
  readonly #exit: Promise<number>;
  #phase: 'starting' | 'started' | 'stopping' | 'exited' = 'starting';
  #exitCode: number | undefined;
  #stopping: Promise<StopResult> | undefined;
  #watching = false;
  #lastState: WorkerState = 'starting';
  #error: { error: unknown } | undefined;

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
      if (message.type === 'descendant') this.#descendants.set(message.info.id, message);
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
    for (const event of ['message', 'messageerror', 'online', 'exit'] as const) {
      this.worker.on(event, (...args: unknown[]) => this.emit(event, ...args));
    }
    // An uncaught error in the worker (a missing file, a throw at its top level) is not
    // allowed to take this process down through an 'error' event nobody listens to: it is
    // kept for stop()'s result, and, with no listener, reported as a process warning.
    this.worker.on('error', (error: unknown) => {
      this.#error ??= { error };
      if (this.listenerCount('error') > 0) this.emit('error', error);
      else process.emitWarning(`a StoppableWorker's worker failed: ${error instanceof Error ? error.message : String(error)}`, 'InterruptibleWorkerWarning');
    });
    this.on('newListener', (event) => {
      // Stryker disable next-line ConditionalExpression: true is equivalent: #watch() ends at once while no one listens for 'state'
      if (event === 'state') queueMicrotask(() => this.#watch());
    });
  }

  /** What the worker is doing now; read from shared memory, so it is current. */
  get state(): WorkerState {
    if (this.#phase !== 'started') return this.#phase;
    return Atomics.load(this.#control.cells, Cell.Running) !== 0 ? 'running' : 'idle';
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
    // Stryker disable next-line ConditionalExpression: equivalent, a fast path: the addon answers false for a thread that has exited
    if (this.#phase === 'exited') return false;
    return interruptThread(this.#control, reason);
  }

  /**
   * The frames the worker is executing now, without stopping it. Answers within
   * `timeout` ms (default 100) even if the worker is blocked in native code; then the
   * state says 'unresponsive'.
   */
  async stack(options?: { timeout?: number }): Promise<StackSnapshot> {
    const timeout = checkDelay(checkOptions<{ timeout: number }>(options, 'stack() options').timeout, 'options.timeout', 100);
    if (this.#phase === 'exited') return { state: 'exited', frames: null };
    return threadStack(Atomics.load(this.#control.cells, Cell.Thread), timeout, () => this.#phase === 'exited');
  }

  /**
   * Stops the worker by the ladder (src/ladder.ts): sets its stop flag (stopRequested()
   * turns true at once; stopSignal() aborts when its event loop turns; its port stops
   * keeping it alive), then after `grace` ms interrupts its regions, then after `force`
   * ms terminates it. Workers that it created with StoppableWorker are walked first.
   * Resolves with the rung that ended it.
   */
  stop(options?: StopOptions): Promise<StopResult> {
    const o = checkOptions<StopOptions>(options, 'stop() options');
    const grace = checkDelay(o.grace, 'options.grace', 1000);
    const force = Math.max(grace, checkDelay(o.force, 'options.force', 5000));
    if (this.#phase === 'exited') return Promise.resolve(this.#result('exited', true));
    this.#stopping ??= this.#climb(grace, force);
    return this.#stopping;
  }

  /** Node's terminate(): never cancelled by our boundaries (G7). */
  terminate(): Promise<number> {
    return this.worker.terminate();
  }

  async #climb(grace: number, force: number): Promise<StopResult> {
    this.#phase = 'stopping';
    this.#changed();
    // Children first, deepest first, then this worker.
    // Stryker disable next-line MethodExpression,ArithmeticOperator: equivalent, the order is not observable: each rung is taken on every node in one synchronous pass
    const nodes = [...this.#descendants.values()].sort((a, b) => b.depth - a.depth).map((n) => n.info);
    nodes.push(this.#control);
    let gaveUp!: () => void;
    const lastRung = new Promise<void>((resolve) => (gaveUp = resolve));
    let waiting: NodeJS.Timeout | undefined;
    const ladder = new Ladder(
      [
        { rung: 'cooperative', at: 0, take: () => nodes.forEach(stopNode) },
        { rung: 'interrupt', at: grace, take: () => nodes.map((n) => interruptThread(n, 'stop')).includes(true) },
        { rung: 'terminate', at: force, take: () => void (waiting = this.#terminate(gaveUp)) },
      ],
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: timing only: while a rung is pending the worker keeps the process alive anyway, and ladder.stop() clears the timers once it exits
      { unref: true },
    );
    // A thread blocked in a native call exits only when the call returns: stop() does not
    // wait for that (G15); it says so with `exited: false`.
    const exited = await Promise.race([this.#exit.then(() => true), lastRung.then(() => false)]);
    ladder.stop();
    clearTimeout(waiting);
    return this.#result(ladder.rung as StopRung, exited);
  }

  #result(rung: StopResult['rung'], exited: boolean): StopResult {
    const result: StopResult = { rung, exited, exitCode: this.#exitCode };
    if (this.#error !== undefined) result.error = this.#error.error;
    return result;
  }

  /**
   * The last rung: terminate(); after EXIT_WAIT_MS without an exit, stop waiting, and let
   * the worker finish dying without keeping the process alive.
   */
  #terminate(gaveUp: () => void): NodeJS.Timeout {
    void this.worker.terminate();
    return setTimeout(() => {
      this.worker.unref();
      gaveUp();
    }, EXIT_WAIT_MS);
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
    // Stryker disable next-line ConditionalExpression: timing only: a second loop emits nothing twice (#changed() emits changes only); when one ends it clears Watched, and the other then polls every 50 ms
    if (this.#watching) return;
    // Stryker disable next-line BooleanLiteral: as above
    this.#watching = true;
    const cells = this.#control.cells;
    Atomics.store(cells, Cell.Watched, 1);
    try {
      // Stryker disable next-line LogicalOperator,ConditionalExpression,EqualityOperator: resource only: a loop kept after the exit or the last listener emits nothing (no listener, or no change), and a pending waitAsync keeps no process alive
      while (this.#phase !== 'exited' && this.listenerCount('state') > 0) {
        const running = Atomics.load(cells, Cell.Running);
        this.#changed();
        const wait = Atomics.waitAsync(cells, Cell.Running, running, 50);
        // Stryker disable next-line ConditionalExpression: equivalent, awaiting a result that is not a promise only yields
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

function stopNode(info: ControlInfo): void {
  requestStop(info, 1);
  const channel = new BroadcastChannel(channelName(info.id));
  channel.postMessage({ type: 'stop' } satisfies ControlMessage);
  channel.close();
}

/** Interrupts the region the worker of `info` runs now, if any. */
function interruptThread(info: ControlInfo, reason: unknown): boolean {
  const thread = Atomics.load(info.cells, Cell.Thread);
  if (thread === 0 || addon === undefined) return false;
  return interrupt(makeHandle(addon.nonce, thread, 0), reason);
}
