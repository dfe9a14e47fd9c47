// npm run demo: the library doing its main job.
//  1. A catastrophic regex on the main thread, stopped by a deadline.
//  2. A worker stuck in a loop, interrupted from the main thread with a typed error;
//     the same worker then runs the next job.
//  3. A pool running a mix of normal, runaway and catastrophic-regex tasks with a
//     timeout: the runaways are interrupted and their workers reused.
//  4. The stall watchdog: a route handler with a catastrophic regex blocks the event loop
//     and the watchdog names it, with file and line, from its native thread.
import { once } from 'node:events';
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { Pool, TimeoutError, interrupt, watchStalls, withTimeout } from '../dist/index.js';

console.log('1. withTimeout(50, () => /(a+)+$/.test("aaaa…a!")) on the main thread');
const t0 = performance.now();
try {
  withTimeout(50, () => /(a+)+$/.test(`${'a'.repeat(40)}!`));
} catch (error) {
  if (!(error instanceof TimeoutError)) throw error;
  const ms = (performance.now() - t0).toFixed(1);
  const [top] = error.interruptedAt;
  console.log(`   ${error.name} (${error.code}) after ${ms} ms, stopped at ${top ? `${top.script.split('/').pop()}:${top.line}` : '?'}`);
}
console.log('   the main thread goes on:', withTimeout(50, () => 'next region ran'));

console.log('\n2. a worker stuck in an infinite loop');
const worker = new Worker(new URL('./stuck-worker.mjs', import.meta.url));
const events = [];
worker.on('message', (m) => events.push(m));
const next = async (type) => {
  for (;;) {
    const i = events.findIndex((e) => e.type === type);
    if (i >= 0) return events.splice(i, 1)[0];
    await once(worker, 'message');
  }
};

worker.postMessage({ id: 1, kind: 'runaway' });
const started = await next('started');
console.log('   job 1 started; letting it spin for 100 ms');
await new Promise((resolve) => setTimeout(resolve, 100));
const sent = performance.now();
console.log('   interrupt(handle, "took too long") ->', interrupt(started.handle, 'took too long'));
const cleaned = await next('cleanup');
const stopped = await next('interrupted');
console.log(`   job ${stopped.job}: InterruptError caught outside the region after ${(performance.now() - sent).toFixed(2)} ms`);
console.log(`   reason: ${JSON.stringify(stopped.reason)}, interrupted at ${stopped.where}, deferred cleanup ran: ${cleaned.job === 1}`);

worker.postMessage({ id: 2, kind: 'normal', n: 21 });
const done = await next('done');
console.log(`   job 2 on the same worker (thread ${started.handle.thread}) returned ${done.result}`);
await worker.terminate();

console.log('\n3. a pool of 2 threads, 10 tasks, timeout 50 ms each');
const pool = new Pool({ filename: new URL('./demo-tasks.mjs', import.meta.url), size: 2, timeout: 50, grace: 10 });
await pool.ready();
const kinds = ['normal', 'runaway', 'normal', 'regex', 'normal', 'runaway', 'normal', 'regex', 'normal', 'normal'];
const threads = new Set();
const outcomes = await Promise.allSettled(
  kinds.map((kind, i) => pool.run({ kind, n: kind === 'regex' ? 40 : 20 + i }).then((r) => (threads.add(r.thread), r))),
);
outcomes.forEach((o, i) => {
  if (o.status === 'fulfilled') {
    console.log(`   task ${i + 1} ${kinds[i].padEnd(7)} -> ${o.value.value} (thread ${o.value.thread})`);
  } else {
    const e = o.reason;
    const top = e.interruptedAt?.[0];
    const where = top ? `${top.script.split('/').pop()}:${top.line}` : 'n/a';
    console.log(`   task ${i + 1} ${kinds[i].padEnd(7)} -> ${e.name}, ended by: ${e.rung}, interrupted at ${where}`);
  }
});
const stats = pool.stats();
console.log(`   cancelled by interrupt: ${stats.cancelled.interrupt}, respawned workers: ${stats.respawns};`,
  `all normal tasks ran on the same ${threads.size} threads`);
await pool.close();

console.log('\n4. watchStalls({ threshold: 100 }) and a route handler with a catastrophic regex');
// The ReDoS: nested quantifiers backtrack exponentially on a name that almost matches.
function isValidUsername(name) {
  return /^(\w+\s?)*$/.test(name);
}
const server = http.createServer((req, res) => {
  const name = new URL(req.url, 'http://x').searchParams.get('name') ?? '';
  res.end(isValidUsername(name) ? 'ok' : 'invalid');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const stall = new Promise((resolve) => {
  const watch = watchStalls({ threshold: 100, onStall: (report) => (watch.stop(), resolve(report)) });
});
const url = `http://127.0.0.1:${server.address().port}/signup?name=${'a'.repeat(22)}!`;
await new Promise((resolve) => http.get(url, (res) => res.resume().on('end', resolve)));
const report = await stall;
const [top, caller] = report.samples.find((s) => s.frames.length > 0)?.frames ?? [];
const at = (f) => (f ? `${f.function || '<anonymous>'} (${f.script.split('/').pop()}:${f.line})` : '?');
console.log(`   the event loop was blocked for ${report.blockedMs.toFixed(0)} ms; ${report.samples.length} samples, the first:`);
console.log(`   at ${at(top)}\n   at ${at(caller)}`);
server.close();
