// The task of bench/pool.mjs, for our pool and piscina: ~2 ms of CPU, or spin forever.
export default function task(input) {
  if (input.spin) {
    for (;;) {
      // a runaway task, to be cancelled mid-run
    }
  }
  const end = performance.now() + input.ms;
  let x = 0;
  while (performance.now() < end) x++;
  return x;
}
