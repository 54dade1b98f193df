/**
 * Regression of a project against itself: every reference must get full marks and every mutant its
 * expected score. In quick mode a mutant runs only its `catchers`, each of which must fail; the
 * references are still graded in full.
 */
import type { LoadedManifest } from '../manifest/load.js';
import type { ReferenceSpec } from '../manifest/types.js';
import type { GradeReport } from '../model.js';
import { findFlaky } from '../flaky/flaky.js';
import { gradeSubmission, type GradeOptions } from '../pipeline/grade.js';
import { withMutantSubmission } from './mutant-submission.js';
import { staffBugs, type StaffBug } from './staff-bugs.js';

export interface RegressionRow {
  name: string;
  kind: 'reference' | 'mutant';
  /** Expected score, or in quick mode the number of catchers that must fail. */
  expected: number;
  /** Accepted [lowest, highest] score of a mutant whose failures depend on timing. */
  range?: [number, number];
  got: number;
  max: number;
  ok: boolean;
  quick: boolean;
  durationMs: number;
  seed: number;
  /** Tests whose outcome explains a mismatch: failures for the reference, all non-passes for mutants. */
  notable: { id: string; verdict: string; summary: string }[];
  /** Quick mode: the catchers' counted runs, and how many of them failed (a catcher should fail every run). */
  catcherRuns?: { failed: number; total: number };
  /** References only: tests that failed in any run, whatever the score (staff-bugs.ts). */
  staffBugs?: StaffBug[];
  /** The grade behind the row (absent for the stability row, which aggregates many). */
  report?: GradeReport;
}

export interface RegressOptions {
  project: LoadedManifest;
  jobs?: number;
  seed?: number;
  /** Mutant names to run; [] runs the references only; undefined runs all. */
  mutants?: string[];
  quick?: boolean;
  /** Grade the references with only these test ids, suites or globs (default: every test). */
  referenceOnly?: string[];
  cacheDir?: string;
  backend?: GradeOptions['backend'];
  docker?: GradeOptions['docker'];
  /** Also grade every reference this many times (seeds seed, seed+1, …): every test must pass every run. */
  stabilityRuns?: number;
  onRow?: (row: RegressionRow) => void;
}

export async function regress(opts: RegressOptions): Promise<RegressionRow[]> {
  const { manifest } = opts.project;
  const rows: RegressionRow[] = [];
  const base: Omit<GradeOptions, 'submission'> = {
    project: opts.project,
    jobs: opts.jobs,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
    ...(opts.backend ? { backend: opts.backend } : {}),
    ...(opts.docker ? { docker: opts.docker } : {}),
  };
  const push = (row: RegressionRow): void => {
    rows.push(row);
    opts.onRow?.(row);
  };
  for (const ref of manifest.references) {
    const report = await gradeSubmission({ ...base, submission: ref.path, ...(opts.referenceOnly ? { only: opts.referenceOnly } : {}) });
    push(referenceRow(referenceRowName(ref), report));
    if ((opts.stabilityRuns ?? 0) > 1) push(await stabilityRow(base, ref, opts.stabilityRuns!));
  }
  const wanted = manifest.mutants.filter((m) => opts.mutants === undefined || opts.mutants.includes(m.name));
  for (const mutant of wanted) {
    const quick = Boolean(opts.quick) && mutant.catchers.length > 0;
    const report = await withMutantSubmission(manifest, mutant, (submission) => gradeSubmission({ ...base, submission, ...(quick ? { only: mutant.catchers } : {}) }));
    if (quick) {
      const caught = report.tests.filter((t) => mutant.catchers.includes(t.id) && t.verdict === 'failed').length;
      const r = row(mutant.name, 'mutant', mutant.catchers.length, report, true);
      r.got = caught;
      r.ok = caught === mutant.catchers.length;
      const runs = report.tests.filter((t) => mutant.catchers.includes(t.id)).flatMap((t) => t.attempts.filter((a) => !a.voided));
      r.catcherRuns = { failed: runs.filter((a) => a.verdict === 'failed').length, total: runs.length };
      push(r);
    } else {
      push(row(mutant.name, 'mutant', mutant.expectedScore, report, false, mutant.scoreRange));
    }
  }
  return rows;
}

/**
 * Whether a mutant's score is what the manifest expects: exactly `expected`, or anywhere in
 * `range` for a mutant whose failures depend on timing (a missing heartbeat is noticed only when
 * an idle period outlasts the epoch limit, which a loaded machine makes more likely).
 */
export function scoreAccepted(score: number, expected: number, range?: readonly [number, number]): boolean {
  if (range) return score >= range[0] - 1e-6 && score <= range[1] + 1e-6;
  return Math.abs(score - expected) < 1e-6;
}

/** The row name of a reference: "reference" for the shorthand's one reference, else "reference:<name>". */
export function referenceRowName(ref: Pick<ReferenceSpec, 'name'>): string {
  return ref.name === 'reference' ? 'reference' : `reference:${ref.name}`;
}

/** A reference graded n times: a row that is ok when every test passed in every run. */
async function stabilityRow(base: Omit<GradeOptions, 'submission'>, ref: ReferenceSpec, runs: number): Promise<RegressionRow> {
  const started = performance.now();
  const { project, seed, ...grade } = base;
  const r = await findFlaky({ project, submission: ref.path, runs, seed, grade });
  // Stable: passed every grade, and every run inside them (a pass rule forgives no run here).
  const stable = r.tests.filter((t) => t.passed === runs && t.failedRuns === 0);
  const bugs: StaffBug[] = r.tests
    .filter((t) => t.failedRuns > 0 || t.failed > 0)
    .map((t) => ({ id: t.id, runs: t.totalRuns, failedRuns: Math.max(t.failedRuns, t.failed), seeds: t.failingRuns.flatMap((f) => (f.seed !== undefined ? [f.seed] : [])), reason: t.firstFailure }));
  return {
    name: `${referenceRowName(ref)} ×${runs} (stability)`,
    kind: 'reference',
    expected: r.tests.length,
    got: stable.length,
    max: r.tests.length,
    ok: stable.length === r.tests.length && bugs.length === 0,
    quick: false,
    durationMs: Math.round(performance.now() - started),
    seed: r.seeds[0] ?? 0,
    notable: r.tests
      .filter((t) => t.passed !== runs || t.failedRuns > 0)
      .map((t) => ({
        id: t.id,
        verdict: t.flaky ? 'flaky' : t.failed ? 'failed' : t.failedRuns ? 'failed' : 'error',
        summary: `passed ${t.passed}/${runs} grades, ${t.totalRuns - t.failedRuns}/${t.totalRuns} runs; failing grade seeds ${t.failingSeeds.join(' ') || 'none'}${t.firstFailure ? ` — ${t.firstFailure}` : ''}`,
      })),
    staffBugs: bugs,
  };
}

/** A reference's row: full marks, and no test failing in any run (a staff bug, even at full marks). */
function referenceRow(name: string, report: GradeReport): RegressionRow {
  const r = row(name, 'reference', report.maxScore, report, false);
  const bugs = staffBugs(report);
  return { ...r, ok: r.ok && bugs.length === 0, staffBugs: bugs };
}

function row(name: string, kind: RegressionRow['kind'], expected: number, report: GradeReport, quick: boolean, range?: [number, number]): RegressionRow {
  return {
    name,
    kind,
    expected,
    ...(range ? { range } : {}),
    got: report.score,
    max: report.maxScore,
    ok: scoreAccepted(report.score, expected, range),
    quick,
    durationMs: report.durationMs,
    seed: report.seed,
    notable: report.tests.filter((t) => t.verdict !== 'passed').map((t) => ({ id: t.id, verdict: t.verdict, summary: t.summary })),
    report,
  };
}
