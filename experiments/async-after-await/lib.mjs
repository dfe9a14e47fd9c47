// Shared by the experiments: load the probe built for the running line, build task contexts.
import { createRequire } from 'node:module';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
export const major = process.versions.node.split('.')[0];
export const probe = require(new URL(`./build-${major}/build/Release/probe.node`, import.meta.url).pathname);

// A context with its own microtask queue. Only JS builtins exist in a fresh context; the
// Node globals a task expects are copied in from the main realm (their objects stay main-realm).
export function makeContext(copyGlobals = true) {
  const sandbox = {};
  if (copyGlobals) {
    for (const name of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate',
      'clearImmediate', 'console', 'process', 'Buffer', 'URL', 'URLSearchParams', 'TextEncoder',
      'TextDecoder', 'AbortController', 'AbortSignal', 'fetch', 'structuredClone', 'queueMicrotask',
      'performance', 'Blob', 'Response', 'Request', 'Headers']) sandbox[name] = globalThis[name];
  }
  return vm.createContext(sandbox, { microtaskMode: 'afterEvaluate' });
}

export function compileIn(ctx, src) {
  // A Script run evaluates src (a function expression); the function is called later, so
  // runInContext's own afterEvaluate checkpoint only sees an empty queue.
  return new vm.Script(`(${src})`).runInContext(ctx);
}

// Busy-wait helper for the parent (bounded, no sleeping thread).
export function pause(ms) {
  const t = performance.now() + ms;
  while (performance.now() < t);
}
