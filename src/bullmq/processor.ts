// processWith(): a BullMQ processor that runs each job's data as a task of a Pool, so
// that cancelling a job (BullMQ's signal, our timeout) walks the pool's ladder:
// the task's signal, then an interrupt of its region, then terminate, with the BullMQ
// worker's own event loop never blocked by the task.
import type { Job } from 'bullmq';
import type { Pool } from '../index.js';
import { jobError } from './errors.js';

export interface ProcessWithOptions<Data = unknown> {
  /**
   * Ms a job may run, counted from the moment its task starts in the pool; then the job
   * fails with a TimeoutError as cause, unretried. A function chooses per job (undefined:
   * the pool's own timeout). Default: the pool's timeout.
   */
  timeout?: number | ((job: Job<Data>) => number | undefined) | undefined;
}

/** The processor BullMQ calls; it declares `signal` so that BullMQ creates one (see below). */
export type PoolProcessor<Data = unknown, Result = unknown> = (job: Job<Data, Result>, token: string | undefined, signal: AbortSignal | undefined) => Promise<Result>;

export function processWith<Data = unknown, Result = unknown>(pool: Pool, options: ProcessWithOptions<Data> = {}): PoolProcessor<Data, Result> {
  if (typeof pool !== 'object' || pool === null || typeof (pool as { run?: unknown }).run !== 'function') {
    throw new TypeError('processWith(pool): pool must be an interruptible Pool');
  }
  if (typeof options !== 'object' || options === null) throw new TypeError('processWith(pool, options): options must be an object');
  const { timeout } = options;
  if (timeout !== undefined && typeof timeout !== 'function' && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
    throw new RangeError(`options.timeout must be a number of milliseconds >= 0 or a function of the job, got ${String(timeout)}`);
  }
  // Three declared parameters: BullMQ creates a job's AbortController (which its
  // worker.cancelJob() aborts) only for a processor whose length is at least 3.
  return async function processor(job: Job<Data, Result>, _token: string | undefined, signal: AbortSignal | undefined): Promise<Result> {
    const ms = typeof timeout === 'function' ? timeout(job) : timeout;
    // Progress is advisory: a failed update (Redis away, job removed) must not change
    // the task's outcome, and BullMQ's own lock handling reports a lost connection.
    const onProgress = (value: unknown) => void job.updateProgress(value as object).catch(() => {});
    try {
      return await pool.run<Result>(job.data, { signal, timeout: ms, onProgress });
    } catch (error) {
      throw jobError(error, job.id);
    }
  };
}
