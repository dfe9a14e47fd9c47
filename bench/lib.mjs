import { createRequire } from 'node:module';

// Shared by the benchmarks: timing loops, medians, ratio tables. Every table reports
// medians of interleaved repetitions and ratios to a baseline measured in the same run.
export const long = process.argv.includes('--long');

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** ns per call of fn, over `iterations` calls. */
export function nsPerCall(fn, iterations) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

/**
 * Times each op `reps` times, interleaved (so that noise hits all alike), and returns
 * rows { label, ns, ratio } with ratios to `baseline` (a label).
 */
export function compare(ops, { iterations, reps, baseline }) {
  const samples = new Map(ops.map(([label]) => [label, []]));
  for (const [, fn] of ops) nsPerCall(fn, Math.min(iterations, 10_000)); // warm up
  for (let r = 0; r < reps; r++) {
    for (const [label, fn] of ops) samples.get(label).push(nsPerCall(fn, iterations));
  }
  const base = median(samples.get(baseline));
  return ops.map(([label]) => {
    const ns = median(samples.get(label));
    return { label, ns, ratio: ns / base };
  });
}

export function fmt(n, digits = 2) {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(digits);
}

/** Prints a markdown table. */
export function table(title, headers, rows) {
  console.log(`\n### ${title}\n`);
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`|${headers.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

export async function optional(name) {
  try {
    // scripts/bench-matrix.sh installs the native peers per Node line (BENCH_PEERS).
    const from = process.env.BENCH_PEERS ? `${process.env.BENCH_PEERS}/peers.cjs` : import.meta.url;
    return createRequire(from)(name);
  } catch (error) {
    return { unavailable: `${name} is not installed here (${String(error.message).split('\n')[0]})` };
  }
}

export function header() {
  console.log(`Node ${process.version} (V8 ${process.versions.v8}), ${process.platform}-${process.arch}` +
    `${long ? ', --long' : ', CI-sized run'}, ${new Date().toISOString().slice(0, 10)}`);
}
