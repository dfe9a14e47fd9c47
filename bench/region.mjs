// 1. Region overhead: interruptible(fn) with no interrupt vs a plain call, a bare N-API
// call, interruptor's runInterruptible, and vm.runInContext with a timeout.
import vm from 'node:vm';
import { interruptible } from '../dist/index.js';
import { addon } from '../dist/native.js';
import { compare, fmt, header, long, optional, table } from './lib.mjs';

header();
const interruptor = await optional('interruptor');
let sink = 0;
const f = () => ++sink;
const context = vm.createContext({ f });
const script = new vm.Script('f()');
const ops = [
  ['plain call f()', () => f()],
  ['bare N-API call (native calls f)', () => addon.bareCall(f)],
  ['interruptible(f)', () => interruptible(f)],
];
if (interruptor.runInterruptible) ops.push(['interruptor runInterruptible(f)', () => interruptor.runInterruptible(f)]);
ops.push(['vm script.runInContext({ timeout })', () => script.runInContext(context, { timeout: 1000 })]);

const iterations = long ? 200_000 : 20_000;
const reps = long ? 15 : 5;
const slow = ops.slice(-1);
const fast = ops.slice(0, -1);
const rows = compare(fast, { iterations, reps, baseline: 'bare N-API call (native calls f)' });
const vmRows = compare([...fast.slice(1, 2), ...slow], { iterations: long ? 5_000 : 500, reps, baseline: 'bare N-API call (native calls f)' });
table('Region entry + exit, no interrupt (median ns per call; ratio to a bare N-API call)',
  ['call', 'ns', 'ratio'],
  [...rows, vmRows[1]].map((r) => [r.label, fmt(r.ns), `${fmt(r.ratio)}×`]));
if (interruptor.unavailable) console.log(`\n(${interruptor.unavailable})`);
const ours = rows.find((r) => r.label === 'interruptible(f)');
const theirs = rows.find((r) => r.label.startsWith('interruptor'));
console.log(`\ntarget: interruptible(f) within 2× of a bare N-API call: ${fmt(ours.ratio)}× → ${ours.ratio <= 2 ? 'met' : 'MISSED'}`);
if (theirs) console.log(`target: no slower than interruptor: ${fmt(ours.ns / theirs.ns)}× of its time → ${ours.ns <= theirs.ns ? 'met' : 'MISSED'}`);
