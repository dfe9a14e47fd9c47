// npm run bench [-- --long] [-- --node 24,26]: installs the peers into bench/ if needed,
// then runs every benchmark in its own process (so that one's threads and JIT state do not
// skew another), on this Node or on the lines given.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
if (!existsSync(`${here}/node_modules/piscina`)) {
  console.log('installing the peers into bench/ ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
}
const args = process.argv.slice(2);
// --node 24 or --node 20,22,24,26: run on those lines instead of this Node, each with its
// own build of the addon and peers (scripts/bench-matrix.sh does the work).
const nodeAt = args.indexOf('--node');
if (nodeAt >= 0) {
  const lines = (args[nodeAt + 1] ?? '').split(',').filter(Boolean);
  if (lines.length === 0 || lines.some((l) => !/^\d+$/.test(l))) {
    console.error('--node takes Node major versions, e.g. --node 24 or --node 20,22,24,26');
    process.exit(2);
  }
  args.splice(nodeAt, 2);
  const r = spawnSync('bash', [`${here}/../scripts/bench-matrix.sh`, ...lines, '--', ...args], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const major = Number(process.versions.node.split('.')[0]);
let failed = false;
for (const bench of ['region', 'deadline', 'latency', 'pool', 'inside']) {
  // isolated-vm (region and deadline tables, Node 24+) needs V8's heap snapshot off.
  const flags = major >= 24 && (bench === 'region' || bench === 'deadline') ? ['--no-node-snapshot'] : [];
  const r = spawnSync(process.execPath, [...flags, `${here}/${bench}.mjs`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
