// npm run bench [-- --long]: installs the peers into bench/ if needed, then runs every
// benchmark in its own process (so that one's threads and JIT state do not skew another).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
if (!existsSync(`${here}/node_modules/piscina`)) {
  console.log('installing the peers into bench/ ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
}
const args = process.argv.slice(2);
let failed = false;
for (const bench of ['region', 'deadline', 'latency', 'pool', 'inside']) {
  const r = spawnSync(process.execPath, [`${here}/${bench}.mjs`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
