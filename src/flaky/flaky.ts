/**
 * Hunting flaky tests: grade one submission N times with N different seeds and count, per test,
 * how often it passed and which seeds made it fail. Retry rules are switched off for these runs
 * (a retry would hide exactly what is being measured).
 */
import type { LoadedManifest } from '../manifest/load.js';
import type { GradeReport, Verdict } from '../model.js';
import { gradeSubmission, randomSeed, type GradeOptions } from '../pipeline/grade.js';
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
  /** Mixed passes and failures across runs. */
  flaky: boolean;
  failingSeeds: number[];
  /** First line of the first failure, to recognise it. */
  firstFailure: string;
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
        s = { id: t.id, name: t.name, runs: 0, passed: 0, failed: 0, errors: 0, passRate: 0, flaky: false, failingSeeds: [], firstFailure: '' };
        stats.set(t.id, s);
      }
      s.runs++;
      const v: Verdict = t.verdict;
      if (v === 'passed') s.passed++;
      else if (v === 'failed') s.failed++;
      else s.errors++;
      if (v !== 'passed') {
        s.failingSeeds.push(seed);
        if (!s.firstFailure) s.firstFailure = (t.summary.split('\n')[0] ?? '').trim();
      }
    }
    opts.onRun?.({ index, seed, report });
  }
  const tests = [...stats.values()].map((s) => ({ ...s, passRate: s.passed + s.failed === 0 ? 0 : s.passed / (s.passed + s.failed), flaky: s.passed > 0 && s.failed > 0 }));
  return { seeds, tests };
}

/** The project with every test's retry rule removed. */
export function withoutRetries(project: LoadedManifest): LoadedManifest {
  const suites = project.manifest.suites.map((s) => (s.kind === 'gotest' ? { ...s, tests: s.tests.map(({ retry: _retry, ...t }) => t) } : s));
  return { ...project, manifest: { ...project.manifest, suites } };
}
