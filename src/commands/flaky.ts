/**
 * `dsgrade flaky <submission> --project <dir> --runs N`: grade N times with N seeds; print each
 * test's pass rate and the seeds of its failing runs. Exit 1 when a test had mixed outcomes.
 */
import { EXIT } from './exit-codes.js';
import { findFlaky, type FlakyTestStat } from '../flaky/flaky.js';
import { loadManifest } from '../manifest/load.js';
import { checkOnly } from '../pipeline/planned-items.js';
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
    const first = flaky[0] ?? result.tests.find((t) => t.failingSeeds.length > 0);
    if (first) io.stdout.write(`Rerun one failing run: ${rerunBase} --only ${first.id} --seed ${first.failingSeeds[0]}\n`);
    io.stdout.write(flaky.length ? `${flaky.length} flaky test(s): ${flaky.map((t) => t.id).join(', ')}\n` : 'No test changed its outcome between runs.\n');
  }
  return result.tests.some((t) => t.flaky) ? EXIT.CHECK_FAILED : EXIT.OK;
}

export function renderFlakyTable(tests: FlakyTestStat[], runs: number): string {
  const w = Math.max(4, ...tests.map((t) => t.id.length));
  const lines = [`${'Test'.padEnd(w)}  ${'Pass rate'.padStart(9)}  ${'Passed'.padStart(8)}  Verdict   Failing seeds`];
  for (const t of tests) {
    const verdict = t.flaky ? 'FLAKY' : t.failed > 0 ? 'FAILS' : t.errors > 0 ? 'ERRORS' : 'STABLE';
    const seeds = t.failingSeeds.slice(0, 8).join(' ') + (t.failingSeeds.length > 8 ? ' …' : '');
    lines.push(`${t.id.padEnd(w)}  ${`${Math.round(t.passRate * 100)}%`.padStart(9)}  ${`${t.passed}/${runs}`.padStart(8)}  ${verdict.padEnd(8)}  ${seeds}${t.firstFailure ? `  (${t.firstFailure.slice(0, 80)})` : ''}`);
  }
  return lines.join('\n');
}
