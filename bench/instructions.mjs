// Region entry + exit counted in machine instructions (valgrind's callgrind), not timed:
// a measure that the machine's load does not move, beside bench/region.mjs's timings.
// Each row runs in processes of its own (no interplay between rows through V8's feedback):
// a warm-up of 200,000 calls, then N calls, for N = 20,000 and 60,000; the difference of
// the two totals over 40,000 is the cost of one call, start-up and warm-up cancelled out.
//
//   node bench/instructions.mjs            # needs valgrind (apt-get install valgrind)
//
// Instructions are not time: a sequentially consistent store or a cache miss costs many
// cycles in one instruction. What the count shows is how much work each boundary does.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, header, optional, table } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const [role, variant, count] = process.argv.slice(2);

if (role === '--row') {
  const { interruptible, withTimeout } = await import('../dist/index.js');
  const { addon } = await import('../dist/native.js');
  let sink = 0;
  const f = () => ++sink;
  const interruptor = await optional('interruptor');
  const ops = {
    bare: () => addon.bareCall(f),
    raw: () => addon.rawCall(f),
    region: () => interruptible(f),
    deadline: () => withTimeout(1_000, f),
    interruptor: () => interruptor.runInterruptible(f),
  };
  const op = ops[variant];
  for (let i = 0; i < 200_000; i++) op();
  for (let i = 0, n = Number(count); i < n; i++) op();
  process.exit(0);
}

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.log('bench/instructions.mjs: valgrind is not installed (apt-get install valgrind); skipped');
  process.exit(0);
}
header();
function total(variant, n) {
  // callgrind reports on stderr.
  const { stderr, status } = spawnSync('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, self, '--row', variant, String(n)], {
    encoding: 'utf8',
  });
  const collected = /Collected : (\d+)/.exec(stderr);
  if (status !== 0 || !collected) throw new Error(`callgrind of ${variant} failed (status ${status}):\n${stderr.slice(-2000)}`);
  return Number(collected[1]);
}
const rows = [
  ['bare N-API call (native calls f)', 'bare'],
  ['raw V8 call (native calls f, no N-API)', 'raw'],
  ['interruptible(f)', 'region'],
  ['withTimeout(1000, f), not firing', 'deadline'],
];
if ((await optional('interruptor')).runInterruptible) rows.push(['interruptor runInterruptible(f)', 'interruptor']);
const perCall = rows.map(([label, variant]) => [label, (total(variant, 60_000) - total(variant, 20_000)) / 40_000]);
const base = perCall[0][1];
const region = perCall[2][1];
table('Region entry + exit, no interrupt (instructions per call, callgrind; ratio to a bare N-API call)',
  ['call', 'instructions', 'ratio', 'ratio to interruptible(f)'],
  perCall.map(([label, n]) => [label, fmt(n), `${fmt(n / base)}×`, `${fmt(n / region)}×`]));
