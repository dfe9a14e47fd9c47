// bullmq is an optional peer: `interruptible` loads without it, `interruptible/bullmq`
// fails with a message that says what to install. Checked in a child process whose copy
// of the package has no bullmq anywhere on its resolution path.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
// The addon this checkout loads (a local build or a prebuild); the copy has none of its own.
const { locate } = createRequire(import.meta.url)('../../scripts/locate-addon.cjs') as { locate(root: string): { file?: string } };
const addon = locate(root).file!;
const dir = mkdtempSync(join(tmpdir(), 'interruptible-no-bullmq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function install(): string {
  const pkg = join(dir, 'node_modules', 'interruptible');
  mkdirSync(join(pkg, 'scripts'), { recursive: true });
  for (const path of ['package.json', 'dist', 'scripts/locate-addon.cjs']) cpSync(join(root, path), join(pkg, path), { recursive: true });
  return pkg;
}

function run(code: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, INTERRUPTIBLE_ADDON: addon },
  });
}

describe('bullmq as an optional peer dependency', () => {
  it('is never needed by interruptible, and its absence makes interruptible/bullmq fail clearly', () => {
    install();
    // The copy really cannot see bullmq (while this checkout can).
    expect(run("await import('bullmq')").stderr).toMatch(/Cannot find package 'bullmq'/);
    execFileSync(process.execPath, ['-e', "import('bullmq')"], { cwd: root });

    const main = run("const m = await import('interruptible'); console.log(typeof m.Pool, typeof m.interrupt)");
    expect(main.stderr).toBe('');
    expect(main.stdout.trim()).toBe('function function');

    const sub = run("await import('interruptible/bullmq')");
    expect(sub.status).not.toBe(0);
    expect(sub.stderr).toContain("interruptible/bullmq needs the package 'bullmq' (an optional peer dependency of interruptible)");
    expect(sub.stderr).toContain('npm install bullmq');
  });
});
