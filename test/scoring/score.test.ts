import { describe, expect, it } from 'vitest';
import type { Attempt, Verdict } from '../../src/model.js';
import { roundPoints, scoreAttempts, sumScores } from '../../src/scoring/score.js';

const runs = (...verdicts: Verdict[]): Attempt[] => verdicts.map((verdict) => ({ verdict, durationMs: 1, reason: verdict === 'passed' ? '' : 'x' }));

describe('scoreAttempts', () => {
  it('gives full points when every repeat passes', () => {
    expect(scoreAttempts(runs('passed', 'passed', 'passed'), 10, false)).toEqual({ verdict: 'passed', score: 10, flaky: false });
  });

  it('fails the test and flags it flaky when one repeat of several fails', () => {
    expect(scoreAttempts(runs('passed', 'failed', 'passed'), 10, false)).toEqual({ verdict: 'failed', score: 0, flaky: true });
  });

  it('is not flaky when every repeat fails', () => {
    expect(scoreAttempts(runs('failed', 'failed'), 10, false)).toEqual({ verdict: 'failed', score: 0, flaky: false });
  });

  it('gives partial credit in proportion to passing repeats, rounded to two decimals', () => {
    expect(scoreAttempts(runs('passed', 'failed', 'passed', 'passed'), 8, true)).toEqual({ verdict: 'failed', score: 6, flaky: true });
    expect(scoreAttempts(runs('passed', 'failed', 'failed'), 10, true).score).toBe(3.33);
    expect(scoreAttempts(runs('passed', 'passed', 'failed'), 10, true).score).toBe(6.67);
    expect(scoreAttempts(runs('passed', 'passed'), 5, true)).toEqual({ verdict: 'passed', score: 5, flaky: false });
  });

  it('reports error — not failed — when the harness could not decide any attempt', () => {
    expect(scoreAttempts(runs('error', 'error'), 10, false)).toEqual({ verdict: 'error', score: 0, flaky: false });
    expect(scoreAttempts(runs('passed', 'error'), 10, false)).toEqual({ verdict: 'error', score: 0, flaky: false });
  });

  it('lets a real failure win over an undecided attempt', () => {
    expect(scoreAttempts(runs('error', 'failed'), 10, false).verdict).toBe('failed');
  });

  it('treats no attempts at all as error', () => {
    expect(scoreAttempts([], 10, true)).toEqual({ verdict: 'error', score: 0, flaky: false });
  });
});

describe('roundPoints and sumScores', () => {
  it('rounds to two decimals without float drift', () => {
    expect(roundPoints(0.1 + 0.2)).toBe(0.3);
    expect(roundPoints(10 / 3)).toBe(3.33);
    expect(roundPoints(20 / 3)).toBe(6.67);
  });

  it('sums scores without drift', () => {
    const items = Array.from({ length: 10 }, () => ({ score: 0.1, maxScore: 0.7 }));
    expect(sumScores(items)).toEqual({ score: 1, maxScore: 7 });
    expect(sumScores([{ score: 3.33, maxScore: 10 }, { score: 3.33, maxScore: 10 }, { score: 3.34, maxScore: 10 }])).toEqual({ score: 10, maxScore: 30 });
    expect(sumScores([])).toEqual({ score: 0, maxScore: 0 });
  });
});
