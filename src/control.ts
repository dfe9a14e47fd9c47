// The control block shared between a StoppableWorker (parent side) and the worker it
// runs (in-worker side): a stop flag and what the worker is doing, in shared memory so
// that either side sees it at once even while the other is stuck in a busy loop.
import { BroadcastChannel, getEnvironmentData, isMainThread, parentPort, setEnvironmentData, threadId } from 'node:worker_threads';
import { addon } from './native.js';

/** Int32 cells of a control block. */
export const Cell = {
  /** 1 once stop() was called; in a pool, the id of the task to stop. */
  Stop: 0,
  /** 1 while the worker runs a region (outermost), else 0. */
  Running: 1,
  /** The worker's id in the addon's registry (0: the addon is not loaded there). */
  Thread: 2,
  /** The threadId of the worker this block belongs to (guards against inheritance). */
  Owner: 3,
  /** 1 while the parent watches Running for state events. */
  Watched: 4,
  /** For pools: the id of the task running now (0: none). */
  Task: 5,
  /** For pools: the region token of that task. */
  TaskRegion: 6,
  Count: 8,
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

const kEnvKey = 'interruptible:control';

export function channelName(id: string): string {
  return `interruptible:${id}`;
}

let counter = 0;
export function newControl(): ControlInfo {
  const cells = new Int32Array(new SharedArrayBuffer(Cell.Count * 4));
  const parent = own();
  return {
    id: `${process.pid}.${threadId}.${++counter}`,
    cells,
    ancestors: parent ? [parent.id, ...parent.ancestors] : [],
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

/** Tells every StoppableWorker above this thread that `info` now runs below it. */
export function announce(info: ControlInfo): void {
  const parent = own();
  if (!parent) return;
  [parent.id, ...parent.ancestors].forEach((id, depth) => {
    const channel = new BroadcastChannel(channelName(id));
    channel.postMessage({ type: 'descendant', info, depth: depth + 1 } satisfies ControlMessage);
    channel.close();
  });
}

// ---- the in-worker side ----------------------------------------------------------

let mine: ControlInfo | null | undefined;
const stopController = new AbortController();

/** This thread's control block, if a StoppableWorker (or a Pool) runs it. */
export function own(): ControlInfo | undefined {
  if (mine !== undefined) return mine ?? undefined;
  mine = null;
  if (isMainThread) return undefined;
  const info = getEnvironmentData(kEnvKey) as ControlInfo | undefined;
  if (info === undefined) return undefined;
  // Environment data is inherited by workers that this worker creates; only the worker
  // the block was made for may take it. Its parent marks it right after creating it.
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

function onStop(): void {
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
 * For a pool's child process, which has no parent thread to share memory with: a
 * control block of its own, whose Stop cell the runner sets when a cancel arrives.
 */
export function adoptControl(): ControlInfo {
  mine = { id: `${process.pid}.0.0`, cells: new Int32Array(new SharedArrayBuffer(Cell.Count * 4)), ancestors: [] };
  return mine;
}

/**
 * True once this worker was asked to stop (StoppableWorker.stop()), or, in a pool, once
 * the task running now was cancelled; readable in a busy loop.
 */
export function stopRequested(): boolean {
  const info = own();
  if (info === undefined) return false;
  const stop = Atomics.load(info.cells, Cell.Stop);
  if (stop === 0) return false;
  // A pool names the task it stops, so that a cancel never reaches the next task.
  const task = Atomics.load(info.cells, Cell.Task);
  return task === 0 || stop === task;
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
  own();
  return stopController.signal;
}
