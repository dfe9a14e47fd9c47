// Two worker processes (two machines), each a BullMQ Worker on a Pool of 2, and a third
// process that enqueues 100 jobs of which 30% spin forever: half cancelled from the third
// process with cancelJob(), half by their timeout.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Machine } from './processes.js';

const started: Machine[] = [];
afterEach(() => {
  for (const m of started.splice(0)) m.kill();
});

function machine(fixture: string, args: unknown): Machine {
  const m = new Machine(fixture, args);
  started.push(m);
  return m;
}

interface JobReport {
  id: string;
  kind: 'normal' | 'cancel' | 'timeout';
  state: string;
  attemptsMade: number;
  attemptsStarted: number;
  failedReason: string | undefined;
  returnvalue: { n: number } | null;
  progress: unknown;
}

describe('BullMQ on a Pool, across processes', () => {
  it('cancels every runaway (cancelJob or timeout), completes every other job, loses none, runs none twice, retries no cancel, respawns no thread', async () => {
    const queue = `fleet-${randomUUID()}`;
    const workers = [machine('worker-process.mjs', { queue }), machine('worker-process.mjs', { queue })];
    await Promise.all(workers.map((w) => w.next((m) => m.event === 'ready')));
    const producer = machine('producer.mjs', { queue, jobs: 100, deadline: 90_000 });
    const report = await producer.next((m) => m.event === 'report');
    const closed = await Promise.all(workers.map((w) => w.close()));

    const jobs = report.jobs as JobReport[];
    expect(jobs).toHaveLength(100);
    expect(report.ended).toBe(100);
    const byKind = (kind: string) => jobs.filter((j) => j.kind === kind);
    expect(byKind('normal')).toHaveLength(70);
    expect(byKind('cancel')).toHaveLength(15);
    expect(byKind('timeout')).toHaveLength(15);

    for (const job of byKind('normal')) {
      expect(job, `job ${job.id}`).toMatchObject({ state: 'completed', attemptsMade: 1, attemptsStarted: 1 });
      expect(job.returnvalue?.n).toBeTypeOf('number');
      expect(job.progress).toEqual({ started: job.returnvalue?.n }); // progress passes through
    }
    for (const job of byKind('cancel')) {
      expect(job, `job ${job.id}`).toMatchObject({ state: 'failed', attemptsMade: 1, attemptsStarted: 1 });
      expect(job.failedReason).toBe(`job ${job.id} was cancelled: user cancelled (ended by: interrupt)`);
    }
    for (const job of byKind('timeout')) {
      expect(job, `job ${job.id}`).toMatchObject({ state: 'failed', attemptsMade: 1, attemptsStarted: 1 });
      expect(job.failedReason).toBe(`job ${job.id} timed out after 300 ms (ended by: interrupt)`);
    }

    // Every cancelJob() reached the worker that ran its job.
    const cancels = report.cancels as Array<{ jobId: string; cancelled: boolean; listeners: number; message: string }>;
    expect(cancels.map((c) => c.jobId).sort()).toEqual(byKind('cancel').map((j) => j.id).sort());
    for (const c of cancels) expect(c, c.message).toMatchObject({ cancelled: true, listeners: 2 });

    // Each job started exactly once, on one of the two processes; both took part.
    const starts = workers.flatMap((w) => w.events('active').map((m) => m.id as string));
    expect(starts.sort()).toEqual(jobs.map((j) => j.id).sort());
    for (const w of workers) expect(w.events('active').length).toBeGreaterThan(0);
    // The failures the workers saw: UnrecoverableError, with the pool's error as cause.
    const failures = workers.flatMap((w) => w.events('failed'));
    expect(failures).toHaveLength(30);
    for (const f of failures) {
      expect(f).toMatchObject({ name: 'UnrecoverableError', rung: 'interrupt' });
      expect(f.cause).toBe(jobs.find((j) => j.id === f.id)?.kind === 'timeout' ? 'TimeoutError' : 'InterruptError');
    }

    const stats = closed.map((c) => c.stats as { respawns: number; completed: number; cancelled: { interrupt: number } });
    expect(stats.map((s) => s.respawns)).toEqual([0, 0]);
    expect(stats.reduce((n, s) => n + s.completed, 0)).toBe(70);
    expect(stats.reduce((n, s) => n + s.cancelled.interrupt, 0)).toBe(30);
  });
});
