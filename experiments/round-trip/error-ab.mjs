// The typed error before and after commit "interrupt errors made with fewer runtime calls",
// in one process, round by round in turn (README.md):
//   node experiments/round-trip/error-ab.mjs <checkout before> <checkout after>
// Each is called as its src/region.ts calls it: before, with the frames made; after, with
// what makes them when first read. Both built (npm run build); one addon serves both.
const [before, after] = process.argv.slice(2).map((dir) => new URL(`file://${dir.replace(/\/$/, '')}/dist/`));
const load = async (base) => ({
  errorFor: (await import(new URL('delivery.js', base))).errorFor,
  framesFrom: (await import(new URL('frames.js', base))).framesFrom,
  kinds: (await import(new URL('native.js', base))).addon.kinds,
});
const A = await load(before);
const B = await load(after);
const flat = [];
for (let i = 0; i < 10; i++) flat.push(`fn${i}`, 'file:///app/job.mjs', i + 1, 2 * i + 1);
const region = { name: undefined, timeout: 0 };
const recA = { kind: A.kinds.request, token: 1, reason: undefined, frames: flat };
const recB = { kind: B.kinds.request, token: 1, reason: undefined, frames: flat };
function apiA() {
  return A.errorFor(recA, region, A.framesFrom(recA.frames), apiA);
}
function apiB() {
  return B.errorFor(recB, region, () => B.framesFrom(recB.frames), apiB);
}
function deep(n, fn) {
  return n === 0 ? fn() : deep(n - 1, fn);
}
const rounds = Number(process.argv[4] ?? 200);
const times = [[], []];
deep(10, () => {
  for (let r = 0; r < rounds; r++) {
    for (const [i, api] of [apiA, apiB].entries()) {
      const t = process.hrtime.bigint();
      try {
        throw api();
      } catch {}
      times[i].push(Number(process.hrtime.bigint() - t));
    }
  }
});
const p50 = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`Node ${process.version}, ${rounds} rounds: before p50 ${(p50(times[0]) / 1000).toFixed(1)} µs, after ${(p50(times[1]) / 1000).toFixed(1)} µs, after/before ${(p50(times[1]) / p50(times[0])).toFixed(2)}`);
