// The loader's choice of binary per platform and libc, and what it says when a binary
// does not load (the cross-built binaries themselves: scripts/ci-platforms.sh).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const locator = require('../scripts/locate-addon.cjs') as {
  libc(executable?: string): string;
  prebuildName(): string;
  elfInterpreter(file: string): string;
};
const dir = mkdtempSync(join(tmpdir(), 'interruptible-platforms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const glibcX64 = process.platform === 'linux' && process.arch === 'x64' && locator.libc() === 'glibc';

describe('which prebuild the loader picks', () => {
  it("names it in prebuildify's layout, with the libc tag on Linux only", () => {
    const tag = process.platform === 'linux' ? `.${locator.libc()}` : '';
    expect(locator.prebuildName()).toBe(join(`${process.platform}-${process.arch}`, `node.abi${process.versions.modules}${tag}.node`));
  });

  it.skipIf(!glibcX64)("tells musl from glibc by the Node executable's ELF interpreter", () => {
    expect(locator.elfInterpreter(process.execPath)).toMatch(/ld-linux-x86-64\.so\.2$/);
    expect(locator.libc(process.execPath)).toBe('glibc');
    // The same executable as if linked against musl: only its PT_INTERP differs.
    const bytes = readFileSync('/bin/true');
    const glibcLoader = Buffer.from('/lib64/ld-linux-x86-64.so.2\0');
    const at = bytes.indexOf(glibcLoader);
    expect(at).toBeGreaterThan(0);
    Buffer.alloc(glibcLoader.length).copy(bytes, at);
    Buffer.from('/lib/ld-musl-x86_64.so.1').copy(bytes, at);
    const musl = join(dir, 'node-on-musl');
    writeFileSync(musl, bytes);
    expect(locator.elfInterpreter(musl)).toBe('/lib/ld-musl-x86_64.so.1');
    expect(locator.libc(musl)).toBe('musl');
  });
});

describe('when the binary does not load', () => {
  it('says which file, why, and how to build from source', () => {
    const broken = join(dir, 'broken.node');
    copyFileSync(new URL('../package.json', import.meta.url), broken);
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "import { addonError } from './dist/index.js'; console.log(addonError()?.message)"],
      { cwd: new URL('..', import.meta.url), env: { ...process.env, INTERRUPTIBLE_ADDON: broken }, encoding: 'utf8' },
    );
    expect(out).toContain(`${broken} did not load (`);
    expect(out).toMatch(/invalid ELF header|not a valid|Bad EXE format|not a mach-o/i);
    expect(out).toMatch(/INTERRUPTIBLE_BUILD_FROM_SOURCE=1 npm rebuild interruptible \(needs .*Python 3/);
  });
});
