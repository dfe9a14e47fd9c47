// The control block shared between a worker's parent (StoppableWorker, or a Pool's
// executor) and the worker: a stop flag and whether the worker runs a region, in shared
// memory so that either side sees it at once even while the other is stuck in a busy
// loop. The Workers layer: it knows regions (to publish Running), never pools.
import { BroadcastChannel, getEnvironmentData, isMainThread, parentPort, setEnvironmentData, threadId } from 'node:worker_threads';
import { addon } from './native.js';
import { regions } from './region-stack.js';
import { shield } from './shield.js';

/** Int32 cells of a control block; the writer of each is named. */
export const Cell = {
  /** Parent: 0, or the job to stop (any nonzero value stops a worker that runs no jobs). */
  Stop: 0,
  /** Worker: 1 while it runs a region (its outermost), else 0. */
  Running: 1,
  /** Worker: its id in the addon's registry (0: the addon is not loaded there). */
  Thread: 2,
  /** Parent: the threadId of the worker this block belongs to (guards against inheritance). */
  Owner: 3,
  /** Parent: 1 while it watches Running for state events. */
  Watched: 4,
  Count: 5,
} as const;

export interface ControlInfo {
  /** Unique in the process: names the BroadcastChannel of this worker. */
  readonly id: string;
  readonly cells: Int32Array;
  /** Ids of the StoppableWorkers above this one, nearest first. */
  readonly ancestors: readonly string[];
}

export type ControlMessage =
  | { type: 'stop' }
  | { type: 'descendant'; info: ControlInfo; depth: number };

// Stryker disable next-line StringLiteral: equivalent, any key works that no one else uses
const kEnvKey = 'interruptible:control';

export function channelName(id: string): string {
  return `interruptible:${id}`;
}

let counter = 0;
export function newControl(): ControlInfo {
  const cells = new Int32Array(new SharedArrayBuffer(Cell.Count * 4));
  const parent = ownControl();
  return {
    // Stryker disable next-line UpdateOperator: equivalent, --counter makes ids as unique as ++counter
    id: `${process.pid}.${threadId}.${++counter}`,
    cells,
    ancestors: parent
      ? [parent.id, ...parent.ancestors]
      : // Stryker disable next-line ArrayDeclaration: equivalent, an ancestor named here that no StoppableWorker has: no one listens on its channel
        [],
  };
}

/**
 * Creates the worker with `info` visible to it (as environment data, so that the user's
 * workerData stays untouched), then marks the block as owned by that worker.
 */
export function spawnWith<W extends { threadId: number }>(info: ControlInfo, create: () => W): W {
  setEnvironmentData(kEnvKey, info as never);
  let worker: W;
  try {
    worker = create();
  } finally {
    setEnvironmentData(kEnvKey, undefined as never);
  }
  Atomics.store(info.cells, Cell.Owner, worker.threadId);
  Atomics.notify(info.cells, Cell.Owner);
  return worker;
}

/** Sets the stop cell to `job` and wakes whoever waits on it. */
export function requestStop(info: ControlInfo, job: number): void {
  Atomics.store(info.cells, Cell.Stop, job);
  Atomics.notify(info.cells, Cell.Stop);
}

/** Tells every StoppableWorker above this thread that `info` now runs below it. */
export function announce(info: ControlInfo): void {
  const parent = ownControl();
  if (!parent) return;
  [parent.id, ...parent.ancestors].forEach((id, depth) => {
    const channel = new BroadcastChannel(channelName(id));
    // Stryker disable next-line ArithmeticOperator: equivalent, depths only order the descendants (deepest first), and depth - 1 orders them the same
    channel.postMessage({ type: 'descendant', info, depth: depth + 1 } satisfies ControlMessage);
    channel.close();
  });
}

// ---- the in-worker side ----------------------------------------------------------

/** This thread's block: undefined until looked up, null when it has none. */
let mine: ControlInfo | null | undefined;
/** The job the thread runs now (0: none), set by the layer that runs jobs (a pool). */
let job = 0;
const stopController = new AbortController();

/** This thread's control block, if a StoppableWorker (or a Pool) runs it; looked up once, on first use. */
export function ownControl(): ControlInfo | undefined {
  if (mine !== undefined) return mine ?? undefined;
  mine = null;
  // Stryker disable next-line ConditionalExpression: equivalent, a fast path: the main thread has no control block in its environment data (spawnWith clears it before returning)
  if (isMainThread) return undefined;
  const info = getEnvironmentData(kEnvKey) as ControlInfo | undefined;
  if (info === undefined) return undefined;
  // Environment data is inherited by workers that this worker creates; only the worker
  // the block was made for may take it. Its parent marks it right after creating it, so
  // this waits microseconds at most (1 s is only a bound).
  Atomics.wait(info.cells, Cell.Owner, 0, 1000);
  if (Atomics.load(info.cells, Cell.Owner) !== threadId) return undefined;
  mine = info;
  if (addon) Atomics.store(info.cells, Cell.Thread, addon.thread);
  const channel = new BroadcastChannel(channelName(info.id));
  channel.unref();
  channel.onmessage = (event) => {
    const message = (event as { data: ControlMessage }).data;
    if (message.type === 'stop') onStop();
  };
  if (Atomics.load(info.cells, Cell.Stop) !== 0) queueMicrotask(onStop);
  return info;
}

// Where a block may exist: publish Running for the parent (StoppableWorker.state), and
// look the block up just after the importing module graph has run (not during import,
// which must not wait), so that a stop reaches even a worker that never asks for it.
// Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, a fast path: without a block in the environment data ownControl() finds none and publish does nothing
if (!isMainThread && getEnvironmentData(kEnvKey) !== undefined) {
  queueMicrotask(ownControl);
  const publish = (running: 0 | 1) => {
    const cells = ownControl()?.cells;
    if (cells === undefined) return;
    Atomics.store(cells, Cell.Running, running);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: true is equivalent (a notify that no one waits for does nothing); === 0 is timing only (the parent's watch still polls Running every 50 ms)
    if (cells[Cell.Watched] !== 0) Atomics.notify(cells, Cell.Running);
  };
  // enter() runs inside the region (so that 'running' means it can be interrupted), and
  // may be the first use of the control block, which opens a BroadcastChannel: shielded,
  // an interrupt cannot land in the middle of Node's code.
  regions.onOutermost({ enter: () => shield(() => publish(1)), exit: () => publish(0) });
}

/**
 * For a pool's child process, which has no parent thread to share memory with: a
 * control block of its own, whose Stop cell the runner sets when a cancel arrives.
 */
export function adoptControl(): ControlInfo {
  // Stryker disable next-line StringLiteral,ArrayDeclaration: equivalent, a child process has no StoppableWorker above it: no one listens on channels named after this id or these ancestors
  mine = { id: `${process.pid}.0.0`, cells: new Int32Array(new SharedArrayBuffer(Cell.Count * 4)), ancestors: [] };
  return mine;
}

/** The layer that runs jobs on this thread says which one runs now (0: none). */
export function setCurrentJob(id: number): void {
  job = id;
}

function onStop(): void {
  // Stryker disable next-line ConditionalExpression: false is equivalent: abort() of an aborted controller and unref() of an unref'd port do nothing
  if (stopController.signal.aborted) return;
  // The worker ends once its work is done: the port no longer keeps it alive.
  parentPort?.unref();
  stopController.abort(new StopRequestedError());
}

/** The reason stopSignal() aborts with, and what throwIfStopRequested() throws. */
export class StopRequestedError extends Error {
  readonly code = 'ERR_STOP_REQUESTED';
  constructor() {
    super('this worker was asked to stop');
    this.name = 'StopRequestedError';
  }
}

/**
 * True once this worker was asked to stop (StoppableWorker.stop()), or, in a pool, once
 * the task running now was cancelled; readable in a busy loop.
 */
export function stopRequested(): boolean {
  const info = ownControl();
  if (info === undefined) return false;
  const stop = Atomics.load(info.cells, Cell.Stop);
  // A pool names the job it stops, so that a cancel never reaches the next one.
  return stop !== 0 && (job === 0 || stop === job);
}

/** Throws StopRequestedError once this worker was asked to stop. */
export function throwIfStopRequested(): void {
  if (stopRequested()) {
    onStop();
    throw new StopRequestedError();
  }
}

/**
 * Aborts when this worker is asked to stop, for async code (it fires when the event
 * loop turns; busy loops read stopRequested()). Never aborts outside a StoppableWorker.
 */
export function stopSignal(): AbortSignal {
  ownControl();
  return stopController.signal;
}
