// npm run bench:watchdog [-- --long]: the stall watchdog's overhead on event-loop-heavy
// work, and whether it names the function that blocked, beside blocked-at (async_hooks)
// and perf_hooks.monitorEventLoopDelay. Each measurement runs in a fresh process (a tool
// installs process-wide hooks); modes are interleaved round by round, medians reported.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { long, median } from './lib.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const MODES = ['off', 'watchStalls', 'monitorEventLoopDelay', 'blocked-at'];
const THRESHOLD = 100;

// ---- the measured process -------------------------------------------------------------

async function arm(mode, onBlocked) {
  if (mode === 'watchStalls') {
    const { watchStalls } = await import('../dist/index.js');
    const w = watchStalls({ threshold: THRESHOLD, onStall: (r) => onBlocked(r.samples.flatMap((s) => s.frames.map((f) => f.function))) });
    return () => w.stop();
  }
  if (mode === 'monitorEventLoopDelay') {
    const { monitorEventLoopDelay } = await import('node:perf_hooks');
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    // A histogram: it can tell that the loop was late, never where.
    return () => {
      h.disable();
      if (h.max / 1e6 >= THRESHOLD) onBlocked([]);
    };
  }
  if (mode === 'blocked-at') {
    const blocked = createRequire(import.meta.url)('blocked-at');
    // The stack blocked-at reports is where the blocking callback's resource was created.
    const { stop } = blocked((_ms, stack) => onBlocked(stack.map((line) => /at (\S+) \(/.exec(line)?.[1] ?? '')), {
      threshold: THRESHOLD,
    });
    return stop;
  }
  return () => {};
}

// The function that blocks: a ReDoS in a route handler (catastrophic backtracking on "aaa…a!").
function checkEmailDomain(input) {
  return /^(\w+\s?)*$/.test(input);
}

async function child(mode, workload) {
  let named = false;
  let reported = false;
  const onBlocked = (functions) => {
    reported = true;
    named ||= functions.includes('checkEmailDomain');
  };
  const disarm = await arm(mode, onBlocked);
  const out = {};
  if (workload === 'immediate') {
    const hops = long ? 1_000_000 : 200_000;
    const t0 = performance.now();
    await new Promise((resolve) => {
      let left = hops;
      const hop = () => (--left === 0 ? resolve() : setImmediate(hop));
      setImmediate(hop);
    });
    out.ms = performance.now() - t0;
  } else if (workload === 'http') {
    const server = http.createServer((req, res) => {
            res.end('ok');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.send({ port: server.address().port });
    await new Promise((resolve) => process.once('message', resolve));
    server.close();
    server.closeAllConnections?.();
  } else if (workload === 'detect') {
    setTimeout(() => checkEmailDomain(`${'a'.repeat(25)}!`), 10);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await new Promise((resolve) => setImmediate(resolve));
  }
  disarm();
  await new Promise((resolve) => setTimeout(resolve, 20)); // a final report lands
  process.send({ ...out, reported, named });
}

// ---- the driver ----------------------------------------------------------------------

function run(mode, workload, withServer) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, workload, ...(long ? ['--long'] : [])], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    p.on('message', async (m) => {
      if (m.port !== undefined) {
        m.rps = await withServer(m.port);
        p.send('done');
        const final = await new Promise((r) => p.once('message', r));
        resolve({ ...final, rps: m.rps });
      } else {
        resolve(m);
      }
    });
    p.on('error', reject);
  });
}

// A bounded local load: `total` keep-alive GETs on 127.0.0.1, `concurrency` at a time.
async function load(port, total = long ? 20_000 : 4_000, concurrency = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        await one();
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  agent.destroy();
  return total / s;
}

async function main() {
  if (!existsSync(`${here}/node_modules/blocked-at`)) {
    console.log('installing the peers into bench/ ...');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  }
  const rounds = long ? 9 : 5;
  const immediate = new Map(MODES.map((m) => [m, []]));
  const rps = new Map(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) immediate.get(mode).push((await run(mode, 'immediate')).ms);
    for (const mode of MODES) rps.get(mode).push((await run(mode, 'http', (port) => load(port))).rps);
  }
  const hops = long ? '10^6' : '2·10^5';
  console.log(`\nwatchdog: overhead on event-loop-heavy work (threshold ${THRESHOLD} ms; median of ${rounds} interleaved runs, each in a fresh process)`);
  console.log(`| tool | ${hops} setImmediate hops (ms) | ratio | HTTP req/s (127.0.0.1, keep-alive, 16 at a time) | ratio | names the blocking function |`);
  console.log('|---|---|---|---|---|---|');
  const baseMs = median(immediate.get('off'));
  const baseRps = median(rps.get('off'));
  for (const mode of MODES) {
    const ms = median(immediate.get(mode));
    const q = median(rps.get(mode));
    const d = mode === 'off' ? { reported: false, named: false } : await run(mode, 'detect');
    const names = mode === 'off' ? '–' : d.named ? 'yes' : d.reported ? 'no (reports a block, not the function)' : 'no (nothing reported)';
    console.log(`| ${mode} | ${ms.toFixed(1)} | ${(ms / baseMs).toFixed(3)} | ${q.toFixed(0)} | ${(baseRps / q).toFixed(3)} | ${names} |`);
  }
  console.log('ratio: time (or 1/throughput) relative to "off"; above 1 is overhead.');
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await main();
