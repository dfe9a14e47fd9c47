// The stop flag a pool's task polls (stopRequested()) names the task it stops: a cancel
// ends the task it was meant for, and the next task on the same worker or process starts
// with the flag clear.
import { describe, expect, it } from 'vitest';
import { Pool, TimeoutError, type CancelledTaskError } from '../dist/index.js';

const tasks = new URL('./fixtures/stop-flag-tasks.mjs', import.meta.url);

describe('stopRequested() in a pool: a cancel is for one task only', () => {
  for (const isolation of ['thread', 'process'] as const) {
    it(`${isolation}: the task after a cancelled one, on the same ${isolation === 'thread' ? 'worker' : 'process'}, reads false`, async () => {
      await using pool = new Pool({ filename: tasks, size: 1, isolation, grace: 5_000, force: 10_000 });
      expect(await pool.run('read')).toBe(false);
      const error = (await pool.run('poll', { timeout: 20 }).catch((e: unknown) => e)) as CancelledTaskError;
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.rung).toBe('cooperative');
      expect(await pool.run('read')).toBe(false);
      expect(pool.stats().respawns).toBe(0); // the same worker or process ran all three
    });
  }
});
