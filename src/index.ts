// The public names. The house (README, Architecture): the core (regions, interrupts,
// shields, errors) knows no worker and no pool; the Workers layer builds on the core;
// the Pool builds on both.
export { interruptible, withTimeout, type Scope, type RegionOptions } from './region.js';
export { interrupt, currentThreadHandle, type InterruptOptions } from './interrupt.js';
export { shield } from './shield.js';
export type { InterruptHandle } from './handle.js';
export { InterruptError, TimeoutError, isInterrupt, type ErrorClass } from './errors.js';
export type { InterruptFrame } from './frames.js';
export { registerInterruptType } from './reasons.js';
export { AddonUnavailableError, addonError } from './native.js';
export {
  watchStalls,
  type StallReport,
  type StallSample,
  type StallWatch,
  type WatchStallsOptions,
} from './watchdog.js';
export {
  StoppableWorker,
  type WorkerState,
  type StopRung,
  type StopOptions,
  type StopResult,
  type StackSnapshot,
} from './worker.js';
export { stopRequested, throwIfStopRequested, stopSignal, StopRequestedError } from './control.js';
export {
  Pool,
  type PoolOptions,
  type RunOptions,
  type PoolStats,
  type CancelRung,
  type CancelledTaskError,
  type Isolation,
  type TaskContext,
  type TaskFunction,
} from './pool/pool.js';
