// One task of a Pool, from run() to its settling, and the errors a cancelled one rejects with.
import type { TransferListItem } from 'node:worker_threads';
import { InterruptError, TimeoutError } from '../errors.js';
import type { InterruptFrame } from '../frames.js';
import type { Ladder, Step } from '../ladder.js';
import type { Executor } from './executor.js';

/** How a cancelled task ended: the rung of the ladder that ended it. */
export type CancelRung = 'queued' | 'cooperative' | 'interrupt' | 'terminate' | 'kill';

/** The error a cancelled task rejects with: InterruptError or TimeoutError, plus its rung. */
export type CancelledTaskError = InterruptError & { readonly rung: CancelRung };

export interface Task {
  readonly id: number;
  readonly input: unknown;
  readonly transferList: readonly TransferListItem[] | undefined;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((value: unknown) => void) | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  onAbort: (() => void) | undefined;
  cancel: { reason: unknown; timedOut: boolean } | undefined;
  /** 'queued' for a task cancelled before it started; else the cancel's ladder. */
  rung: 'queued' | Ladder | undefined;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

/** The rung that ended a cancelled task. */
export function rungOf(task: Task): CancelRung {
  if (task.rung === 'queued') return 'queued';
  return task.rung?.rung ?? 'cooperative';
}

/** The rejection of a cancelled task. */
export function cancelledError(task: Task, rung: CancelRung, interruptedAt: readonly InterruptFrame[] | undefined): CancelledTaskError {
  const cancel = task.cancel!;
  const options = interruptedAt ? { interruptedAt } : {};
  const error = cancel.timedOut
    ? new TimeoutError(`task ${task.id} timed out after ${task.timeout} ms (ended by: ${rung})`, task.timeout, options)
    : new InterruptError(`task ${task.id} was cancelled (ended by: ${rung})`, { ...options, reason: cancel.reason });
  Object.defineProperty(error, 'rung', { value: rung, enumerable: true });
  return error as CancelledTaskError;
}

/** Settles `task` once, clearing what it holds (timer, ladder, signal listener). */
export function settle(task: Task, how: () => void): void {
  if (task.settled) return;
  task.settled = true;
  if (task.timer !== undefined) clearTimeout(task.timer);
  if (task.rung !== undefined && task.rung !== 'queued') task.rung.stop();
  if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
  how();
}

// The reason the interrupt rung carries into the worker. Nobody reads it: the task's region
// ends with it, and the pool rejects with an error of its own (cancelledError).
// Stryker disable next-line StringLiteral: equivalent, the reason is never seen
const INTERRUPT_REASON = 'cancel';

/**
 * The ladder for task `id` running on `executor` (src/ladder.ts): its signal and stop flag
 * now; after `grace` an interrupt of its region (thread) or SIGTERM (process); after
 * `force` the last rung, taken by `abandon`. `running` says whether the task still runs.
 */
export function cancelSteps(
  executor: Executor,
  id: number,
  times: { grace: number; force: number },
  abandon: (rung: 'terminate' | 'kill') => void,
  running: () => boolean,
): Step[] {
  const cooperative: Step = { rung: 'cooperative', at: 0, take: () => executor.cooperate(id) };
  if (executor.isolation === 'process') {
    return [
      cooperative,
      { rung: 'terminate', at: times.grace, take: () => void (running() && executor.terminate()) },
      { rung: 'kill', at: times.force, take: () => abandon('kill') },
    ];
  }
  return [
    cooperative,
    // False until the task's region is visible (its run message may still be on the way)
    // and while an async task awaits outside its region: tried again shortly.
    { rung: 'interrupt', at: times.grace, take: () => running() && executor.interrupt(id, INTERRUPT_REASON) },
    { rung: 'terminate', at: times.force, take: () => abandon('terminate') },
  ];
}
