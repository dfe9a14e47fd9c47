// A worker that runs jobs in interruptible regions and reports how each one ended.
import { parentPort } from 'node:worker_threads';
import { InterruptError, interruptible } from '../dist/index.js';

parentPort.on('message', (job) => {
  try {
    const result = interruptible((scope) => {
      parentPort.postMessage({ type: 'started', job: job.id, handle: scope.handle });
      scope.defer(() => parentPort.postMessage({ type: 'cleanup', job: job.id }));
      if (job.kind === 'runaway') {
        let x = 0;
        for (;;) x++; // never returns on its own
      }
      return job.n * 2;
    });
    parentPort.postMessage({ type: 'done', job: job.id, result });
  } catch (error) {
    if (!(error instanceof InterruptError)) throw error;
    const [top] = error.interruptedAt;
    parentPort.postMessage({
      type: 'interrupted',
      job: job.id,
      reason: error.reason,
      where: top && `${top.script.split('/').pop()}:${top.line}`,
    });
  }
});
