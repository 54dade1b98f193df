/**
 * From attempts to a score. A test repeated k times passes only if every attempt passes, unless the
 * manifest grants partial credit (points × passes / k). Mixed outcomes are flagged as flaky. An
 * attempt the harness could not decide (`error`) never counts as the student's pass or failure.
 */
import type { Attempt, Verdict } from '../model.js';

export interface Scored {
  verdict: Verdict;
  score: number;
  flaky: boolean;
}

export function scoreAttempts(attempts: readonly Attempt[], points: number, partialCredit: boolean): Scored {
  if (attempts.length === 0) return { verdict: 'error', score: 0, flaky: false };
  const passed = attempts.filter((a) => a.verdict === 'passed').length;
  const failed = attempts.filter((a) => a.verdict === 'failed').length;
  const errored = attempts.length - passed - failed;
  const flaky = passed > 0 && failed > 0;
  let verdict: Verdict;
  if (failed > 0) verdict = 'failed';
  else if (errored > 0) verdict = 'error';
  else verdict = 'passed';
  const score = partialCredit ? roundPoints((points * passed) / attempts.length) : verdict === 'passed' ? points : 0;
  return { verdict, score, flaky };
}

/** An item without repeats (a check, a scenario, a leak item, a student-test variant): all the points or none. */
export function allOrNothing(verdict: Verdict, points: number): number {
  return verdict === 'passed' ? points : 0;
}

/** Points are shown with at most two decimals; sums must not drift (0.1 + 0.2). */
export function roundPoints(x: number): number {
  return Math.round(x * 100) / 100;
}

export function sumScores(items: readonly { score: number; maxScore: number }[]): { score: number; maxScore: number } {
  let score = 0;
  let maxScore = 0;
  for (const i of items) {
    score += i.score;
    maxScore += i.maxScore;
  }
  return { score: roundPoints(score), maxScore: roundPoints(maxScore) };
}
