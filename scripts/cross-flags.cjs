// The compile inputs of a cross-build, taken from where node-gyp takes them, so that the
// cross-built binaries follow the sources and the target Node as they change:
//   node scripts/cross-flags.cjs sources                  binding.gyp's sources (absolute), one a line
//   node scripts/cross-flags.cjs defines <node> <common>  -D flags: binding.gyp's defines, node-gyp's
//                                                          addon defines, and the V8 defines that
//                                                          <common> (that line's common.gypi) derives
//                                                          from the config of the official <node> binary
//   node scripts/cross-flags.cjs includes                 -I flags: node-addon-api's directory
// The V8 defines (pointer compression, sandbox, 31-bit smis, ...) change the inline code of
// V8's headers; they must be those of the Node that will load the binary, never the build
// machine's, so they are read from the configuration embedded in that Node's own binary
// (the JSON that becomes process.config).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function target() {
  const gyp = JSON.parse(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8'));
  const t = gyp.targets.find((x) => x.target_name === 'interruptible');
  if (!t || !Array.isArray(t.sources) || t.sources.length === 0) throw new Error('binding.gyp: no sources for interruptible');
  return t;
}

/** The config a Node binary was built with: the JSON text embedded in it, parsed. */
function embeddedConfig(nodeBinary) {
  const bytes = fs.readFileSync(nodeBinary);
  // The JSON opens with "target_defaults" in Node 20 and with "variables" in later lines.
  for (const key of ['"variables"', '"target_defaults"'])
  for (let at = bytes.indexOf(key); at >= 0; at = bytes.indexOf(key, at + 1)) {
    const start = bytes.lastIndexOf('{', at);
    if (start < 0 || at - start > 16 || bytes.subarray(start + 1, at).toString().trim() !== '') continue;
    const text = balanced(bytes, start);
    if (text === undefined) continue;
    try {
      const config = JSON.parse(text);
      if (config.variables && 'v8_enable_pointer_compression' in config.variables) return config;
    } catch {}
  }
  throw new Error(`${nodeBinary}: no embedded build configuration found`);
}

function balanced(bytes, start) {
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length && i - start < 1 << 20; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return bytes.subarray(start, i + 1).toString('utf8');
  }
  return undefined;
}

/**
 * The defines common.gypi attaches to conditions on V8 variables, e.g.
 *   ['v8_enable_pointer_compression == 1', { 'defines': ['V8_COMPRESS_POINTERS'], }],
 * evaluated against the variables (the binary's config over common.gypi's defaults).
 * Only conditions made of `var == n`, `var != n`, `and`, `or` on v8_* and tsan are taken:
 * those are the ones that reach V8's public headers (external_v8_defines in BUILD.gn).
 */
function v8Defines(commonGypi, variables) {
  const text = fs.readFileSync(commonGypi, 'utf8');
  const defaults = {};
  for (const m of text.matchAll(/'((?:v8_|tsan)[a-z0-9_]*)%?'\s*:\s*(\d+)/g)) {
    if (!(m[1] in defaults)) defaults[m[1]] = Number(m[2]);
  }
  const value = (name) => Number(variables[name] ?? defaults[name] ?? 0);
  const out = [];
  const re = /\[\s*'([^']*)'\s*,\s*\{\s*'defines'\s*:\s*\[([^\]]*)\]\s*,?\s*\}\s*\]/g;
  for (const m of text.matchAll(re)) {
    const cond = m[1];
    if (!/^(?:\s*(?:v8_|tsan)\w*\s*[!=]=\s*\d+\s*(?:and|or)?)+\s*$/.test(cond)) continue;
    const js = cond.replace(/((?:v8_|tsan)\w*)\s*([!=]=)\s*(\d+)/g, (_, v, op, n) => `${value(v) === Number(n) === (op === '==')}`)
      .replace(/\band\b/g, '&&').replace(/\bor\b/g, '||');
    if (!/^[\s()truefals&|]*$/.test(js)) continue;
    if (Function(`return (${js});`)()) {
      for (const d of m[2].matchAll(/'([^']+)'/g)) out.push(d[1]);
    }
  }
  return out;
}

module.exports = { embeddedConfig, v8Defines };
const [mode, nodeBinary, commonGypi] = require.main === module ? process.argv.slice(2) : ['library'];
if (mode === 'library') {
  // required, not run
} else if (mode === 'sources') {
  for (const s of target().sources) console.log(path.join(root, s));
} else if (mode === 'includes') {
  console.log(`-I${path.dirname(require.resolve('node-addon-api/package.json'))}`);
} else if (mode === 'defines') {
  if (!nodeBinary || !commonGypi) throw new Error('usage: cross-flags.cjs defines <node binary> <common.gypi>');
  const config = embeddedConfig(nodeBinary);
  const defines = [
    ...(target().defines ?? []),
    // node-gyp's addon.gypi
    'NODE_GYP_MODULE_NAME=interruptible', 'USING_UV_SHARED=1', 'USING_V8_SHARED=1', 'V8_DEPRECATION_WARNINGS=1',
    '_LARGEFILE_SOURCE', '_FILE_OFFSET_BITS=64', 'BUILDING_NODE_EXTENSION',
    ...v8Defines(commonGypi, config.variables ?? {}),
  ];
  for (const d of [...new Set(defines)]) console.log(`-D${d}`);
} else {
  console.error('usage: cross-flags.cjs sources | includes | defines <node binary> <common.gypi>');
  process.exit(2);
}
