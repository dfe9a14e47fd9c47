export {
  interruptible,
  interrupt,
  shield,
  withTimeout,
  currentThreadHandle,
  type Scope,
  type RegionOptions,
  type InterruptOptions,
} from './region.js';
export type { InterruptHandle } from './handle.js';
export {
  InterruptError,
  TimeoutError,
  registerInterruptType,
  isInterrupt,
  type InterruptFrame,
  type ErrorClass,
} from './errors.js';
export { AddonUnavailableError, addonError } from './native.js';
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
