// 5. Zero cost inside: a CPU loop inside a region vs the same loop outside.
import { interruptible } from '../dist/index.js';
import { fmt, header, long, median, table } from './lib.mjs';

header();
function work(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003;
  return x;
}
const n = long ? 20_000_000 : 5_000_000;
const reps = long ? 21 : 9;
const outside = [];
const inside = [];
work(n); // warm up
interruptible(() => work(n));
for (let r = 0; r < reps; r++) {
  let t0 = process.hrtime.bigint();
  work(n);
  outside.push(Number(process.hrtime.bigint() - t0) / 1e6);
  t0 = process.hrtime.bigint();
  interruptible(() => work(n));
  inside.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const ratio = median(inside) / median(outside);
table('A CPU loop inside a region vs outside (median ms)', ['where', 'ms', 'ratio'], [
  ['outside', fmt(median(outside)), '1.00×'],
  ['inside interruptible()', fmt(median(inside)), `${ratio.toFixed(3)}×`],
]);
console.log(`\ntarget: within 2%: ${((ratio - 1) * 100).toFixed(1)}% → ${Math.abs(ratio - 1) <= 0.02 ? 'met' : 'MISSED'}`);
