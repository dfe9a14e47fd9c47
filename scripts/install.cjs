// npm install script: use the prebuilt binary for this Node when one ships; build from
// source (node-gyp, which npm provides) only when none does. With --ignore-scripts this
// does not run at all, and the loader finds the prebuild by itself.
'use strict';
const { spawnSync } = require('node:child_process');
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
process.exit(result.status ?? 1);
