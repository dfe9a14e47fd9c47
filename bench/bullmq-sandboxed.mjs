// bench/bullmq.mjs's job as a BullMQ sandboxed processor (useWorkerThreads).
import task from './bullmq-task.mjs';

export default async function process(job, _token, signal) {
  return task(job.data, { signal });
}
