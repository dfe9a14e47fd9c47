// npm pack / npm publish (prepack): refuse to make a package without the prebuilt
// binaries the README promises (scripts/prebuilds.json), and say how to build them.
// Without them, installing would compile from source, or, where the home .npmrc sets
// nodedir, build against another Node's headers and fail when loaded.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { abi, targets } = require('./prebuilds.json');

function expected() {
  const files = [];
  for (const t of targets) {
    for (const line of t.lines) {
      const tags = ['node', `abi${abi[line]}`, t.libc].filter(Boolean).join('.');
      files.push({ file: path.join('prebuilds', t.dir, `${tags}.node`), build: t.build, line });
    }
  }
  return files;
}

function missing() {
  return expected().filter((e) => !fs.existsSync(path.join(root, e.file)));
}

if (require.main === module) {
  if (process.env.INTERRUPTIBLE_PACK_WITHOUT_PREBUILDS === '1') process.exit(0);
  const gone = missing();
  if (gone.length > 0) {
    const builds = [...new Set(gone.map((g) => g.build))];
    console.error(
      `interruptible: refusing to pack: ${gone.length} prebuilt binar${gone.length === 1 ? 'y is' : 'ies are'} missing:\n` +
        gone.map((g) => `  ${g.file} (Node ${g.line})`).join('\n') +
        `\nBuild them first: ${builds.join(' && ')}\n` +
        '(INTERRUPTIBLE_PACK_WITHOUT_PREBUILDS=1 packs anyway, for a package that compiles on install.)',
    );
    process.exit(1);
  }
  console.error(`interruptible: all ${expected().length} prebuilt binaries present`);
}

module.exports = { expected, missing };
