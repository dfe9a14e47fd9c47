#!/usr/bin/env node
// Mutation testing for native/ (npm run test:mutation:native; docs/TESTING.md).
//
// Applies each deliberate one-line mutation listed in scripts/native-mutations.txt, rebuilds
// the addon (node-gyp build: incremental, one object file and the link), runs the test files
// the entry names, puts the line back, and reports which mutations were killed (a test
// failed) and which survived. Everything happens in a scratch copy of the checkout, so an
// interrupted run never leaves a mutated source or addon behind; inside it each file is
// restored after its mutation whatever happened (finally).
//
//   node scripts/mutate-native.mjs [--only N[,M...]] [--keep] [--no-baseline]
//
// Exit status: 0 when every mutation was killed, 1 when one survived or the list is wrong.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',').map(Number)) : undefined;
const keep = args.includes('--keep');
const baseline = !args.includes('--no-baseline');
// A mutation can make a test hang (a deadline never armed, a request never delivered):
// each test gets 15 s and the first failure ends the run; a run still going after
// MUTATE_NATIVE_TIMEOUT_MS is killed, and counts as caught (it did not pass).
const perRunMs = Number(process.env.MUTATE_NATIVE_TIMEOUT_MS ?? 180_000);

/** @returns {{ n: number, file: string, from: string, to: string, tests: string[], breaks: string }[]} */
function readList() {
  const text = readFileSync(join(root, 'scripts/native-mutations.txt'), 'utf8');
  const list = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(' ||| ').map((f) => f.trim());
    if (fields.length !== 5) throw new Error(`native-mutations.txt: expected 5 fields, got ${fields.length}: ${line}`);
    const [file, from, to, tests, breaks] = fields;
    list.push({ n: list.length + 1, file, from, to, tests: tests.split(/\s+/), breaks });
  }
  return list;
}

/** A copy of the checkout (sources, tests, dist/, build/ with its timestamps), node_modules linked. */
function scratchCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'mutate-native-'));
  const skip = new Set(['node_modules', '.git', '.stryker-tmp', 'reports', '.matrix', 'prebuilds', 'bench']);
  for (const entry of readdirSync(root)) {
    if (skip.has(entry) || entry.startsWith('build-')) continue;
    cpSync(join(root, entry), join(dir, entry), { recursive: true, preserveTimestamps: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function build(dir) {
  const r = spawnSync('npx', ['node-gyp', 'build', '--silent'], { cwd: dir, encoding: 'utf8' });
  return { ok: r.status === 0, log: `${r.stdout}${r.stderr}` };
}

/** Runs vitest on `files` in its own process group, killed whole past perRunMs. */
function runTests(dir, files) {
  return new Promise((done) => {
    const child = spawn('npx', ['vitest', 'run', '--reporter=dot', '--testTimeout=15000', '--bail=1', ...files], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => {
      out += `\n(killed after ${perRunMs} ms)`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, perRunMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL'); // threads or processes a test left behind
      } catch {}
      done({ passed: code === 0, code: code ?? signal, out });
    });
  });
}

function summary(out) {
  const tests = /Tests\s+(.*)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
  return tests ? tests[1].trim() : out.trim().split('\n').slice(-3).join(' | ');
}

const list = readList().filter((m) => !only || only.has(m.n));
const dir = scratchCopy();
const cleanup = () => {
  if (!keep) rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => (cleanup(), process.exit(130)));
process.on('SIGTERM', () => (cleanup(), process.exit(143)));
console.log(`${list.length} native mutation(s); scratch copy ${dir}`);

const results = [];
try {
  const first = build(dir);
  if (!first.ok) throw new Error(`the unmutated addon does not build:\n${first.log}`);
  if (baseline) {
    const files = [...new Set(list.flatMap((m) => m.tests))];
    const base = await runTests(dir, files);
    if (!base.passed) throw new Error(`the unmutated suite fails (${files.join(' ')}):\n${base.out}`);
    console.log(`baseline: ${files.length} test file(s) pass unmutated`);
  }
  for (const m of list) {
    const path = join(dir, m.file);
    const original = readFileSync(path, 'utf8');
    const lines = original.split('\n');
    const at = lines.flatMap((l, i) => (l.trim() === m.from ? [i] : []));
    if (at.length !== 1) {
      results.push({ ...m, status: 'invalid', detail: `the line occurs ${at.length} times in ${m.file}` });
      console.log(`#${m.n} INVALID: ${results.at(-1).detail}`);
      continue;
    }
    const indent = /^\s*/.exec(lines[at[0]])[0];
    lines[at[0]] = indent + m.to;
    const t0 = Date.now();
    try {
      writeFileSync(path, lines.join('\n'));
      const b = build(dir);
      if (!b.ok) {
        results.push({ ...m, status: 'invalid', detail: `does not compile: ${b.log.split('\n').find((l) => /error/.test(l)) ?? ''}` });
      } else {
        const r = await runTests(dir, m.tests);
        results.push({ ...m, status: r.passed ? 'SURVIVED' : 'killed', detail: summary(r.out) });
      }
    } finally {
      writeFileSync(path, original); // newer than its object file: the next build recompiles it
    }
    const r = results.at(-1);
    console.log(`#${m.n} ${r.status} (${((Date.now() - t0) / 1000).toFixed(0)} s) ${m.file}:${at[0] + 1} ${m.breaks} -- ${r.detail}`);
  }
} finally {
  cleanup();
}

const killed = results.filter((r) => r.status === 'killed').length;
console.log(`\nnative mutations: ${killed} of ${results.length} killed`);
for (const r of results.filter((r) => r.status !== 'killed')) console.log(`  ${r.status} #${r.n} ${r.file}: ${r.from}  ->  ${r.to}  (${r.breaks})`);
process.exit(killed === results.length && results.length > 0 ? 0 : 1);
