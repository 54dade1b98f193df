/**
 * Time limits from a reference: grade it once with the proposed manifest (the real pipeline, one
 * test at a time, a generous limit for every test) and give each test a limit that is a stated
 * multiple of what it took. The margin covers a loaded grading machine and Gradescope's ½ vCPU:
 * a correct submission must never time out, and a limit only needs to stop one that hangs.
 */
import type { LoadedManifest } from '../manifest/load.js';
import type { GradeReport, TestResult } from '../model.js';
import { gradeSubmission } from '../pipeline/grade.js';
import type { Plan } from './propose.js';

export const MARGIN = { factor: 4, plusSec: 10, minSec: 15, stepSec: 5 } as const;

/** The rule in words, for the report and the docs. */
export const MARGIN_TEXT = `${MARGIN.factor} × the reference's time + ${MARGIN.plusSec} s, at least ${MARGIN.minSec} s, rounded up to ${MARGIN.stepSec} s`;

/** limitFor turns a measured duration into a time limit in seconds (see MARGIN). */
export function limitFor(measuredMs: number): number {
  const raw = Math.max(MARGIN.minSec, (MARGIN.factor * measuredMs) / 1000 + MARGIN.plusSec);
  return Math.ceil(raw / MARGIN.stepSec) * MARGIN.stepSec;
}

/** The limit each test gets during the measuring run: long enough for anything that finishes. */
export const MEASURE_LIMIT_SEC = 300;

export interface Measurement {
  report: GradeReport;
  /** Test id → its result in the measuring run. */
  byId: Map<string, TestResult>;
}

export interface MeasureOptions {
  seed?: number;
  onResult?: (r: TestResult) => void;
}

/** measureReference grades `reference` once under `loaded`, every go test with MEASURE_LIMIT_SEC. */
export async function measureReference(loaded: LoadedManifest, reference: string, opts: MeasureOptions = {}): Promise<Measurement> {
  const suites = loaded.manifest.suites.map((s) => (s.kind === 'gotest' ? { ...s, tests: s.tests.map((t) => ({ ...t, timeoutSec: MEASURE_LIMIT_SEC })) } : s));
  const report = await gradeSubmission({
    project: { ...loaded, manifest: { ...loaded.manifest, suites } },
    submission: reference,
    jobs: 1,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    rerunBase: `dsgrade grade ${reference} --project <the generated manifest>`,
    progress: { finished: (r) => opts.onResult?.(r) },
  });
  return { report, byId: new Map(report.tests.map((t) => [t.id, t])) };
}

export interface TimedEntry {
  suite: string;
  tests: string[];
  /** Slowest measured time of the entry's tests (ms), over those that passed. */
  slowestMs?: number;
  timeoutSec?: number;
}

/**
 * applyMeasurement sets each entry's timeoutSec from the slowest of its tests that passed; an
 * entry none of whose tests passed keeps the default (its tests need a look, not a limit).
 * Returns the failures the reference had, which the report must show first.
 */
export function applyMeasurement(plan: Plan, byId: ReadonlyMap<string, TestResult>): { timed: TimedEntry[]; failures: TestResult[] } {
  const timed: TimedEntry[] = [];
  const failures: TestResult[] = [];
  for (const s of plan.suites) {
    for (const e of s.entries) {
      const results = e.tests.map((n) => byId.get(`${s.id}/${n}`)).filter((r): r is TestResult => r !== undefined);
      failures.push(...results.filter((r) => r.verdict !== 'passed'));
      const passed = results.filter((r) => r.verdict === 'passed');
      if (passed.length === 0) {
        timed.push({ suite: s.id, tests: e.tests });
        continue;
      }
      const slowestMs = Math.max(...passed.map((r) => r.durationMs));
      e.timeoutSec = limitFor(slowestMs);
      timed.push({ suite: s.id, tests: e.tests, slowestMs, timeoutSec: e.timeoutSec });
    }
  }
  // Failures outside the planned suites (the build) matter as much.
  for (const r of byId.values()) if (r.verdict !== 'passed' && !failures.includes(r) && r.maxScore === 0 && r.id === 'build') failures.push(r);
  return { timed, failures };
}
