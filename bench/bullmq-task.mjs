// The job of bench/bullmq.mjs, the same code for all three processors: ~2 ms of CPU, or a
// runaway that spins until its signal has aborted, which it can only see if something
// other than its own thread's event loop runs (it never does for a synchronous loop).
export default function task(input, { signal }) {
  if (input.spin) {
    while (!signal.aborted) {
      // a runaway: cancelled 100 ms in
    }
    throw signal.reason;
  }
  const end = performance.now() + input.ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}
