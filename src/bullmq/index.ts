// interruptible/bullmq: a Pool as the engine under BullMQ workers, and cancels that reach
// a running job from any process. Needs the optional peer dependency `bullmq`.
export { processWith, type ProcessWithOptions, type PoolProcessor } from './processor.js';
export { cancelJob, listenForCancels, type CancelJobOptions, type CancelJobResult, type CancelListener, type RelayTarget } from './cancel.js';
export { isJobCancelled, type JobCancelledError } from './errors.js';
