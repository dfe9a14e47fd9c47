// Where the addon for this Node is: the one place that knows, shared by the install
// script (scripts/install.cjs) and the loader (src/native.ts).
//
// The addon calls V8 directly, so one binary fits one Node ABI (process.versions.modules)
// even though it registers through N-API: a binary for another ABI must never be loaded.
// Order: INTERRUPTIBLE_ADDON; a local build made for this ABI; the prebuild for this
// platform, architecture, ABI and libc (prebuildify's layout and tags).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

// musl or glibc, for the prebuild's libc tag. /etc/alpine-release alone misses musl
// distributions other than Alpine and musl Node binaries run elsewhere, so ask this Node
// itself: its ELF interpreter (ld-musl-*.so.1 or ld-linux-*.so.*), else whether the
// diagnostic report knows a glibc runtime version (it does only on glibc).
function libc(executable = process.execPath) {
  if (process.platform !== 'linux') return '';
  const interpreter = elfInterpreter(executable);
  if (interpreter) return interpreter.includes('musl') ? 'musl' : 'glibc';
  try {
    const header = process.report?.getReport?.().header;
    if (header && 'glibcVersionRuntime' in header) return 'glibc';
  } catch {}
  return fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
}

/** PT_INTERP of a 64-bit little-endian ELF file, or '' (static, unreadable, other). */
function elfInterpreter(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const header = Buffer.alloc(64);
    fs.readSync(fd, header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return '';
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const table = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const entry = table.subarray(i * phentsize);
      if (entry.readUInt32LE(0) !== 3) continue; // PT_INTERP
      const path = Buffer.alloc(Number(entry.readBigUInt64LE(32)));
      fs.readSync(fd, path, 0, path.length, Number(entry.readBigUInt64LE(8)));
      return path.toString('latin1').replace(/\0.*$/s, '');
    }
    return '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** What to do when no binary loads: build from source, with this platform's prerequisites. */
function buildHint() {
  const needs = {
    win32: 'Python 3 and Visual Studio 2022 (or its Build Tools) with "Desktop development with C++"',
    darwin: 'the Xcode Command Line Tools (xcode-select --install) and Python 3',
    linux: libc() === 'musl'
      ? 'a C++20 compiler, make and Python 3 (Alpine: apk add build-base python3)'
      : 'a C++20 compiler (g++ 10+ or clang 12+), make and Python 3 (Debian/Ubuntu: apt-get install build-essential python3)',
  }[process.platform] ?? 'a C++20 compiler, make and Python 3';
  return `build it from source: INTERRUPTIBLE_BUILD_FROM_SOURCE=1 npm rebuild interruptible (needs ${needs})`;
}

function prebuildName() {
  const tags = ['node', `abi${process.versions.modules}`, libc()].filter(Boolean);
  return path.join(`${process.platform}-${process.arch}`, `${tags.join('.')}.node`);
}

/** { file } or { tried: [reasons] } */
function locate(root) {
  const tried = [];
  const explicit = process.env.INTERRUPTIBLE_ADDON;
  if (explicit) return { file: path.resolve(explicit) };
  const local = path.join(root, 'build', 'Release', 'interruptible.node');
  if (fs.existsSync(local)) {
    let abi;
    try {
      const config = fs.readFileSync(path.join(root, 'build', 'config.gypi'), 'utf8');
      abi = /"node_module_version":\s*(\d+)/.exec(config)?.[1];
    } catch {}
    if (abi === process.versions.modules) return { file: local };
    tried.push(`${local} was built for Node ABI ${abi ?? '?'}, this Node has ${process.versions.modules}`);
  } else {
    tried.push(`no local build at ${local}`);
  }
  const prebuild = path.join(root, 'prebuilds', prebuildName());
  if (fs.existsSync(prebuild)) return { file: prebuild };
  tried.push(`no prebuild at ${prebuild}`);
  return { tried };
}

module.exports = { locate, prebuildName, libc, buildHint, elfInterpreter };
