// When the addon does not load (src/native.ts): the library still loads, addonError() says
// which file failed and why, and what needs the addon throws AddonUnavailableError with
// that reason and what to do. Each case runs the library in a child process of its own.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

interface Described {
  name: string;
  code?: string;
  message: string;
  cause: Described | null;
}
interface Loaded {
  addonError: Described | null;
  thrown: Described | null;
  causeIsAddonError?: boolean;
}

const fixture = fileURLToPath(new URL('./fixtures/addon-load.mjs', import.meta.url));
const dist = new URL('../dist/index.js', import.meta.url).href;
const scratch = mkdtempSync(join(tmpdir(), 'interruptible-addon-load-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The child gets this process's INTERRUPTIBLE_ADDON unless a case sets its own: on another
// Node line (scripts/test-matrix.sh) that names the build for that line, and the local build
// or a prebuild may not fit it.
function load(env: Record<string, string>, library = dist): Loaded {
  const out = execFileSync(process.execPath, [fixture, library], {
    env: { ...process.env, INTERRUPTIBLE_NO_ADDON: '', INTERRUPTIBLE_ADDON: process.env.INTERRUPTIBLE_ADDON ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Loaded;
}

/** A file that INTERRUPTIBLE_ADDON can name: require() loads any module, not only a .node file. */
function module(name: string, source: string): string {
  const file = join(scratch, name);
  writeFileSync(file, source);
  return file;
}

function expectUnavailable(r: Loaded, why: RegExp): void {
  expect(r.addonError?.message).toMatch(why);
  expect(r.thrown).toMatchObject({ name: 'AddonUnavailableError', code: 'ERR_INTERRUPTIBLE_ADDON_UNAVAILABLE' });
  // What needed it, why it is missing (the loader's words), and what to do about it.
  expect(r.thrown?.message).toMatch(/^interruptible\(\) needs the interruptible native addon/);
  expect(r.thrown?.message).toContain(r.addonError?.message);
  expect(r.thrown?.message).toMatch(/Prebuilt binaries ship for .*linux-x64.*darwin-x64.*win32-x64/);
  expect(r.thrown?.message).toMatch(/build it from source: INTERRUPTIBLE_BUILD_FROM_SOURCE=1 npm rebuild interruptible\.$/);
  expect(r.causeIsAddonError).toBe(true);
}

describe('addon loading: what a user reads when it fails', () => {
  it('with the addon: no error, and features work', () => {
    const r = load({});
    expect(r.addonError).toBeNull();
    expect(r.thrown).toBeNull();
  });

  it('INTERRUPTIBLE_NO_ADDON=1 disables it and says so; another value does not', () => {
    expectUnavailable(load({ INTERRUPTIBLE_NO_ADDON: '1' }), /disabled by INTERRUPTIBLE_NO_ADDON=1/);
    expect(load({ INTERRUPTIBLE_NO_ADDON: '0' }).addonError).toBeNull();
  });

  it('a binary that fails to load: names the file and the loader\'s reason, keeps the error as cause, says how to build', () => {
    const file = module('throws.cjs', "throw new Error('the loader said no');\n");
    const r = load({ INTERRUPTIBLE_ADDON: file });
    expectUnavailable(r, /did not load \(the loader said no\)/);
    expect(r.addonError?.message).toContain(file);
    expect(r.addonError?.message).toMatch(/build it from source: INTERRUPTIBLE_BUILD_FROM_SOURCE=1/);
    expect(r.addonError?.cause).toMatchObject({ name: 'Error', message: 'the loader said no' });
  });

  it('a binary built for another Node ABI is not used: names the file and both ABIs', () => {
    const file = module('other-abi.cjs', 'module.exports = { abi: 1 };\n');
    const r = load({ INTERRUPTIBLE_ADDON: file });
    expectUnavailable(r, new RegExp(`was built for Node ABI 1, this Node has ${process.versions.modules}`));
    expect(r.addonError?.message).toContain(file);
    expect(r.addonError?.message).toMatch(/build it from source/);
  });

  it('no binary for this Node: lists every place it looked, and how to build', () => {
    // The library alone, with its locator, where there is neither a local build nor a prebuild.
    const root = join(scratch, 'no-binary');
    cpSync(fileURLToPath(new URL('../dist', import.meta.url)), join(root, 'dist'), { recursive: true });
    cpSync(fileURLToPath(new URL('../scripts/locate-addon.cjs', import.meta.url)), join(root, 'scripts', 'locate-addon.cjs'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    const r = load({ INTERRUPTIBLE_ADDON: '' }, pathToFileURL(join(root, 'dist', 'index.js')).href);
    expectUnavailable(r, /^no binary for this Node: no local build at .*; no prebuild at .*; build it from source/);
  });
});
