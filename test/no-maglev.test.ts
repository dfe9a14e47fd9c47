// INTERRUPTIBLE_NO_MAGLEV=1: the opt-in that removes the Node 24/26 tier-up stall
// (README, "Latency on Node 24 and 26") by turning V8's Maglev tier off for the process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const lib = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

/** Whether a hot loop's function ever ran as Maglev code in a fresh process that imported the library first. */
function everMaglev(env: Record<string, string>): boolean {
  const probe = `
    import(${JSON.stringify(lib)}).then(() => {
      const f = new Function('n', 'let s = 0; for (let i = 0; i < n; i++) s += i; return s');
      const isMaglev = new Function('f', 'return %ActiveTierIsMaglev(f)');
      let ever = false;
      for (let k = 0; k < 5000; k++) { f(200); if (isMaglev(f)) ever = true; }
      console.log(JSON.stringify({ ever }));
    });`;
  const child = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', probe], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.status, child.stderr).toBe(0);
  return (JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { ever: boolean }).ever;
}

describe('INTERRUPTIBLE_NO_MAGLEV', () => {
  it('=1: no function of the process runs as Maglev code', () => {
    expect(everMaglev({ INTERRUPTIBLE_NO_MAGLEV: '1' })).toBe(false);
  });

  it.runIf(major >= 24)('unset: Node 24+ tiers hot loops through Maglev (what the opt-in turns off)', () => {
    expect(everMaglev({ INTERRUPTIBLE_NO_MAGLEV: '' })).toBe(true);
  });
});
