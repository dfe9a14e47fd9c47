// The stop ladder that StoppableWorker.stop() and a Pool's cancel walk (src/ladder.ts):
// its rungs in order, and the interrupt rung's retry while the target region is not
// visible yet (a task whose run message is still on the way).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Ladder, type Rung } from '../dist/ladder.js';

const until = async (done: () => boolean): Promise<void> => {
  const end = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > end) throw new Error('not within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};

describe('the stop ladder', () => {
  it('takes the rungs at 0 ms at once, the later ones at their time, in order', async () => {
    const taken: Rung[] = [];
    const ladder = new Ladder([
      { rung: 'cooperative', at: 0, take: () => void taken.push('cooperative') },
      { rung: 'interrupt', at: 20, take: () => void taken.push('interrupt') },
      { rung: 'terminate', at: 40, take: () => void taken.push('terminate') },
    ]);
    expect(taken).toEqual(['cooperative']);
    expect(ladder.rung).toBe('cooperative');
    await until(() => taken.length === 3);
    expect(taken).toEqual(['cooperative', 'interrupt', 'terminate']);
    expect(ladder.rung).toBe('terminate');
  });

  it("the interrupt rung's retry: a rung that cannot be taken yet is tried again until it can", async () => {
    let attempts = 0;
    const ladder = new Ladder([
      { rung: 'cooperative', at: 0, take: () => {} },
      { rung: 'interrupt', at: 0, take: () => ++attempts >= 4 }, // the region shows up at the 4th try
      { rung: 'terminate', at: 60_000, take: () => {} },
    ]);
    expect(ladder.rung).toBe('cooperative');
    await until(() => ladder.rung === 'interrupt');
    expect(attempts).toBe(4);
    ladder.stop();
  });

  it('stop(): no rung is taken after the work ended, retries included', async () => {
    const taken: string[] = [];
    let attempts = 0;
    const ladder = new Ladder([
      { rung: 'interrupt', at: 0, take: () => (attempts++, false) },
      { rung: 'terminate', at: 30, take: () => void taken.push('terminate') },
    ]);
    expect(attempts).toBe(1);
    ladder.stop();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(attempts).toBe(1);
    expect(taken).toEqual([]);
    expect(ladder.rung).toBeUndefined();
  });

  it('stop() from inside a rung that cannot be taken: no retry, no later rung', async () => {
    let attempts = 0;
    let taken = 0;
    let ladder: Ladder | undefined;
    let stopInside = false;
    ladder = new Ladder([
      {
        rung: 'interrupt',
        at: 5,
        take: () => {
          attempts++;
          ladder!.stop(); // the work ended while this rung was being taken
          stopInside = true;
          return false;
        },
      },
      { rung: 'terminate', at: 60, take: () => void taken++ },
    ]);
    await until(() => stopInside);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect([attempts, taken]).toEqual([1, 0]);
    expect(ladder.rung).toBeUndefined();
  });

  it('the retry backs off, from 1 ms up to 20 ms between tries: no busy loop, and no long wait', async () => {
    const at: number[] = [];
    const ladder = new Ladder([{ rung: 'interrupt', at: 0, take: () => at.push(performance.now()) >= 12 }]);
    await until(() => ladder.rung === 'interrupt');
    // 1 + 2 + 4 + 8 + 16 + 6 × 20 = 151 ms between the first try and the 12th: about that
    // at least (a timer may fire up to a millisecond early: the loop's clock is in whole ms),
    // and far less than a back-off without its cap.
    const elapsed = at[11]! - at[0]!;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(5_000);
  });

  it("unref: the ladder's timers do not keep the process alive; by default they do", () => {
    const lib = new URL('../dist/ladder.js', import.meta.url).href;
    // In a child process of its own: whether a pending step keeps it alive. (Also here, so
    // that this test is counted as running this code.)
    new Ladder([{ rung: 'kill', at: 1, take: () => {} }], { unref: true }).stop();
    const run = (options: string) =>
      spawnSync(
        process.execPath,
        ['--input-type=module', '-e', `import { Ladder } from ${JSON.stringify(lib)}; new Ladder([{ rung: 'kill', at: 300, take: () => console.log('taken') }]${options});`],
        { encoding: 'utf8', timeout: 30_000 },
      );
    const unref = run(', { unref: true }');
    expect([unref.status, unref.stdout]).toEqual([0, '']);
    const kept = run('');
    expect([kept.status, kept.stdout]).toEqual([0, 'taken\n']);
  });

  it('a later rung supersedes a retry still pending for an earlier one', async () => {
    let interruptTries = 0;
    const ladder = new Ladder([
      { rung: 'interrupt', at: 0, take: () => (interruptTries++, false) }, // never visible
      { rung: 'terminate', at: 30, take: () => {} },
    ]);
    await until(() => ladder.rung === 'terminate');
    const after = interruptTries;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(interruptTries).toBe(after); // no retry after the terminate rung
    expect(interruptTries).toBeGreaterThan(1);
  });
});
