/**
 * Hunting flaky tests: grade one submission N times with N different seeds and count, per test,
 * how often it passed and which seeds made it fail — per grade (the verdict) and per run (a test
 * with `runs` runs N processes per grade, each with its own seed; a pass rule may pass a test
 * whose runs did not all pass). Retry rules are switched off for these runs (a retry would hide
 * exactly what is being measured).
 */
import type { LoadedManifest } from '../manifest/load.js';
import type { GradeReport, Verdict } from '../model.js';
import { gradeSubmission, randomSeed, type GradeOptions } from '../pipeline/grade.js';
import { rerunLine } from '../scoring/runs-summary.js';
import { MAX_SEED } from '../util/limits.js';

export interface FlakyOptions {
  project: LoadedManifest;
  submission: string;
  runs: number;
  /** Seed of the first run; run i uses seed + i (default: random). */
  seed?: number;
  only?: string[];
  jobs?: number;
  cacheDir?: string;
  rerunBase?: string;
  onRun?: (run: { index: number; seed: number; report: GradeReport }) => void;
  /** Extra grade options (tests inject a work root). */
  grade?: Partial<GradeOptions>;
}

export interface FlakyTestStat {
  id: string;
  name: string;
  runs: number;
  passed: number;
  failed: number;
  errors: number;
  /** passed / (passed + failed); harness errors are not counted either way. */
  passRate: number;
  /** Mixed passes and failures across grades, or across the runs inside them. */
  flaky: boolean;
  /** Grade seeds of the grades in which the test did not pass. */
  failingSeeds: number[];
  /** Counted runs of the test over every grade (a test without `runs` has one per grade), and those that failed. */
  totalRuns: number;
  passedRuns: number;
  failedRuns: number;
  /** Each failing run: the seed of its grade and the seed the run itself got. */
  failingRuns: { gradeSeed: number; seed?: number }[];
  /** First line of the first failure, to recognise it. */
  firstFailure: string;
  /** The rerun line of the first failing run that has one (a go test with several runs). */
  firstRerun?: string;
}

export interface FlakyResult {
  seeds: number[];
  tests: FlakyTestStat[];
}

export async function findFlaky(opts: FlakyOptions): Promise<FlakyResult> {
  const base = opts.seed ?? randomSeed();
  const seeds = Array.from({ length: opts.runs }, (_, i) => (base + i) % (MAX_SEED + 1));
  const project = withoutRetries(opts.project);
  const stats = new Map<string, FlakyTestStat>();
  for (const [index, seed] of seeds.entries()) {
    const report = await gradeSubmission({
      ...opts.grade,
      project,
      submission: opts.submission,
      seed,
      only: opts.only,
      jobs: opts.jobs,
      cacheDir: opts.cacheDir,
      ...(opts.rerunBase ? { rerunBase: opts.rerunBase } : {}),
    });
    for (const t of report.tests) {
      let s = stats.get(t.id);
      if (!s) {
        s = { id: t.id, name: t.name, runs: 0, passed: 0, failed: 0, errors: 0, passRate: 0, flaky: false, failingSeeds: [], totalRuns: 0, passedRuns: 0, failedRuns: 0, failingRuns: [], firstFailure: '' };
        stats.set(t.id, s);
      }
      s.runs++;
      const v: Verdict = t.verdict;
      if (v === 'passed') s.passed++;
      else if (v === 'failed') s.failed++;
      else s.errors++;
      const counted = t.attempts.filter((a) => !a.voided);
      s.totalRuns += counted.length;
      for (const a of counted) {
        if (a.verdict === 'passed') s.passedRuns++;
        if (a.verdict !== 'failed') continue;
        s.failedRuns++;
        s.failingRuns.push({ gradeSeed: seed, ...(a.seed !== undefined ? { seed: a.seed } : {}) });
        if (!s.firstFailure) s.firstFailure = (a.reason.split('\n')[0] ?? '').trim();
      }
      const firstFailing = t.runs?.failing[0];
      if (!s.firstRerun && t.runs && firstFailing) s.firstRerun = rerunLine(t.runs, firstFailing);
      if (v !== 'passed') {
        s.failingSeeds.push(seed);
        if (!s.firstFailure) s.firstFailure = (t.summary.split('\n')[0] ?? '').trim();
      }
    }
    opts.onRun?.({ index, seed, report });
  }
  const tests = [...stats.values()].map((s) => ({ ...s, passRate: s.passed + s.failed === 0 ? 0 : s.passed / (s.passed + s.failed), flaky: isFlaky(s) }));
  return { seeds, tests };
}

/** Mixed outcomes: across grades, or a failing run beside passing ones (a pass rule may have passed the test). */
function isFlaky(s: FlakyTestStat): boolean {
  return (s.passed > 0 && s.failed > 0) || (s.failedRuns > 0 && s.passedRuns > 0);
}

/** The project with every test's retry rule removed. */
export function withoutRetries(project: LoadedManifest): LoadedManifest {
  const suites = project.manifest.suites.map((s) => (s.kind === 'gotest' ? { ...s, tests: s.tests.map(({ retry: _retry, ...t }) => t) } : s));
  return { ...project, manifest: { ...project.manifest, suites } };
}
