// What the boundary repairs after an interrupt (docs/BOUNDARY.md, step 5), learnt only
// when it is needed: region entry reads two counters; the work happens on the
// interrupted path. Installed by the first region of the thread (installRepairs), not on
// import: a program that never enters a region keeps Node's functions untouched.
//
// - AsyncLocalStorage on Node 20/22 (the async_hooks implementation): a terminated
//   `als.run()` skips the `finally` that puts the previous store back on the execution
//   resource, and `enterWith()` inside the region would outlive it. While a region is
//   active, run/enterWith log what they replace; an interrupted region undoes its log.
//   (With AsyncContextFrame, Node 24+, the boundary restores the frame natively instead.)
// - CommonJS modules: a module interrupted mid-evaluation stays in require.cache with
//   `loaded: false`, and the next require() would return its partial exports. Every
//   Module#load gets a sequence number; an interrupted region removes the unfinished
//   modules that began loading after it was entered, so the next require() evaluates
//   them afresh.
import { AsyncLocalStorage, executionAsyncResource } from 'node:async_hooks';
import Module from 'node:module';
import { regions } from './region-stack.js';

interface StoreRecord {
  resource: Record<symbol, unknown>;
  key: symbol;
  old: unknown;
}

/** Stores replaced inside regions and not yet put back (Node 20/22); owned here. */
const stores: StoreRecord[] = [];
/** Module#load calls so far on this thread; owned here. */
let moduleLoads = 0;
let installed = false;

type AlsInternals = AsyncLocalStorage<unknown> & { kResourceStore?: symbol };
type Run = (this: AlsInternals, store: unknown, callback: (...args: unknown[]) => unknown, ...args: unknown[]) => unknown;
type EnterWith = (this: AlsInternals, store: unknown) => void;

function patchAsyncLocalStorage(): void {
  const probe = new AsyncLocalStorage() as AlsInternals;
  if (typeof probe.kResourceStore !== 'symbol') return; // AsyncContextFrame: nothing to do
  const proto = AsyncLocalStorage.prototype as unknown as { run: Run; enterWith: EnterWith };
  const run = proto.run;
  const enterWith = proto.enterWith;
  const record = (als: AlsInternals) => {
    const resource = executionAsyncResource() as Record<symbol, unknown>;
    const key = als.kResourceStore!;
    stores.push({ resource, key, old: resource[key] });
  };
  proto.run = function (this: AlsInternals, store, callback, ...args) {
    if (regions.depth === 0) return run.call(this, store, callback, ...args);
    const mark = stores.length;
    record(this);
    try {
      return run.call(this, store, callback, ...args);
    }
    // Stryker disable next-line BlockStatement: equivalent, a completed run's records would restore the values its own finally restored (the earliest record per store wins the undo)
    finally {
      stores.length = mark; // run's own finally ran: nothing to undo
    }
  };
  proto.enterWith = function (this: AlsInternals, store) {
    if (regions.depth !== 0) record(this);
    enterWith.call(this, store);
  };
}

const loadOrder = new WeakMap<object, number>();

function patchModuleLoad(): void {
  const proto = (Module as unknown as { prototype: { load(this: object, filename: string): unknown } }).prototype;
  const load = proto.load;
  proto.load = function (this: object, filename: string) {
    loadOrder.set(this, ++moduleLoads);
    return load.call(this, filename);
  };
}

/** Patches what the repairs need; once per thread, before its first region. */
export function installRepairs(): void {
  if (installed) return;
  installed = true;
  patchAsyncLocalStorage();
  patchModuleLoad();
}

/**
 * Where the logs stand now: a region's entry marks. An outermost region starts a fresh
 * store log: what enterWith() replaced in regions that ended normally stays replaced, as
 * Node does, and needs no undoing. (Cleared here rather than at the outermost exit, which
 * would cost every region a hook call; until then the log holds those few old values.)
 */
export function storeMark(): number {
  if (regions.depth === 0 && stores.length !== 0) stores.length = 0;
  return stores.length;
}
export function moduleMark(): number {
  return moduleLoads;
}

/** Undoes what an interrupted region left behind, back to its entry marks. */
export function repairAfterInterrupt(storeAt: number, moduleAt: number): void {
  for (let i = stores.length - 1; i >= storeAt; i--) {
    const r = stores[i]!;
    r.resource[r.key] = r.old;
  }
  // The log never holds fewer than storeAt records here, and records left behind would only
  // put back, in an outer region's undo, values that its own earlier records restore anyway.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (see above)
  if (stores.length > storeAt) stores.length = storeAt;
  if (moduleLoads > moduleAt) {
    const cache = (Module as unknown as { _cache: Record<string, { loaded: boolean } | undefined> })._cache;
    for (const [key, mod] of Object.entries(cache)) {
      if (mod && !mod.loaded && (loadOrder.get(mod) ?? 0) > moduleAt) delete cache[key];
    }
  }
}
