#!/usr/bin/env node
// Merges StrykerJS JSON reports (mutation-testing-report-schema: files -> mutants with a
// status) into one score table, per file and in total (docs/TESTING.md, "Score").
//
//   node scripts/mutation-score.mjs reports/mutation/a.json reports/mutation/b.json [--markdown] [--survivors] [--write merged.json]
//
// Runs over parts of src/ (stryker run <config> with its own `mutate`, jsonReporter.fileName
// and tempDirName) can go in parallel; this adds them up. A file in several reports counts
// once: from a report made with coverage analysis off (stryker.workers.config.mjs) if one
// has it, since a perTest run reports as "no coverage" what runs only in other threads and
// processes; otherwise the report given last wins for it (a rerun of one file after new
// tests). --write saves the merged files as one report (mutation-testing-report-schema),
// e.g. the groups of stryker.workers.config.mjs as reports/mutation/workers.json.
//
// score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker
// computes it; mutants that do not compile (or that the checker rejected) are not counted,
// and neither are ignored ones. A runtime error (the test runner crashed on every attempt)
// is listed apart and not counted either, as Stryker does.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const markdown = args.includes('--markdown');
const survivors = args.includes('--survivors');
const writeAt = args.indexOf('--write');
const write = writeAt === -1 ? undefined : args[writeAt + 1];
const reports = args.filter((a, i) => !a.startsWith('--') && (writeAt === -1 || i !== writeAt + 1));
if (reports.length === 0 || (writeAt !== -1 && write === undefined)) {
  console.error('usage: node scripts/mutation-score.mjs <report.json>... [--markdown] [--survivors] [--write merged.json]');
  process.exit(2);
}

const root = resolve(import.meta.dirname, '..');
/** @type {Map<string, { file: any, coverageOff: boolean, report: string }>} */
const files = new Map();
let first;
for (const report of reports) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  first ??= json;
  const coverageOff = json.config?.coverageAnalysis === 'off';
  for (const [name, file] of Object.entries(json.files ?? {})) {
    const key = name.startsWith('/') ? relative(root, name) : name;
    const had = files.get(key);
    const keep = had !== undefined && had.coverageOff && !coverageOff;
    if (had) console.error(`mutation-score: ${key} is in ${had.report} and ${report}: counted from ${keep ? had.report : report}`);
    if (!keep) files.set(key, { file, coverageOff, report });
  }
}
if (write !== undefined) {
  const merged = { ...first, files: Object.fromEntries([...files].map(([key, { file }]) => [key, file])) };
  writeFileSync(write, JSON.stringify(merged));
  console.error(`mutation-score: wrote ${write} (${files.size} files from ${reports.length} reports)`);
}

const counted = ['Killed', 'Timeout', 'Survived', 'NoCoverage'];
const statuses = [...counted, 'CompileError', 'RuntimeError', 'Ignored', 'Pending'];
const blank = () => Object.fromEntries(statuses.map((s) => [s, 0]));
const rows = [];
const total = blank();
const left = [];
for (const [name, { file }] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  const source = file.source ?? '';
  const mutants = file.mutants ?? [];
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
