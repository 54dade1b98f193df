/**
 * A test that fails on a correct reference, in any run, is a staff bug: under a pass rule the
 * reference may still score full marks (7 of 8 runs clear a threshold of 75 %), but a test that a
 * correct solution fails at random fails students at random too. `regress` and `flaky` report it
 * loudly, apart from any score mismatch. Pure.
 */
import type { GradeReport, TestResult } from '../model.js';

export interface StaffBug {
  id: string;
  /** Counted runs, and how many of them failed. */
  runs: number;
  failedRuns: number;
  /** The seeds the failing runs got (empty for an item without seeded runs, e.g. a check). */
  seeds: number[];
  /** The first failing run's one-line reason. */
  reason: string;
}

/** The tests of a reference's grade that failed in at least one counted run. */
export function staffBugs(report: Pick<GradeReport, 'tests'>): StaffBug[] {
  return report.tests.flatMap((t) => {
    const bug = staffBugOf(t);
    return bug ? [bug] : [];
  });
}

function staffBugOf(t: TestResult): StaffBug | undefined {
  const counted = t.attempts.filter((a) => !a.voided);
  const failed = counted.filter((a) => a.verdict === 'failed');
  if (failed.length === 0 && t.verdict !== 'failed') return undefined;
  return {
    id: t.id,
    runs: counted.length,
    failedRuns: Math.max(failed.length, t.verdict === 'failed' ? 1 : 0),
    seeds: failed.flatMap((a) => (a.seed !== undefined ? [a.seed] : [])),
    reason: (failed[0]?.reason || t.summary).split('\n', 1)[0]!.trim(),
  };
}

/** "STAFF BUG: 2B/TestX failed on reference in 1 of 8 runs (seed 123): <reason>". */
export function staffBugLine(reference: string, b: StaffBug): string {
  const seeds = b.seeds.length > 0 ? ` (seed${b.seeds.length === 1 ? '' : 's'} ${b.seeds.join(', ')})` : '';
  return `STAFF BUG: ${b.id} failed on ${reference} in ${b.failedRuns} of ${b.runs} run${b.runs === 1 ? '' : 's'}${seeds}: ${b.reason}`;
}

/** What staff should do about one, said once under the list. */
export const STAFF_BUG_FIX =
  'A test that a correct solution fails, even in one run and even when the pass rule still gave full marks, fails students at random: fix the test (or the reference), or give the test enough slack for a loaded machine; never hide it behind a pass rule.';
