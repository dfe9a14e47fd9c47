// Where an interrupt's round trip goes, in pieces that can be timed alone (README.md).
// Run from the repository after `npm run build`: node experiments/round-trip/run.mjs
import { errorFor } from '../../dist/delivery.js';
import { framesFrom } from '../../dist/frames.js';
import { interrupt, interruptible } from '../../dist/index.js';
import { addon } from '../../dist/native.js';

const now = () => process.hrtime.bigint();
const p50 = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const us = (ns) => (ns / 1000).toFixed(1);
function deep(n, fn) {
  return n === 0 ? fn() : deep(n - 1, fn);
}
console.log(`Node ${process.version} (V8 ${process.versions.v8})`);

// 1. V8's own price for a stack: what every Error pays at construction, hot code, 12 frames deep.
deep(12, () => {
  function api() {}
  const row = [];
  for (const limit of [10, 0]) {
    const saved = Error.stackTraceLimit;
    Error.stackTraceLimit = limit;
    for (let warm = 0; warm < 2; warm++) {
      const N = 20_000;
      let t = now();
      for (let i = 0; i < N; i++) Error.captureStackTrace({}, api);
      const capture = Number(now() - t) / N;
      t = now();
      for (let i = 0; i < N; i++) new Error('x');
      const error = Number(now() - t) / N;
      if (warm === 1) row.push(`stackTraceLimit ${limit}: Error.captureStackTrace ${us(capture)} µs, new Error ${us(error)} µs`);
    }
    Error.stackTraceLimit = saved;
  }
  console.log(`1. ${row.join('; ')}`);
});

// 2. The typed error from what the addon reports (src/delivery.ts errorFor), thrown and
// caught: the first 200 (as an interrupt is: rare, so its code is cold) and after 20,000.
// Its frames are made eagerly here, as when they are read (the library makes them when
// first read), so that this runs on the code from before that change too.
{
  const flat = [];
  for (let i = 0; i < 10; i++) flat.push(`fn${i}`, 'file:///app/job.mjs', i + 1, 2 * i + 1);
  const record = { kind: addon.kinds.request, token: 1, reason: undefined, frames: flat };
  const region = { name: undefined, timeout: 0 };
  function api() {
    return errorFor(record, region, framesFrom(record.frames), api);
  }
  const times = [];
  deep(10, () => {
    for (let i = 0; i < 20_000; i++) {
      const t = now();
      try {
        throw api();
      } catch {}
      times.push(Number(now() - t));
    }
  });
  console.log(`2. typed error made and caught: p50 ${us(p50(times.slice(0, 200)))} µs (first 200), ${us(p50(times.slice(-200)))} µs (last 200 of 20,000)`);
}

// 3. The whole round trip on one thread: interrupt() of its own region 12 frames deep, to
// the typed error caught outside it; p50 per window of 500, to show how much the machine
// moves it from one moment to the next.
{
  const windows = [];
  let times = [];
  for (let r = 0; r < 10_000; r++) {
    const t = now();
    try {
      interruptible((scope) => deep(12, () => interrupt(scope.handle)));
    } catch {}
    times.push(Number(now() - t));
    if (times.length === 500) {
      windows.push(us(p50(times)));
      times = [];
    }
  }
  console.log(`3. self-interrupt round trip, p50 µs per 500 rounds: ${windows.join(' ')}`);
}
