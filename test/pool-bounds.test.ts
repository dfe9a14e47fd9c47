// The pool never waits forever: on a task module that never loads, on a task that never
// settles, on a cleanup that never returns (G15).
import { describe, expect, it } from 'vitest';
import { Pool, type CancelledTaskError } from '../dist/index.js';

const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);
const neverLoads = new URL('./fixtures/never-loads.mjs', import.meta.url);

describe('G15: bounded waits in the pool', () => {
  it('a task module whose top level never finishes: run() rejects after loadTimeout, and close() resolves', async () => {
    const pool = new Pool({ filename: neverLoads, size: 1, grace: 10, force: 200, loadTimeout: 300 });
    const error = (await pool.run('x', { timeout: 100 }).catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).toBe('ERR_POOL_BROKEN');
    expect(error.message).toMatch(/did not finish loading within 300 ms/);
    await expect(pool.run('y')).rejects.toMatchObject({ code: 'ERR_POOL_BROKEN' });
    await pool.close();
  });

  it('a task that never settles: close({ timeout }) cancels it and resolves', async () => {
    const pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 100 });
    const running = pool.run({ kind: 'ignore-signal' }).catch((e: unknown) => e);
    await pool.ready();
    await pool.close({ timeout: 50 });
    const error = (await running) as CancelledTaskError;
    expect(error.rung).toBe('terminate');
    expect((error.cause as { code?: string }).code).toBe('ERR_POOL_CLOSED');
    expect(pool.stats().respawns).toBe(0); // a closing pool does not replace the worker it ended
  });

  it('a deferred cleanup that never returns: the later rungs still end the task, and the pool goes on', async () => {
    await using pool = new Pool({ filename: tasks, size: 1, grace: 10, force: 200 });
    await pool.ready(); // the timeout then counts from the task's start
    const error = (await pool.run({ kind: 'stuck-cleanup' }, { timeout: 10 }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error.rung).toBe('terminate');
    expect(await pool.run({ kind: 'square', n: 5 })).toBe(25);
  });

  it('close() options are checked', async () => {
    const pool = new Pool({ filename: tasks, size: 1 });
    expect(() => pool.close({ timeout: -1 })).toThrow(RangeError);
    await pool.close();
  });
});
