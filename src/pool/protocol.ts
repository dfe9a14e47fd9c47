// Messages between a Pool and the runner in each of its workers or child processes.
import type { InterruptFrame } from '../errors.js';

export type ToRunner =
  | { type: 'run'; id: number; input: unknown }
  /** Cooperative rung: abort the task's signal. */
  | { type: 'cancel'; id: number };

export type FromRunner =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  /** A value the task passed to context.progress(), for RunOptions.onProgress. */
  | { type: 'progress'; id: number; value: unknown }
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; error: unknown; interruptedAt?: readonly InterruptFrame[] };

/** What a task module exports (as default, or as `task`). */
export interface TaskContext {
  /** Aborts when the task is cancelled (fires when the event loop turns: for async tasks). */
  readonly signal: AbortSignal;
  /**
   * Runs `cleanup` when the task has ended, however it ends (returned, threw, settled its
   * promise, was interrupted): exactly once, LIFO, shielded. Not when its worker is
   * terminated: then the thread is gone.
   */
  defer(cleanup: () => void): void;
  /** Sends `value` (structured-cloneable) to the caller's RunOptions.onProgress. */
  progress(value: unknown): void;
}
export type TaskFunction = (input: never, context: TaskContext) => unknown;
