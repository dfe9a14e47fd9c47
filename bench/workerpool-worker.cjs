// The same task for workerpool, which needs its own worker script.
const workerpool = require('workerpool');
workerpool.worker({
  task(input) {
    if (input.spin) for (;;);
    const end = performance.now() + input.ms;
    let x = 0;
    while (performance.now() < end) x++;
    return x;
  },
});
