// Stryker (stryker.config.mjs) switches a mutant on in the test's thread only, through
// globalThis.__stryker__.activeMutant. The library also runs in the threads and processes
// the tests start (pool workers, the Agent fixture), which read
// process.env.__STRYKER_ACTIVE_MUTANT__ when their copy of dist/ loads: keep the two in step.
const key = '__STRYKER_ACTIVE_MUTANT__';
const g = globalThis as { __stryker__?: { activeMutant?: string | number } };
const ns = (g.__stryker__ ??= {});
let active = ns.activeMutant;
const publish = (id: string | number | undefined): void => {
  if (id === undefined) delete process.env[key];
  else process.env[key] = String(id);
};
publish(active);
Object.defineProperty(ns, 'activeMutant', {
  configurable: true,
  enumerable: true,
  get: () => active,
  set: (id: string | number | undefined) => {
    active = id;
    publish(id);
  },
});
