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

function libc() {
  if (process.platform !== 'linux') return '';
  return fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
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

module.exports = { locate, prebuildName };
