// node scripts/macho-signature.cjs <file>: verifies the ad-hoc code signature of a 64-bit
// Mach-O file as Apple silicon's kernel does before running its pages: the LC_CODE_SIGNATURE
// blob holds a CodeDirectory whose hash of every page up to codeLimit must match the file.
// (No codesign here: this is the part of `codesign --verify` that concerns an unsigned-by-
// anyone, ad-hoc binary.) Prints a summary; exits 1 when unsigned or a page differs.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');

const file = process.argv[2];
const buf = fs.readFileSync(file);
const fail = (why) => { console.error(`${file}: ${why}`); process.exit(1); };
if (buf.readUInt32LE(0) !== 0xfeedfacf) fail('not a 64-bit little-endian Mach-O file');
const ncmds = buf.readUInt32LE(16);
let off = 32;
let sig;
for (let i = 0; i < ncmds; i++) {
  const cmd = buf.readUInt32LE(off);
  if (cmd === 0x1d) sig = { dataoff: buf.readUInt32LE(off + 8), datasize: buf.readUInt32LE(off + 12) };
  off += buf.readUInt32LE(off + 4);
}
if (!sig) fail('no LC_CODE_SIGNATURE: unsigned (arm64 macOS kills unsigned code)');
const blob = buf.subarray(sig.dataoff, sig.dataoff + sig.datasize);
if (blob.readUInt32BE(0) !== 0xfade0cc0) fail('the signature is not an embedded SuperBlob');
const count = blob.readUInt32BE(8);
let cd;
for (let i = 0; i < count; i++) {
  const at = blob.readUInt32BE(12 + i * 8 + 4);
  if (blob.readUInt32BE(at) === 0xfade0c02) cd = blob.subarray(at);
}
if (!cd) fail('no CodeDirectory in the signature');
const flags = cd.readUInt32BE(12);
const hashOffset = cd.readUInt32BE(16);
const nCodeSlots = cd.readUInt32BE(28);
const codeLimit = cd.readUInt32BE(32);
const hashSize = cd[36];
const hashType = cd[37];
const pageSize = 2 ** cd[39];
const algorithm = { 1: 'sha1', 2: 'sha256' }[hashType];
if (!algorithm) fail(`unknown hash type ${hashType}`);
if (codeLimit !== sig.dataoff) fail(`codeLimit ${codeLimit} does not end where the signature starts (${sig.dataoff})`);
if (nCodeSlots !== Math.ceil(codeLimit / pageSize)) fail(`${nCodeSlots} page hashes for ${codeLimit} bytes`);
for (let i = 0; i < nCodeSlots; i++) {
  const page = buf.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
  const want = cd.subarray(hashOffset + i * hashSize, hashOffset + (i + 1) * hashSize);
  const got = crypto.createHash(algorithm).update(page).digest().subarray(0, hashSize);
  if (!got.equals(want)) fail(`page ${i} does not match its hash: modified after signing`);
}
console.log(`signed${flags & 0x2 ? ' (ad-hoc)' : ''}: ${nCodeSlots} pages of ${pageSize} bytes, ${algorithm}, all match`);
