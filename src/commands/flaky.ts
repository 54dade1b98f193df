/**
 * `dsgrade flaky <submission> --project <dir> --runs N`: grade N times with N seeds; print each
 * test's pass rate and the seeds of its failing runs. Exit 1 when a test had mixed outcomes.
 */
import { EXIT } from './exit-codes.js';
import { findFlaky, type FlakyTestStat } from '../flaky/flaky.js';
import { loadManifest } from '../manifest/load.js';
import { checkOnly } from '../pipeline/planned-items.js';
import path from 'node:path';
import { STAFF_BUG_FIX } from '../regress/staff-bugs.js';
import { formatPoints } from '../report/format.js';
import { processIO, type CommandIO } from './io.js';

export interface FlakyCommandOptions {
  submission: string;
  project: string;
  runs: number;
  seed?: number;
  only?: string[];
  jobs?: number;
  cacheDir?: string;
  json?: boolean;
  io?: CommandIO;
}

export async function flakyCommand(opts: FlakyCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const loaded = await loadManifest(opts.project);
  for (const w of loaded.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  checkOnly(loaded.manifest, opts.only);
  const rerunBase = `dsgrade grade ${opts.submission} --project ${opts.project}`;
  io.stderr.write(`Grading ${opts.submission} ${opts.runs} times (retry rules off)\n`);
  const result = await findFlaky({
    project: loaded,
    submission: opts.submission,
    runs: opts.runs,
    seed: opts.seed,
    only: opts.only,
    jobs: opts.jobs,
    cacheDir: opts.cacheDir,
    rerunBase,
    onRun: ({ index, seed, report }) => {
      const bad = report.tests.filter((t) => t.verdict !== 'passed').map((t) => t.id);
      io.stderr.write(`  run ${index + 1}/${opts.runs}  seed ${seed}  ${formatPoints(report.score)}/${formatPoints(report.maxScore)}${bad.length ? `  did not pass: ${bad.join(', ')}` : ''}\n`);
    },
  });
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    io.stdout.write(`${renderFlakyTable(result.tests, opts.runs)}\n`);
    io.stdout.write(`Seeds: ${result.seeds.join(', ')}\n`);
    const flaky = result.tests.filter((t) => t.flaky);
    const first = flaky[0] ?? result.tests.find((t) => t.failingSeeds.length > 0 || t.failedRuns > 0);
    const gradeSeed = first?.failingSeeds[0] ?? first?.failingRuns[0]?.gradeSeed;
    if (first && gradeSeed !== undefined) io.stdout.write(`Rerun one failing run: ${rerunBase} --only ${first.id} --seed ${gradeSeed}\n`);
    if (first?.firstRerun) io.stdout.write(`${first.firstRerun}\n`);
    io.stdout.write(flaky.length ? `${flaky.length} flaky test(s): ${flaky.map((t) => t.id).join(', ')}\n` : 'No test changed its outcome between runs.\n');
  }
  // On one of the project's references, any failing run is a staff bug (regress/staff-bugs.ts).
  const reference = loaded.manifest.references.find((r) => path.resolve(r.path) === path.resolve(opts.submission));
  const bugs = reference ? result.tests.filter((t) => t.failedRuns > 0 || t.failed > 0) : [];
  if (reference && bugs.length > 0) {
    io.stdout.write(`\nSTAFF BUGS: ${bugs.length} test(s) failed on reference "${reference.name}":\n`);
    for (const t of bugs) io.stdout.write(`  STAFF BUG: ${t.id} failed in ${t.failedRuns || t.failed} of ${t.totalRuns} runs${t.firstFailure ? `: ${t.firstFailure}` : ''}\n`);
    io.stdout.write(`  ${STAFF_BUG_FIX}\n`);
  }
  return result.tests.some((t) => t.flaky) || bugs.length > 0 ? EXIT.CHECK_FAILED : EXIT.OK;
}

export function renderFlakyTable(tests: FlakyTestStat[], runs: number): string {
  const w = Math.max(4, ...tests.map((t) => t.id.length));
  const lines = [`${'Test'.padEnd(w)}  ${'Pass rate'.padStart(9)}  ${'Passed'.padStart(8)}  ${'Runs'.padStart(9)}  Verdict   Failing seeds`];
  for (const t of tests) {
    const verdict = t.flaky ? 'FLAKY' : t.failed > 0 || t.failedRuns > 0 ? 'FAILS' : t.errors > 0 ? 'ERRORS' : 'STABLE';
    // The seeds of the failing grades; a failing run inside a passing grade shows its own seed.
    const all = t.failingSeeds.length > 0 ? t.failingSeeds : t.failingRuns.map((f) => f.seed ?? f.gradeSeed);
    const seeds = all.slice(0, 8).join(' ') + (all.length > 8 ? ' …' : '');
    lines.push(`${t.id.padEnd(w)}  ${`${Math.round(t.passRate * 100)}%`.padStart(9)}  ${`${t.passed}/${runs}`.padStart(8)}  ${`${t.passedRuns}/${t.totalRuns}`.padStart(9)}  ${verdict.padEnd(8)}  ${seeds}${t.firstFailure ? `  (${t.firstFailure.slice(0, 80)})` : ''}`);
  }
  return lines.join('\n');
}
