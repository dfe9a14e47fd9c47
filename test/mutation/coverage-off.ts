// For stryker.workers.config.mjs (coverage analysis off). Stryker's vitest runner reports
// the mutant coverage it finds after the dry run whatever coverageAnalysis says, and
// Stryker then runs each mutant only against the tests that covered it in the test's
// thread: code that runs only in other threads and processes would be "no coverage" again.
// Recording nowhere visible leaves Stryker without coverage, so every mutant runs every
// test file of its group.
const g = globalThis as { __stryker__?: Record<string, unknown> };
const ns = (g.__stryker__ ??= {});
Object.defineProperty(ns, 'mutantCoverage', { configurable: true, get: () => undefined, set: () => {} });
