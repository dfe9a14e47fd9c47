// A worker process SIGKILLed while it runs jobs: BullMQ's stalled-job recovery re-runs
// them on the other process; the adapter keeps nothing that would stop it.
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionFor } from '../../scripts/redis-server.mjs';
import { Machine } from './processes.js';

const started: Machine[] = [];
afterEach(() => {
  for (const m of started.splice(0)) m.kill();
});

describe('a worker process killed mid-run', () => {
  it("has its jobs re-run on the other process by BullMQ's stalled-job recovery", async () => {
    const connection = connectionFor(process.env.INTERRUPTIBLE_REDIS_URL!);
    const name = `stalled-${randomUUID()}`;
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    try {
      await events.waitUntilReady();
      const completed = new Map<string, number>();
      let allDone: () => void = () => {};
      const done = new Promise<void>((resolve) => (allDone = resolve));
      events.on('completed', ({ jobId }) => {
        completed.set(jobId, (completed.get(jobId) ?? 0) + 1);
        if (completed.size === 4) allDone();
      });
      // Short locks so that recovery comes within seconds, not BullMQ's default 30.
      const options = { lockDuration: 2000, stalledInterval: 1000 };
      const a = new Machine('worker-process.mjs', { ...options, queue: name });
      started.push(a);
      await a.next((m) => m.event === 'ready');
      const jobs = await queue.addBulk(
        Array.from({ length: 4 }, (_, n) => ({ name: 'sleepy', data: { n, sleep: 1500, timeout: 60_000 }, opts: { attempts: 1 } })),
      );
      // A takes two jobs (concurrency 2) and is killed while both run.
      const [first, second] = [await a.next((m) => m.event === 'active'), await a.next((m) => m.event === 'active' && a.events('active').length === 2)];
      a.child.kill('SIGKILL');
      expect(await a.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(a.events('completed')).toEqual([]);

      const b = new Machine('worker-process.mjs', { ...options, queue: name });
      started.push(b);
      // Both views: Redis's events (each job once) and B's own (its IPC can come later).
      await Promise.all([done, b.next((m) => m.event === 'completed' && b.events('completed').length === 4)]);
      const onB = b.events('completed').map((m) => m.id as string);
      expect(onB.sort()).toEqual(jobs.map((j) => j.id!).sort());
      expect(onB).toContain(first.id);
      expect(onB).toContain(second.id);
      expect([...completed.values()]).toEqual([1, 1, 1, 1]);
      for (const job of jobs) {
        const fresh = (await queue.getJob(job.id!))!;
        expect(await fresh.getState()).toBe('completed');
        expect(fresh.returnvalue).toMatchObject({ n: job.data.n });
      }
      const closed = await b.close();
      expect((closed.stats as { respawns: number }).respawns).toBe(0);
    } finally {
      await events.close();
      await queue.close();
    }
  });
});
