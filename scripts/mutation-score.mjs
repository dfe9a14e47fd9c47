#!/usr/bin/env node
// Merges StrykerJS JSON reports (mutation-testing-report-schema: files -> mutants with a
// status) into one score table, per file and in total (docs/TESTING.md, "Score").
//
//   node scripts/mutation-score.mjs reports/mutation/a.json reports/mutation/b.json [--markdown] [--survivors]
//
// Runs over parts of src/ (stryker run <config> with its own `mutate`, jsonReporter.fileName
// and tempDirName) can go in parallel; this adds them up. A file in several reports counts
// once: the report given last wins for it (a rerun of one file after new tests).
//
// score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker
// computes it; mutants that do not compile (or that the checker rejected) are not counted,
// and neither are ignored ones. A runtime error (the test runner crashed on every attempt)
// is listed apart and not counted either, as Stryker does.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const survivors = args.includes('--survivors');
const reports = args.filter((a) => !a.startsWith('--'));
if (reports.length === 0) {
  console.error('usage: node scripts/mutation-score.mjs <report.json>... [--markdown] [--survivors]');
  process.exit(2);
}

const root = resolve(import.meta.dirname, '..');
/** @type {Map<string, { source: string, mutants: any[] }>} */
const files = new Map();
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  for (const [name, file] of Object.entries(json.files ?? {})) {
    const key = name.startsWith('/') ? relative(root, name) : name;
    files.set(key, { source: file.source ?? '', mutants: file.mutants ?? [] });
  }
}

const counted = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const statuses = [...counted, 'CompileError', 'RuntimeError', 'Ignored', 'Pending'];
const blank = () => Object.fromEntries(statuses.map((s) => [s, 0]));
const rows = [];
const total = blank();
const left = [];
for (const [name, { source, mutants }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  const n = blank();
  for (const m of mutants) {
    n[m.status] = (n[m.status] ?? 0) + 1;
    total[m.status] = (total[m.status] ?? 0) + 1;
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const line = m.location?.start?.line ?? 0;
      const text = source.split('\n')[line - 1]?.trim() ?? '';
      left.push({ name, line, status: m.status, mutator: m.mutatorName, replacement: m.replacement, text });
    }
  }
  rows.push([name, n]);
}

const score = (n) => {
  const detected = n.Killed + n.Timeout;
  const valid = detected + n.Survived + n.NoCoverage;
  return valid === 0 ? NaN : (100 * detected) / valid;
};
const pct = (x) => (Number.isNaN(x) ? 'n/a' : `${x.toFixed(1)}%`);

if (markdown) {
  console.log('| file | score | killed | timed out | survived | no coverage | not compiled (not counted) | runtime error (not counted) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const [name, n] of rows)
    console.log(`| \`${name.replace(/^src\//, '')}\` | ${pct(score(n))} | ${n.Killed} | ${n.Timeout} | ${n.Survived} | ${n.NoCoverage} | ${n.CompileError} | ${n.RuntimeError} |`);
  const t = total;
  console.log(`| **total** | **${pct(score(t))}** | ${t.Killed} | ${t.Timeout} | ${t.Survived} | ${t.NoCoverage} | ${t.CompileError} | ${t.RuntimeError} |`);
} else {
  const w = Math.max(...rows.map(([n]) => n.length), 5);
  console.log(`${'file'.padEnd(w)}  score   killed timeout survived nocov  compile runtime`);
  for (const [name, n] of [...rows, ['total', total]])
    console.log(
      `${name.padEnd(w)}  ${pct(score(n)).padStart(6)}  ${String(n.Killed).padStart(6)} ${String(n.Timeout).padStart(7)} ${String(n.Survived).padStart(8)} ${String(n.NoCoverage).padStart(5)}  ${String(n.CompileError).padStart(7)} ${String(n.RuntimeError).padStart(7)}`,
    );
}
if (survivors) {
  console.log('');
  for (const s of left.sort((a, b) => a.name.localeCompare(b.name) || a.line - b.line))
    console.log(`${s.name}:${s.line} ${s.status} ${s.mutator}: ${JSON.stringify(s.replacement)}  | ${s.text}`);
}
