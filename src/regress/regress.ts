/**
 * Regression of a project against itself: the reference must get full marks and every mutant its
 * expected score. In quick mode a mutant runs only its `catchers`, each of which must fail.
 */
import type { LoadedManifest } from '../manifest/load.js';
import type { GradeReport } from '../model.js';
import { gradeSubmission, type GradeOptions } from '../pipeline/grade.js';

export interface RegressionRow {
  name: string;
  kind: 'reference' | 'mutant';
  /** Expected score, or in quick mode the number of catchers that must fail. */
  expected: number;
  got: number;
  max: number;
  ok: boolean;
  quick: boolean;
  durationMs: number;
  seed: number;
  /** Tests whose outcome explains a mismatch: failures for the reference, all non-passes for mutants. */
  notable: { id: string; verdict: string; summary: string }[];
}

export interface RegressOptions {
  project: LoadedManifest;
  jobs?: number;
  seed?: number;
  /** Mutant names to run; [] runs the reference only; undefined runs all. */
  mutants?: string[];
  quick?: boolean;
  cacheDir?: string;
  onRow?: (row: RegressionRow) => void;
}

export async function regress(opts: RegressOptions): Promise<RegressionRow[]> {
  const { manifest } = opts.project;
  const rows: RegressionRow[] = [];
  const base: Omit<GradeOptions, 'submission'> = { project: opts.project, jobs: opts.jobs, seed: opts.seed, cacheDir: opts.cacheDir };
  const push = (row: RegressionRow): void => {
    rows.push(row);
    opts.onRow?.(row);
  };
  if (manifest.reference) {
    const report = await gradeSubmission({ ...base, submission: manifest.reference });
    push(row('reference', 'reference', report.maxScore, report, false));
  }
  const wanted = manifest.mutants.filter((m) => opts.mutants === undefined || opts.mutants.includes(m.name));
  for (const mutant of wanted) {
    const quick = Boolean(opts.quick) && mutant.catchers.length > 0;
    const report = await gradeSubmission({ ...base, submission: mutant.path, ...(quick ? { only: mutant.catchers } : {}) });
    if (quick) {
      const caught = report.tests.filter((t) => mutant.catchers.includes(t.id) && t.verdict === 'failed').length;
      const r = row(mutant.name, 'mutant', mutant.catchers.length, report, true);
      r.got = caught;
      r.ok = caught === mutant.catchers.length;
      push(r);
    } else {
      push(row(mutant.name, 'mutant', mutant.expectedScore, report, false));
    }
  }
  return rows;
}

function row(name: string, kind: RegressionRow['kind'], expected: number, report: GradeReport, quick: boolean): RegressionRow {
  return {
    name,
    kind,
    expected,
    got: report.score,
    max: report.maxScore,
    ok: Math.abs(report.score - expected) < 1e-6,
    quick,
    durationMs: report.durationMs,
    seed: report.seed,
    notable: report.tests.filter((t) => t.verdict !== 'passed').map((t) => ({ id: t.id, verdict: t.verdict, summary: t.summary })),
  };
}
