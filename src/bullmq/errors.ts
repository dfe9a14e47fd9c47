// How a pool task's failure becomes a BullMQ job failure: a cancelled or timed-out task
// fails its job for good (UnrecoverableError: a retry would run the same runaway again,
// or undo the cancel); any other error fails it normally, so that retries apply.
import type { UnrecoverableError } from 'bullmq';
import { isInterrupt, TimeoutError, type CancelRung } from '../index.js';
import { bullmq } from './peer.js';

/** The error a cancelled or timed-out job fails with. */
export type JobCancelledError = UnrecoverableError & {
  /** The InterruptError or TimeoutError the pool rejected with. */
  readonly cause: Error;
  /** The rung of the pool's ladder that ended the task. */
  readonly rung: CancelRung;
  /** True when the job's timeout ended it, false when it was cancelled. */
  readonly timedOut: boolean;
};

function describe(reason: unknown): string {
  if (reason === undefined) return 'no reason given';
  if (reason instanceof Error) return reason.name === 'AbortError' && reason.message === 'This operation was aborted' ? 'aborted, no reason given' : reason.message;
  return typeof reason === 'string' ? reason : String(reason);
}

/** The error the job fails with, given what pool.run() rejected with. */
export function jobError(error: unknown, jobId: string | undefined): unknown {
  if (!isInterrupt(error) || !(error instanceof Error) || !('rung' in error)) return error;
  const rung = (error as { rung: CancelRung }).rung;
  const timedOut = error instanceof TimeoutError;
  const message = timedOut
    ? `job ${jobId} timed out after ${error.timeout} ms (ended by: ${rung})`
    : `job ${jobId} was cancelled: ${describe((error as { reason?: unknown }).reason)} (ended by: ${rung})`;
  const failure = new bullmq.UnrecoverableError(message);
  Object.defineProperties(failure, {
    cause: { value: error, configurable: true, writable: true },
    rung: { value: rung, enumerable: true },
    timedOut: { value: timedOut, enumerable: true },
  });
  return failure;
}

/** True for the error a job cancelled or timed out by processWith() failed with. */
export function isJobCancelled(error: unknown): error is JobCancelledError {
  return error instanceof bullmq.UnrecoverableError && typeof (error as { rung?: unknown }).rung === 'string' && isInterrupt((error as { cause?: unknown }).cause);
}
