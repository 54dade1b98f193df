/**
 * Pass-rate grading (manifest `runs` and `passRule`, docs/manifest.md#runs-and-passrule): a go test
 * runs N times, each run with its own seed, and its counted runs score by the test's rule — every
 * run must pass, points × pass rate, or full points from a minimum pass rate up. Pure: attempts
 * in, verdict, score and the words out. Runs voided by overload are not counted (overload.ts);
 * runs the harness could not decide (`error`) are never the student's pass or failure.
 */
import type { PassRule } from '../manifest/types.js';
import type { Attempt, Verdict } from '../model.js';
import { roundPoints, type Scored } from './score.js';

export type { PassRule };

export const ALL_RUNS: PassRule = { rule: 'all' };

/** Passing runs a threshold needs out of `runs` (at least one). */
export function runsNeeded(minRate: number, runs: number): number {
  // 1e-9: 0.75 × 4 must need 3, not 3.0000000000000004 → 4.
  return Math.max(1, Math.ceil(minRate * runs - 1e-9));
}

/** The rule in words, for the student and the staff: "every run must pass", … */
export function describePassRule(r: PassRule, runs: number): string {
  switch (r.rule) {
    case 'all':
      return runs > 1 ? 'every run must pass' : 'the run must pass';
    case 'rate':
      return 'points × the share of passing runs';
    case 'threshold':
      return `full points when at least ${percent(r.minRate)} of the runs pass (${runsNeeded(r.minRate, runs)} of ${runs}), else none`;
  }
}

/**
 * The score of a test's counted runs under its rule. The verdict is `failed` as soon as the rule
 * withholds points because of a failing run, `error` when only undecided runs stand between the
 * student and the points, and `passed` otherwise — also for a threshold met despite failing runs,
 * which are then flagged flaky.
 */
export function scoreRuns(attempts: readonly Attempt[], points: number, rule: PassRule): Scored {
  const n = attempts.length;
  if (n === 0) return { verdict: 'error', score: 0, flaky: false };
  const passed = attempts.filter((a) => a.verdict === 'passed').length;
  const failed = attempts.filter((a) => a.verdict === 'failed').length;
  const errored = n - passed - failed;
  const flaky = passed > 0 && failed > 0;
  if (rule.rule === 'threshold') {
    const need = runsNeeded(rule.minRate, n);
    if (passed >= need) return { verdict: 'passed', score: points, flaky };
    // Below the bar: when the undecided runs could have lifted it over, dsgrade cannot say it failed.
    const verdict: Verdict = passed + errored >= need ? 'error' : 'failed';
    return { verdict, score: 0, flaky };
  }
  const verdict: Verdict = failed > 0 ? 'failed' : errored > 0 ? 'error' : 'passed';
  const score = rule.rule === 'rate' ? roundPoints((points * passed) / n) : verdict === 'passed' ? points : 0;
  return { verdict, score, flaky };
}

/** The Wilson score interval (95 %) of a pass rate of `passed` out of `n` decided runs. */
export function wilsonInterval(passed: number, n: number, z = 1.959964): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = passed / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At p = 0 (or 1) the bound is exactly 0 (or 1) in exact arithmetic; floating point leaves 1e-17,
  // which percent() would show as "1 %".
  return { low: passed === 0 ? 0 : Math.max(0, centre - half), high: passed === n ? 1 : Math.min(1, centre + half) };
}

/** 0.875 → "88 %"; whole percentages, never "100 %" for a rate below 1 or "0 %" above 0. */
export function percent(x: number): string {
  let p = Math.round(x * 100);
  if (p === 100 && x < 1) p = 99;
  if (p === 0 && x > 0) p = 1;
  return `${p} %`;
}
