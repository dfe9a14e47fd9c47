// Runs repro.mjs and workloads.mjs under each candidate flag set, on the Node binaries
// given (default: the one running this), and prints two markdown tables: the stall
// (1000 vm timeouts) and the cost on ordinary code (median of interleaved cold runs,
// ratio to the default flags of the same binary).
//
//   node flags.mjs [--reps 5] [--only-cost] [/path/to/node ...]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const repsAt = args.indexOf('--reps');
const reps = repsAt >= 0 ? Number(args.splice(repsAt, 2)[1]) : 5;
const onlyCost = args.includes('--only-cost');
const setsAt = args.indexOf('--sets');
const setsList = setsAt >= 0 ? args.splice(setsAt, 2)[1] : undefined;
const nodes = args.filter((a) => !a.startsWith('--'));
if (nodes.length === 0) nodes.push(process.execPath);
const all = [
  [],
  ['--no-maglev'],
  ['--no-concurrent-recompilation'],
  ['--no-turbofan'],
  ['--osr-from-maglev-interrupt-scale-factor=80'],
  ['--osr-from-maglev-interrupt-scale-factor=800'],
  ['--osr-from-maglev-interrupt-scale-factor=8000'],
];
// --sets a,b: only these (indexes into the list above; 0, the default flags, always).
const sets = setsList ? [0, ...setsList.split(',').map(Number)].map((i) => all[i]) : all;
const label = (set) => set.join(' ') || '(default)';
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[s.length >> 1]; };

for (const node of nodes) {
  const version = spawnSync(node, ['-v']).stdout.toString().trim();
  if (!onlyCost) {
    console.log(`\n#### ${version}: 1000 vm timeouts of 2 ms (repro.mjs), ms late\n`);
    console.log('| flags | p50 | p99 | max | later than 10 ms | stalls (> 100 ms CPU in a round) | most CPU in a round |');
    console.log('|---|---|---|---|---|---|---|');
    for (const set of sets) {
      const r = spawnSync(node, [...set, `${here}/repro.mjs`], { timeout: 600_000 });
      const out = r.stdout.toString();
      const m = out.match(/p50 ([\d.]+), p99 ([\d.]+), max ([\d.]+); (\d+) later/);
      const st = out.match(/CPU\): (\d+); most CPU in one round: ([\d.]+)/);
      console.log(m && st ? `| ${label(set)} | ${m[1]} | ${m[2]} | ${m[3]} | ${m[4]} | ${st[1]} | ${st[2]} |`
        : `| ${label(set)} | failed: ${r.error?.message ?? r.stderr.toString().split('\n')[0]} | | | | | |`);
    }
  }
  const samples = sets.map(() => ({}));
  for (let rep = 0; rep < reps; rep++) {
    sets.forEach((set, i) => {
      const r = spawnSync(node, [...set, `${here}/workloads.mjs`]);
      const res = JSON.parse(r.stdout.toString());
      for (const [k, v] of Object.entries(res)) (samples[i][k] ??= []).push(v);
    });
  }
  const names = Object.keys(samples[0]);
  const base = Object.fromEntries(names.map((n) => [n, median(samples[0][n])]));
  console.log(`\n#### ${version}: cost on ordinary code, cold runs, process CPU ms, median of ${reps} (ratio to default)\n`);
  console.log(`| flags | ${names.join(' | ')} | geomean |`);
  console.log(`|---|${names.map(() => '---').join('|')}|---|`);
  sets.forEach((set, i) => {
    const ratios = names.map((n) => median(samples[i][n]) / base[n]);
    const geo = Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length);
    console.log(`| ${label(set)} | ${names.map((n, j) => `${median(samples[i][n]).toFixed(0)} (${ratios[j].toFixed(2)}×)`).join(' | ')} | ${geo.toFixed(2)}× |`);
  });
}
