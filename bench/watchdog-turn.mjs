// The watchdog's cost per event-loop turn, counted in instructions rather than timed (this
// machine is too noisy to resolve 1% by the clock). Under callgrind, which counts every
// instruction of every thread (the watchdog thread's included):
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node bench/watchdog-turn.mjs off 100000
//   … off 300000, on 100000, on 300000
// and per hop = (I refs at 300000 - I refs at 100000) / 200000, for off and for on.
// Each hop is one turn of the loop that does nothing else: the worst case for a heartbeat.
const [mode = 'off', count = '1000000'] = process.argv.slice(2);
const { watchStalls } = await import('../dist/index.js'); // loaded in both modes
const watch = mode === 'on' ? watchStalls({ threshold: 100, onStall() {} }) : undefined;
await new Promise((resolve) => {
  let left = Number(count);
  const hop = () => (--left === 0 ? resolve() : setImmediate(hop));
  setImmediate(hop);
});
watch?.stop();
