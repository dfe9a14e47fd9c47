// processWith(), cancelJob() and listenForCancels() in one process, on a real Redis.
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Relay, UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InterruptError, Pool } from '../../dist/index.js';
import { cancelJob, isJobCancelled, listenForCancels, processWith } from '../../dist/bullmq/index.js';
import { connectionFor } from '../../scripts/redis-server.mjs';

const connection = connectionFor(process.env.INTERRUPTIBLE_REDIS_URL!);
const task = new URL('./fixtures/task.mjs', import.meta.url);
let pool: Pool;

beforeAll(async () => {
  pool = new Pool({ filename: task, size: 2 });
  await pool.ready();
});
afterAll(() => pool.close());

/** A queue with a worker on the shared pool; `failed` collects what the worker saw. */
async function setup() {
  const name = `adapter-${randomUUID()}`;
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, processWith(pool, { timeout: (job: Job<{ timeout?: number }>) => job.data.timeout }), { connection, concurrency: 2 });
  const failed: Array<{ id: string | undefined; error: Error }> = [];
  let onFailure: ((error: Error) => void) | undefined;
  worker.on('failed', (job, error) => {
    failed.push({ id: job?.id, error });
    onFailure?.(error);
  });
  // The worker's own 'failed' event may come after QueueEvents has reported the failure.
  const nextFailure = () => new Promise<Error>((resolve) => (onFailure = resolve));
  await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
  const started = (jobId: string) =>
    new Promise<void>((resolve) => events.on('progress', (e) => e.jobId === jobId && resolve()));
  const close = async () => {
    await worker.close();
    await events.close();
    await queue.close();
  };
  return { name, queue, events, worker, failed, nextFailure, started, close };
}

describe('processWith', () => {
  it('passes return values through, and fails other errors normally (retried as configured)', async () => {
    const q = await setup();
    try {
      const ok = await q.queue.add('ok', { n: 7, work: 10 });
      const bad = await q.queue.add('bad', { n: 8, fail: true }, { attempts: 2 });
      expect(await ok.waitUntilFinished(q.events)).toEqual({ n: 7, x: 45 });
      await expect(bad.waitUntilFinished(q.events)).rejects.toThrow('job 8 failed on purpose');
      const after = (await q.queue.getJob(bad.id!))!;
      expect(after.attemptsMade).toBe(2);
      expect(after.failedReason).toBe('job 8 failed on purpose');
    } finally {
      await q.close();
    }
  });

  it("walks the ladder on BullMQ's own worker.cancelJob(): a task that honours its signal ends at the cooperative rung, unretried", async () => {
    const q = await setup();
    try {
      const job = await q.queue.add('waits', { n: 1, untilAborted: true }, { attempts: 3 });
      await q.started(job.id!);
      const failure = q.nextFailure();
      expect(q.worker.cancelJob(job.id!, 'changed my mind')).toBe(true);
      await expect(job.waitUntilFinished(q.events)).rejects.toThrow(`job ${job.id} was cancelled: changed my mind (ended by: cooperative)`);
      const error = await failure;
      expect(error).toBeInstanceOf(UnrecoverableError);
      expect(isJobCancelled(error)).toBe(true);
      expect(error.cause).toBeInstanceOf(InterruptError);
      expect((error.cause as InterruptError).reason).toBe('changed my mind');
      expect(error).toMatchObject({ rung: 'cooperative', timedOut: false });
      expect((await q.queue.getJob(job.id!))!.attemptsMade).toBe(1);
      expect(q.failed).toHaveLength(1);
    } finally {
      await q.close();
    }
  });

  it('times a runaway out: its region is interrupted, the job fails with the TimeoutError as cause', async () => {
    const q = await setup();
    try {
      const failure = q.nextFailure();
      const job = await q.queue.add('spins', { n: 2, spin: true, timeout: 200 }, { attempts: 3 });
      await expect(job.waitUntilFinished(q.events)).rejects.toThrow(`job ${job.id} timed out after 200 ms (ended by: interrupt)`);
      const error = await failure;
      expect(isJobCancelled(error)).toBe(true);
      expect(error).toMatchObject({ rung: 'interrupt', timedOut: true });
      expect((error.cause as Error).name).toBe('TimeoutError');
      expect(pool.stats().respawns).toBe(0);
    } finally {
      await q.close();
    }
  });

  it('cancels a job that waits in the pool (worker concurrency above the pool size) before it starts', async () => {
    const name = `queued-${randomUUID()}`;
    const small = new Pool({ filename: task, size: 1 });
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    // BullMQ emits 'active' before it calls the processor (and before worker.cancelJob()
    // can find the job): wait for the call itself, which has handed the task to the pool.
    const inner = processWith(small, { timeout: 20_000 }); // bounds the runaway if an assertion fails
    let called: (id: string | undefined) => void = () => {};
    const processor: typeof inner = (job, token, signal) => {
      const result = inner(job, token, signal);
      called(job.id);
      return result;
    };
    const worker = new Worker(name, processor, { connection, concurrency: 2 });
    try {
      await Promise.all([small.ready(), events.waitUntilReady(), worker.waitUntilReady()]);
      const running = new Promise<void>((resolve) => events.on('progress', () => resolve()));
      const first = await queue.add('spins', { n: 1, spin: true });
      await running;
      // Its processor called while its task waits for the pool's one thread.
      const waiting = new Promise<string | undefined>((resolve) => (called = resolve));
      const second = await queue.add('waits', { n: 2, work: 10 });
      expect(await waiting).toBe(second.id);
      expect(small.stats()).toMatchObject({ queued: 1, running: 1 });
      expect(worker.cancelJob(second.id!, 'not needed')).toBe(true);
      await expect(second.waitUntilFinished(events)).rejects.toThrow(`job ${second.id} was cancelled: not needed (ended by: queued)`);
      expect((await queue.getJob(second.id!))!.progress).toBe(0); // it never started
      expect(worker.cancelJob(first.id!)).toBe(true);
      await expect(first.waitUntilFinished(events)).rejects.toThrow('(ended by: interrupt)');
    } finally {
      await worker.close();
      await Promise.all([events.close(), queue.close(), small.close()]);
    }
  });

  it('rejects what is not a pool, and bad timeouts', () => {
    expect(() => processWith({} as Pool)).toThrow(TypeError);
    expect(() => processWith(pool, { timeout: -1 })).toThrow(RangeError);
    // BullMQ creates a job's signal only for a processor that declares three parameters.
    expect(processWith(pool).length).toBe(3);
  });
});

describe('cancelJob / listenForCancels', () => {
  it('cancels a running job through Redis, and says so when the job runs nowhere', async () => {
    const q = await setup();
    const listener = listenForCancels(q.worker, { connection });
    try {
      await listener.ready;
      const job = await q.queue.add('spins', { n: 3, spin: true }, { attempts: 3 });
      await q.started(job.id!);
      const result = await cancelJob({ connection, queue: q.name, jobId: job.id!, reason: 'user cancelled' });
      expect(result).toMatchObject({ jobId: job.id, cancelled: true, listeners: 1, answered: 1 });
      await expect(job.waitUntilFinished(q.events)).rejects.toThrow(`job ${job.id} was cancelled: user cancelled (ended by: interrupt)`);

      // Finished now: a second cancel is a no-op that says so.
      const again = await cancelJob({ connection, queue: q.name, jobId: job.id! });
      expect(again).toMatchObject({ cancelled: false, listeners: 1, answered: 1 });
      expect(again.message).toBe(`job ${job.id} is not running on any worker listening on queue ${q.name}; nothing was cancelled`);
    } finally {
      await listener.close();
      await q.close();
    }
  });

  it('reuses Relay nodes passed as options.relay, and leaves them open', async () => {
    const q = await setup();
    const workerRelay = new Relay({ connection, namespace: 'interruptible' });
    const clientRelay = new Relay({ connection, namespace: 'interruptible' });
    const listener = listenForCancels(q.worker, { relay: workerRelay });
    try {
      await listener.ready;
      for (const n of [4, 5]) {
        const job = await q.queue.add('spins', { n, spin: true });
        await q.started(job.id!);
        expect(await cancelJob({ relay: clientRelay, queue: q.name, jobId: job.id!, reason: `stop ${n}` })).toMatchObject({ cancelled: true, listeners: 1 });
        await expect(job.waitUntilFinished(q.events)).rejects.toThrow(`was cancelled: stop ${n} (ended by: interrupt)`);
      }
      await listener.close();
      // Unsubscribed, not closed: the node still publishes, and nobody listens any more.
      expect(await cancelJob({ relay: clientRelay, queue: q.name, jobId: '1' })).toMatchObject({ cancelled: false, listeners: 0 });
      expect((await workerRelay.publish('interruptible.probe', 1)).endpoints).toBe(0);
    } finally {
      await listener.close();
      await Promise.all([workerRelay.close(), clientRelay.close()]);
      await q.close();
    }
  });

  it('says so when no worker listens on the queue', async () => {
    const result = await cancelJob({ connection, queue: `nobody-${randomUUID()}`, jobId: '1' });
    expect(result).toMatchObject({ cancelled: false, listeners: 0, answered: 0 });
    expect(result.message).toMatch(/no worker listens for cancels on queue/);
  });

  it('rejects bad input clearly', async () => {
    await expect(cancelJob({ connection, queue: '', jobId: '1' })).rejects.toThrow('options.queue must be a non-empty string');
    await expect(cancelJob({ connection, queue: 'q', jobId: 1 as unknown as string })).rejects.toThrow('options.jobId must be a non-empty string');
    expect(() => listenForCancels({} as Worker, { connection })).toThrow(TypeError);
    await expect(cancelJob({ queue: 'q', jobId: '1' } as unknown as Parameters<typeof cancelJob>[0])).rejects.toThrow('options.connection is required');
  });
});
