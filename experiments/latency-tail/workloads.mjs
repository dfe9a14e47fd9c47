// What a V8 flag costs ordinary code: a few CPU-heavy workloads, each timed from a cold
// start (tier-up included, which is where Maglev earns its keep) in this fresh process.
// Prints one JSON line { workload: ms } of process CPU time (all threads: the compiler
// threads' work counts, and preemption on a loaded machine does not). Run by flags.mjs
// under each candidate flag set.
const workloads = {
  'JSON round trip': () => {
    const doc = { id: 1, name: 'interruptible', tags: ['a', 'b', 'c'], nested: { x: 1.5, y: [1, 2, 3], z: 'text' } };
    let n = 0;
    for (let i = 0; i < 60_000; i++) {
      doc.id = i;
      n += JSON.parse(JSON.stringify(doc)).id & 1;
    }
    return n;
  },
  'regex-heavy': () => {
    const re = /(\w+)@([\w.]+)\.(com|org|net)/g;
    const text = 'mail alice@example.com, bob@test.org and carol@foo.bar.net today; '.repeat(4);
    let n = 0;
    for (let i = 0; i < 25_000; i++) {
      for (const m of text.matchAll(re)) n += m[1].length;
      n += text.replace(/\s+/g, ' ').length;
    }
    return n;
  },
  'numeric loop': () => {
    let s = 0;
    for (let k = 0; k < 40; k++) {
      for (let i = 1; i < 1_000_000; i++) s += Math.sqrt(i) * ((i ^ k) & 7) / i;
    }
    return s;
  },
  'object allocation': () => {
    class Point {
      constructor(x, y) { this.x = x; this.y = y; }
      add(o) { return new Point(this.x + o.x, this.y + o.y); }
    }
    let p = new Point(0, 0);
    const list = [];
    for (let i = 0; i < 3_000_000; i++) {
      p = p.add(new Point(i & 3, 1));
      if ((i & 1023) === 0) list.push({ p, i, s: `k${i}` });
    }
    return p.x + list.length;
  },
  'many small functions': () => {
    // Fresh closures per outer round: code that keeps tiering up, as servers do.
    let n = 0;
    for (let r = 0; r < 120; r++) {
      const f = new Function('a', `let s = ${r}; for (let i = 0; i < a.length; i++) s = (s * 31 + a[i]) | 0; return s;`);
      const a = Array.from({ length: 64 }, (_, i) => i + r);
      for (let i = 0; i < 2_000; i++) n ^= f(a);
    }
    return n;
  },
};

const only = process.argv[2];
const result = {};
for (const [name, run] of Object.entries(workloads)) {
  if (only && name !== only) continue;
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  result[name] = (c.user + c.system) / 1000;
}
console.log(JSON.stringify(result));
