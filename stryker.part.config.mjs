// One part of src/ for a run split in parallel parts (docs/TESTING.md, "Score"): its own
// mutate list, sandbox directory and report files, so that parts running at once do not
// overwrite each other. scripts/mutation-score.mjs adds the parts' reports up.
//
//   STRYKER_PART=a STRYKER_MUTATE='src/region.ts,src/scope.ts' npx stryker run stryker.part.config.mjs
//
// No break threshold here: a part's score is not the score (the merged one is).
import base from './stryker.config.mjs';

const part = process.env.STRYKER_PART ?? 'part';
const mutate = (process.env.STRYKER_MUTATE ?? '').split(',').filter((f) => f !== '');
if (mutate.length === 0) throw new Error('stryker.part.config.mjs: set STRYKER_MUTATE to a comma-separated list of files or globs');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  mutate,
  tempDirName: `.stryker-tmp/${part}`,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${part}.html` },
  jsonReporter: { fileName: `reports/mutation/${part}.json` },
  thresholds: { ...base.thresholds, break: null },
};
