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
