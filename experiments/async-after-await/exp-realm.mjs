// Experiment 3: what ordinary task code meets inside a per-task vm context, and which of its
// async continuations land in the context's queue (interruptible) or run outside it.
// node exp-realm.mjs
import { Worker } from 'node:worker_threads';
import vm from 'node:vm';
import fsp from 'node:fs/promises';
import { startWorker, interruptSpinning } from './harness.mjs';
import { probe, makeContext, compileIn } from './lib.mjs';

const out = { node: process.version };
// The probe's uv handles are unref'ed and a context's queue keeps no loop alive: hold it open.
const keepAlive = setInterval(() => {}, 1000);

// A. Realm facts, in this thread.
const bare = makeContext(false);
out.missingInBareContext = ['process', 'Buffer', 'setTimeout', 'setImmediate', 'queueMicrotask', 'console', 'fetch',
  'URL', 'TextEncoder', 'AbortController', 'structuredClone', 'require', 'performance']
  .filter((n) => vm.runInContext(`typeof ${n}`, bare) === 'undefined');
const ctx = makeContext(true);
const probeFacts = compileIn(ctx, `async function (m) {
  const r = {};
  r.bufferInstanceofUint8Array = m.buf instanceof Uint8Array;
  r.bufferIsBuffer = Buffer.isBuffer(m.buf);
  r.mainArrayInstanceofArray = m.arr instanceof Array;
  r.mainArrayIsArray = Array.isArray(m.arr);
  r.fsPromiseInstanceofPromise = m.fsp.stat(m.file) instanceof Promise;
  try { await m.fsp.readFile('/nonexistent-file'); } catch (e) { r.fsErrorInstanceofError = e instanceof Error; r.fsErrorCode = e.code; }
  r.contextTypedArrayToBuffer = Buffer.from(new Uint8Array([1, 2, 3])).length === 3;
  r.structuredCloneInstanceofObject = structuredClone({ a: 1 }) instanceof Object;
  r.dateFromMainInstanceofDate = m.date instanceof Date;
  try { await import('node:fs'); r.importWithoutLoader = 'ok'; } catch (e) { r.importWithoutLoader = e.code ?? String(e); }
  r.contextError = new Error('x');
  return r;
}`);
// Nobody but the probe drains a context's own queue: without it this await never settles.
probe.attach(probeFacts, null, true, true);
const facts = await probeFacts({ buf: Buffer.from('a'), arr: [1], fsp, file: new URL(import.meta.url).pathname, date: new Date() });
out.mainSeesContextErrorInstanceofError = facts.contextError instanceof Error;
delete facts.contextError;
Object.assign(out, facts);
if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER) {
  const s = new vm.Script('import("node:fs").then((m) => typeof m.readFileSync)', { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  const c2 = makeContext(true);
  probe.attach(compileIn(c2, 'function () {}'), null, true, true);
  out.importWithMainLoader = await s.runInContext(c2);
} else out.importWithMainLoader = 'vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER missing';
out.sourceTextModuleWithoutFlag = typeof vm.SourceTextModule;

// B. Which continuations a design-(c) thread can interrupt: fresh worker per case.
// The loopback server lives in its own thread: the parent blocks in Atomics.wait.
const server = new Worker(`const http = require('node:http'); const { parentPort } = require('node:worker_threads');
  const s = http.createServer((q, r) => r.end('hello')).listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));`, { eval: true });
const url = `http://127.0.0.1:${await new Promise((r) => server.once('message', r))}/`;
const SPIN = 'env.spinning(); for (;;);';
const cases = {
  'await null': `await null; ${SPIN}`,
  'await fetch() + res.text()': `const res = await fetch(arg); await res.text(); ${SPIN}`,
  'for await over a Readable': `for await (const c of env.Readable.from([1, 2, 3])); ${SPIN}`,
  'await events.once()': `const em = new env.EventEmitter(); setImmediate(() => em.emit('x')); await env.once(em, 'x'); ${SPIN}`,
  "stream 'data' listener": `env.Readable.from([1]).on('data', () => { ${SPIN} }); await new Promise(() => {});`,
  'EventEmitter listener': `const em = new env.EventEmitter(); em.on('x', () => { ${SPIN} }); setImmediate(() => em.emit('x')); await new Promise(() => {});`,
  'setTimeout callback (main timers)': `setTimeout(() => { ${SPIN} }, 1); await new Promise(() => {});`,
  'setTimeout callback wrapped in the boundary': `setTimeout(() => env.run(() => { ${SPIN} }), 1); await new Promise(() => {});`,
  'queueMicrotask (main realm)': `queueMicrotask(() => { ${SPIN} }); await new Promise(() => {});`,
  'main-realm .then handler calling task code': `env.mainThen(Promise.resolve(), () => { ${SPIN} }); await new Promise(() => {});`,
  'dependency (main realm) loops after its await': `await env.dep.loopAfterAwait(env.spinning);`,
};
out.interruptible = {};
for (const [name, body] of Object.entries(cases)) {
  // uv_idle keeps the drains going (exp-stall.mjs): a stall would hide where a continuation runs.
  const h = await startWorker({ idle: true });
  h.post(`async (env, arg) => { ${body} }`, url);
  const r = await interruptSpinning(h, 300);
  out.interruptible[name] = r.outcome === 'interrupted' ? 'yes' : r.outcome === 'not' ? `no (terminated, exit in ${r.terminated?.ms ?? r.terminated} ms)` : r.outcome;
  if (r.outcome !== 'not') await h.w.terminate();
}
await server.terminate();
clearInterval(keepAlive);
console.log(JSON.stringify(out));
