// Without the addon the library still loads: cooperative stop, StoppableWorker.stop()
// (flag, then terminate) and process isolation work; what needs the addon says so.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('without the addon (INTERRUPTIBLE_NO_ADDON=1)', () => {
  it('loads, keeps the cooperative and kill rungs, and names what is missing', () => {
    const out = execFileSync(process.execPath, [fileURLToPath(new URL('./fixtures/no-addon.mjs', import.meta.url))], {
      env: { ...process.env, INTERRUPTIBLE_NO_ADDON: '1', INTERRUPTIBLE_ADDON: '' },
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.addonError).toMatch(/INTERRUPTIBLE_NO_ADDON/);
    for (const what of ['interruptible', 'withTimeout', 'interrupt', 'currentThreadHandle', 'watchStalls']) {
      expect(r[what]).toMatchObject({ error: 'AddonUnavailableError', code: 'ERR_INTERRUPTIBLE_ADDON_UNAVAILABLE' });
      expect(r[what].message).toMatch(/needs the interruptible native addon.*npm rebuild interruptible/);
      expect(r[what].message.startsWith(`${what}() needs`)).toBe(true); // names what was called
    }
    expect(r.shield).toEqual({ ok: 'shielded' });
    expect(r.stopCooperative).toEqual({ rung: 'cooperative', exited: true, exitCode: 0 });
    expect(r.interruptWorker).toBe(false);
    expect(r.stack).toEqual({ state: 'unresponsive', frames: null });
    expect(r.stopHard).toEqual({ rung: 'terminate', exited: true, exitCode: 1 });
    expect(r.poolSquare).toBe(49);
    expect(r.poolCancel).toBe('terminate');
  });
});
