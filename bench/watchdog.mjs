// npm run bench:watchdog [-- --long]: the stall watchdog's overhead on event-loop-heavy
// work, and whether it names the function that blocked, beside blocked-at (async_hooks)
// and perf_hooks.monitorEventLoopDelay. Each tool is measured in a fresh process (they
// install process-wide hooks), armed and disarmed in alternating batches.
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

// Runs `batches` pairs of the workload, one batch with the tool disarmed and one armed, in
// alternating order: machine noise hits both alike, and each pair gives one ratio. A batch
// is measured in wall time and in this process's CPU time (all its threads, the watchdog's
// included), which a loaded machine disturbs far less.
async function pairs(mode, batches, runBatch) {
  const measured = async () => {
    const c0 = process.cpuUsage();
    const wall = await runBatch();
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1000 };
  };
  const off = [];
  const on = [];
  let named = false;
  let reported = false;
  const onBlocked = (functions) => {
    reported = true;
    named ||= functions.includes('checkEmailDomain');
  };
  await runBatch(); // warm up
  const armedRun = async () => {
    const disarm = await arm(mode, onBlocked);
    const t = await measured();
    disarm();
    return t;
  };
  for (let i = 0; i < batches; i++) {
    if (i % 2 === 0) {
      off.push(await measured());
      on.push(await armedRun());
    } else {
      on.push(await armedRun());
      off.push(await measured());
    }
  }
  const ratio = (k) => median(on.map((x, i) => x[k] / off[i][k]));
  return {
    off: median(off.map((x) => x.wall)),
    on: median(on.map((x) => x.wall)),
    wall: ratio('wall'),
    cpu: ratio('cpu'),
    reported,
    named,
  };
}

function hops(n) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let left = n;
    const hop = () => (--left === 0 ? resolve(performance.now() - t0) : setImmediate(hop));
    setImmediate(hop);
  });
}

async function child(mode, workload) {
  const batches = long ? 20 : 10;
  if (workload === 'immediate') {
    const n = long ? 1_000_000 : 100_000;
    process.send(await pairs(mode, batches, () => hops(n)));
  } else if (workload === 'http') {
    const server = http.createServer((req, res) => res.end('ok'));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    // The load runs in the parent: one batch = one round trip of messages.
    const batch = () =>
      new Promise((resolve) => {
        process.once('message', (m) => resolve(m.ms));
        process.send({ port: server.address().port });
      });
    const result = await pairs(mode, batches, batch);
    server.close();
    server.closeAllConnections?.();
    process.send(result);
  } else if (workload === 'detect') {
    let named = false;
    let reported = false;
    const disarm = await arm(mode, (functions) => {
      reported = true;
      named ||= functions.includes('checkEmailDomain');
    });
    setTimeout(() => checkEmailDomain(`${'a'.repeat(25)}!`), 10);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await new Promise((resolve) => setImmediate(resolve));
    disarm();
    await new Promise((resolve) => setTimeout(resolve, 20)); // a final report lands
    process.send({ reported, named });
  }
}

// ---- the driver ----------------------------------------------------------------------

function run(mode, workload) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', mode, workload, ...(long ? ['--long'] : [])], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    p.on('message', async (m) => {
      if (m.port === undefined) return resolve(m);
      const t0 = performance.now();
      await load(m.port);
      p.send({ ms: performance.now() - t0 });
    });
    p.on('error', reject);
  });
}

// A bounded local load: `total` keep-alive GETs on 127.0.0.1, `concurrency` at a time.
async function load(port, total = long ? 5_000 : 1_000, concurrency = 16) {
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
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        await one();
      }
    }),
  );
  agent.destroy();
}

async function main() {
  if (!existsSync(`${here}/node_modules/blocked-at`)) {
    console.log('installing the peers into bench/ ...');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
  }
  // --only=watchStalls,… runs some of them (blocked-at is slow at --long sizes).
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const tools = MODES.filter((m) => m !== 'off' && (!only || only.includes(m)));
  const n = long ? '10^6' : '10^5';
  const requests = long ? 5000 : 1000;
  console.log(`\nwatchdog: overhead on event-loop-heavy work (threshold ${THRESHOLD} ms). Each tool in its own process,`);
  console.log(`${long ? 20 : 10} batches with it off and ${long ? 20 : 10} with it on, alternating; ratios = medians of the paired on/off ratios,`);
  console.log('of wall time and of the measured process\'s CPU time (the server\'s, for HTTP).');
  console.log(`| tool | ${n} setImmediate hops: off / on (ms) | CPU ratio | wall ratio | ${requests} HTTP GETs (127.0.0.1, keep-alive, 16 at a time): off / on (ms) | CPU ratio | wall ratio | names the blocking function |`);
  console.log('|---|---|---|---|---|---|---|---|');
  for (const mode of tools) {
    const a = await run(mode, 'immediate');
    const b = await run(mode, 'http');
    const d = await run(mode, 'detect');
    const names = d.named ? 'yes' : d.reported ? 'no (reports a block, not the function)' : 'no (nothing reported)';
    console.log(
      `| ${mode} | ${a.off.toFixed(1)} / ${a.on.toFixed(1)} | ${a.cpu.toFixed(3)} | ${a.wall.toFixed(3)} | ${b.off.toFixed(1)} / ${b.on.toFixed(1)} | ${b.cpu.toFixed(3)} | ${b.wall.toFixed(3)} | ${names} |`,
    );
  }
  console.log('ratio above 1 is overhead.');
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await main();
