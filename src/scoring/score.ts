/**
 * Points: the all-or-nothing score of an item without runs, and sums that do not drift. How a go
 * test's runs score is pass-rule.ts.
 */
import type { Verdict } from '../model.js';

export interface Scored {
  verdict: Verdict;
  score: number;
  flaky: boolean;
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
