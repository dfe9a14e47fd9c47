// What new Pool(), run() and close() accept: a bad option is refused with an error that
// names it (and the value received), before any task starts; the defaults a user relies on.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Pool, TimeoutError, type CancelledTaskError } from '../dist/index.js';

const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);

describe('new Pool(options): a bad option is a clear error', () => {
  it('options that are not an object', () => {
    for (const bad of [undefined, null, 42, 'tasks.mjs']) {
      expect(() => new Pool(bad as never)).toThrow(/new Pool\(options\): options must be an object/);
    }
  });

  it('each error names its option and, for numbers, the value received', () => {
    expect(() => new Pool({ filename: 42 as never })).toThrow(/options\.filename must be a path or a file: URL/);
    expect(() => new Pool({ filename: tasks, size: 0 })).toThrow(/options\.size must be an integer >= 1, got 0/);
    expect(() => new Pool({ filename: tasks, size: 1.5 })).toThrow(/options\.size .*got 1\.5/);
    expect(() => new Pool({ filename: tasks, grace: -1 })).toThrow(/options\.grace .*got -1/);
    expect(() => new Pool({ filename: tasks, force: -2 })).toThrow(/options\.force .*got -2/);
    expect(() => new Pool({ filename: tasks, timeout: 0 })).toThrow(/options\.timeout .*got 0/);
    expect(() => new Pool({ filename: tasks, loadTimeout: -3 })).toThrow(/options\.loadTimeout .*got -3/);
  });

  it('a plain path names the task module as well as a URL; loadTimeout: Infinity means no load limit', async () => {
    const pool = new Pool({ filename: fileURLToPath(tasks), size: 1, loadTimeout: Infinity });
    try {
      await pool.ready();
      expect(await pool.run({ kind: 'square', n: 9 })).toBe(81);
    } finally {
      await pool.close();
    }
  });
});

describe('run() and close() options', () => {
  const pool = new Pool({ filename: tasks, size: 1, timeout: 50, grace: 10, force: 10_000 });
  afterAll(() => pool.close());

  it('a bad run() option rejects, naming it; the pool goes on', async () => {
    await expect(pool.run(1, 42 as never)).rejects.toThrow(/run\(\) options must be an object/);
    await expect(pool.run(1, { onProgress: 'log' as never })).rejects.toThrow(/options\.onProgress must be a function/);
    await expect(pool.run(1, { signal: {} as never })).rejects.toThrow(/options\.signal must be an AbortSignal/);
    await expect(pool.run(1, { timeout: 2 ** 31 })).rejects.toThrow(/options\.timeout .*got 2147483648/);
    expect(await pool.run({ kind: 'square', n: 4 }, { timeout: Infinity })).toBe(16); // not the pool's 50 ms, on a loaded machine
  });

  it("a task run without its own timeout gets the pool's", async () => {
    const error = (await pool.run({ kind: 'spin' }).catch((e: unknown) => e)) as CancelledTaskError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toMatch(/50 ms/);
  });

  it('a bad close() option throws, naming it', () => {
    expect(() => pool.close(42 as never)).toThrow(/close\(\) options must be an object/);
    expect(() => pool.close({ timeout: -1 })).toThrow(/options\.timeout .*got -1/);
  });
});
