// What the boundary repairs after an interrupt (DESIGN step 5), learnt only when it is
// needed: region entry reads two counters; the work happens on the interrupted path.
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

interface StoreRecord {
  resource: Record<symbol, unknown>;
  key: symbol;
  old: unknown;
}

/** Read and written by region.ts on entry and exit. */
export const repairState = {
  /** Regions active on this thread. */
  depth: 0,
  /** Stores replaced inside regions and not yet put back (Node 20/22). */
  stores: [] as StoreRecord[],
  /** Module#load calls so far on this thread. */
  moduleLoads: 0,
};

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
    repairState.stores.push({ resource, key, old: resource[key] });
  };
  proto.run = function (this: AlsInternals, store, callback, ...args) {
    if (repairState.depth === 0) return run.call(this, store, callback, ...args);
    const mark = repairState.stores.length;
    record(this);
    try {
      return run.call(this, store, callback, ...args);
    } finally {
      repairState.stores.length = mark; // run's own finally ran: nothing to undo
    }
  };
  proto.enterWith = function (this: AlsInternals, store) {
    if (repairState.depth !== 0) record(this);
    enterWith.call(this, store);
  };
}

const loadOrder = new WeakMap<object, number>();

function patchModuleLoad(): void {
  const proto = (Module as unknown as { prototype: { load(this: object, filename: string): unknown } }).prototype;
  const load = proto.load;
  proto.load = function (this: object, filename: string) {
    loadOrder.set(this, ++repairState.moduleLoads);
    return load.call(this, filename);
  };
}

patchAsyncLocalStorage();
patchModuleLoad();

/** Undoes what an interrupted region left behind, back to its entry marks. */
export function repairAfterInterrupt(storeMark: number, moduleMark: number): void {
  const stores = repairState.stores;
  for (let i = stores.length - 1; i >= storeMark; i--) {
    const r = stores[i]!;
    r.resource[r.key] = r.old;
  }
  if (stores.length > storeMark) stores.length = storeMark;
  if (repairState.moduleLoads > moduleMark) {
    const cache = (Module as unknown as { _cache: Record<string, { loaded: boolean } | undefined> })._cache;
    for (const [key, mod] of Object.entries(cache)) {
      if (mod && !mod.loaded && (loadOrder.get(mod) ?? 0) > moduleMark) delete cache[key];
    }
  }
}
