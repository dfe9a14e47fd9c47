// npm install script: use the prebuilt binary for this Node when one ships; build from
// source (node-gyp, which npm provides) only when none does, and then check that what was
// built fits this Node. With --ignore-scripts this does not run at all, and the loader
// finds the prebuild by itself.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { locate } = require('./locate-addon.cjs');

const root = path.join(__dirname, '..');
const found = locate(root);
if (found.file && !process.env.INTERRUPTIBLE_BUILD_FROM_SOURCE) {
  console.log(`interruptible: using ${path.relative(root, found.file)}`);
  process.exit(0);
}
console.log(`interruptible: building the addon from source (${(found.tried || ['forced']).join('; ')})`);
const result = spawnSync('node-gyp', ['rebuild'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (result.error) {
  console.error(`interruptible: could not run node-gyp (${result.error.message}). The library still loads without ` +
    'its addon: cooperative stop, StoppableWorker.stop() and process isolation work; interrupts need the addon.');
}
if (result.status !== 0) process.exit(result.status ?? 1);

// The addon calls V8 directly: one binary fits one Node ABI. node-gyp builds against the
// headers of `nodedir` when one is configured (npm_config_nodedir, or nodedir= in an
// .npmrc), which silently wins over the running Node.
let built;
try {
  built = /"node_module_version":\s*(\d+)/.exec(fs.readFileSync(path.join(root, 'build', 'config.gypi'), 'utf8'))?.[1];
} catch {}
if (built !== process.versions.modules) {
  const nodedir = process.env.npm_config_nodedir;
  console.error(
    `interruptible: the addon was built for Node ABI ${built ?? '?'}, but this Node (${process.version}) has ABI ` +
      `${process.versions.modules}, so it will not be loaded.\n` +
      (nodedir
        ? `  node-gyp used the headers in nodedir=${nodedir} (from npm_config_nodedir or an .npmrc), not this Node's.\n` +
          `  Fix: remove that nodedir setting, or point it at this Node's headers (npm_config_nodedir=<dir> npm rebuild interruptible).\n`
        : '  Fix: rebuild with this Node: npm rebuild interruptible.\n'),
  );
  process.exit(1);
}
