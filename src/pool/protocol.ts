// Messages between a Pool and the runner in each of its workers or child processes, and
// what a task module sees.
import type { InterruptFrame } from '../frames.js';

/**
 * Int32 cells a thread-isolated runner shares with its pool (workerData.taskCells), all
 * written by the runner: the task it runs now (0: none) and that task's region token.
 */
export const TaskCell = { Task: 0, Region: 1, Count: 2 } as const;

export type ToRunner =
  | { type: 'run'; id: number; input: unknown }
  /** Cooperative rung: abort the task's signal. */
  | { type: 'cancel'; id: number };

export type FromRunner =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'progress'; id: number; value: unknown }
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; error: unknown; interruptedAt?: readonly InterruptFrame[] };

/** What a task module's function receives besides its input. */
export interface TaskContext {
  /** Aborts when the task is cancelled (fires when the event loop turns: for async tasks). */
  readonly signal: AbortSignal;
  /**
   * Runs `cleanup` when the task has ended, however it ends (returned, threw, settled its
   * promise, was interrupted): exactly once, LIFO, shielded. Not when its worker is
   * terminated: then the thread is gone.
   */
  defer(cleanup: () => void): void;
  /** Sends `value` (structured-cloneable) to the caller's `onProgress`, in order. */
  progress(value: unknown): void;
}

/** What a task module exports (as default, or as `task`). */
export type TaskFunction = (input: never, context: TaskContext) => unknown;
