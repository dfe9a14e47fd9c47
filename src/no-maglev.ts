// Opt-in: INTERRUPTIBLE_NO_MAGLEV=1 turns off V8's Maglev tier for the whole process, when
// the command line (`node --no-maglev`) cannot be changed. On Node 24 and 26 a Maglev loop
// checks for interrupts only when its tier-up budget runs out, so a request that arrives
// while the loop's function is being moved up to TurboFan can wait about a second
// (README, "Latency on Node 24 and 26"; docs/research/latency-tail.md). Opt-in because
// the flag is process-wide and V8 calls changing flags after start-up undefined behaviour
// (measured to work when set before the hot code first runs). Imported first by the
// library's entry points; set on the main thread only: workers share it.
import { setFlagsFromString } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

if (process.env['INTERRUPTIBLE_NO_MAGLEV'] === '1' && isMainThread) setFlagsFromString('--no-maglev');
