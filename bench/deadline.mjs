// 2. Deadline overhead: withTimeout(ms, fn) that does not fire vs a bare region, vs a vm
// timeout (a watchdog thread per call), vs isolated-vm's timeout where it installs.
import vm from 'node:vm';
import { interruptible, withTimeout } from '../dist/index.js';
import { compare, fmt, header, long, optional, table } from './lib.mjs';

header();
let sink = 0;
const f = () => ++sink;
const context = vm.createContext({ f });
const script = new vm.Script('f()');
const ivm = await optional('isolated-vm');
const reps = long ? 15 : 5;
const fast = compare(
  [
    ['interruptible(f)', () => interruptible(f)],
    ['withTimeout(1000, f)', () => withTimeout(1000, f)],
  ],
  { iterations: long ? 200_000 : 20_000, reps: long ? 21 : 11, baseline: 'interruptible(f)' },
);
const slowOps = [
  ['withTimeout(1000, f)', () => withTimeout(1000, f)],
  ['vm script.runInContext({ timeout: 1000 })', () => script.runInContext(context, { timeout: 1000 })],
];
let isolate;
if (ivm.Isolate) {
  isolate = new ivm.Isolate({ memoryLimit: 32 });
  const ctx = isolate.createContextSync();
  const s = isolate.compileScriptSync('1 + 1');
  slowOps.push(['isolated-vm script.runSync({ timeout: 1000 })', () => s.runSync(ctx, { timeout: 1000 })]);
}
const slow = compare(slowOps, { iterations: long ? 5_000 : 500, reps, baseline: 'withTimeout(1000, f)' });
table('A deadline that does not fire (median ns per call)', ['call', 'ns', 'ratio to a bare region', 'ratio to withTimeout'], [
  ...fast.map((r) => [r.label, fmt(r.ns), `${fmt(r.ratio)}×`, r.label.startsWith('with') ? '1.00×' : '']),
  ...slow.slice(1).map((r) => [r.label, fmt(r.ns), `${fmt(r.ns / fast[0].ns)}×`, `${fmt(r.ratio)}×`]),
]);
if (ivm.unavailable) console.log(`\n(isolated-vm: ${ivm.unavailable}; it needs Node >= 24 and --no-node-snapshot)`);
const ratio = fast[1].ratio;
console.log(`\ntarget: withTimeout within 1.2× of a bare region: ${fmt(ratio)}× → ${ratio <= 1.2 ? 'met' : 'MISSED'}`);
console.log(`target: hundreds of times cheaper than a vm timeout: ${fmt(slow[1].ratio, 0)}× → ${slow[1].ratio >= 100 ? 'met' : 'MISSED'}`);
isolate?.dispose();
