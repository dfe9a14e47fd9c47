// A vm timeout (TerminateExecution from Node's watchdog thread) that lands while V8 is
// tiering a looping function up from Maglev to TurboFan is serviced only after the loop
// has used up an interrupt budget of INT_MAX / 2: up to seconds late. No addon, no
// dependencies.
//
//   node repro.mjs                         # 10 functions x 100 rounds, timeout 2 ms
//   node repro.mjs --functions 20 --rounds 50 --timeout 1
//   node --no-maglev repro.mjs             # the same without Maglev: no stall
//
// Each function is fresh (its own context), so it goes through the tiers once; every
// round calls it again with a timeout, so it reaches Maglev by invocation count and
// then TurboFan is requested while the loop runs in Maglev code.
import vm from 'node:vm';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const functions = arg('functions', 10);
const rounds = arg('rounds', 100);
const timeout = arg('timeout', 2);
// --local: \`call\` is a closure variable instead of a global of the context, so an
// iteration costs ~10 ns instead of ~200 ns (a vm context's global goes through an
// interceptor); the stall is the same number of iterations, so it is that much shorter.
const local = process.argv.includes('--local');
// The calling thread's CPU time where Node has it (22.9+/23.9+): a stalled round burns
// CPU, a round that is merely late on a loaded machine does not.
const cpuMs = () => {
  const u = process.threadCpuUsage ? process.threadCpuUsage() : process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const source = local
  ? `var spin = (() => {
       function call(x) { return (x * 31 + 7) % 1000003; }
       return function spin() { let x = 0; for (;;) x = call(x); };
     })();`
  : `function call(x) { return (x * 31 + 7) % 1000003; }
     function spin() { let x = 0; for (;;) x = call(x); }`;

console.log(`Node ${process.version} (V8 ${process.versions.v8}) ${process.execArgv.join(' ')}${local ? ' --local' : ''}`);
// A stall burns the looping thread's CPU for seconds; on a busy machine a round can burn
// a few tens of ms more than its timeout while the watchdog thread waits for a core.
const STALL_CPU_MS = 100;
const late = [];
const stalls = [];
const cpus = [];
for (let f = 0; f < functions; f++) {
  const context = vm.createContext({});
  vm.runInContext(source, context);
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuMs();
    const t0 = process.hrtime.bigint();
    try {
      vm.runInContext('spin()', context, { timeout });
    } catch {
      // ERR_SCRIPT_EXECUTION_TIMEOUT: the loop never ends otherwise.
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6 - timeout;
    const cpu = cpuMs() - c0;
    late.push(ms);
    cpus.push(cpu);
    if (cpu > STALL_CPU_MS) {
      stalls.push(ms);
      console.log(`function ${f} round ${r}: ${ms.toFixed(1)} ms late (${cpu.toFixed(1)} ms CPU of this thread)`);
    }
  }
}
late.sort((a, b) => a - b);
const pct = (p) => late[Math.min(late.length - 1, Math.floor(p * late.length))].toFixed(2);
console.log(`${late.length} timeouts of ${timeout} ms, ms late: p50 ${pct(0.5)}, p99 ${pct(0.99)}, ` +
  `max ${late.at(-1).toFixed(1)}; ${late.filter((ms) => ms > 10).length} later than 10 ms`);
console.log(`stalls (rounds that burned more than ${STALL_CPU_MS} ms of CPU): ${stalls.length}; ` +
  `most CPU in one round: ${Math.max(...cpus).toFixed(1)} ms`);
