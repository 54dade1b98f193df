import { describe, expect, it } from 'vitest';
import type { Attempt, Verdict } from '../../src/model.js';
import { describePassRule, percent, runsNeeded, scoreRuns, wilsonInterval, type PassRule } from '../../src/scoring/pass-rule.js';

const runs = (...verdicts: Verdict[]): Attempt[] => verdicts.map((verdict) => ({ verdict, durationMs: 1, reason: verdict === 'passed' ? '' : 'x' }));
const ALL: PassRule = { rule: 'all' };
const RATE: PassRule = { rule: 'rate' };
const threshold = (minRate: number): PassRule => ({ rule: 'threshold', minRate });

describe('scoreRuns, rule "all" (what repeat always meant)', () => {
  it('gives full points when every run passes', () => {
    expect(scoreRuns(runs('passed', 'passed', 'passed'), 10, ALL)).toEqual({ verdict: 'passed', score: 10, flaky: false });
  });

  it('fails the test and flags it flaky when one run of several fails', () => {
    expect(scoreRuns(runs('passed', 'failed', 'passed'), 10, ALL)).toEqual({ verdict: 'failed', score: 0, flaky: true });
  });

  it('is not flaky when every run fails', () => {
    expect(scoreRuns(runs('failed', 'failed'), 10, ALL)).toEqual({ verdict: 'failed', score: 0, flaky: false });
  });

  it('reports error — not failed — when the harness could not decide a run, and lets a real failure win', () => {
    expect(scoreRuns(runs('error', 'error'), 10, ALL)).toEqual({ verdict: 'error', score: 0, flaky: false });
    expect(scoreRuns(runs('passed', 'error'), 10, ALL)).toEqual({ verdict: 'error', score: 0, flaky: false });
    expect(scoreRuns(runs('error', 'failed'), 10, ALL).verdict).toBe('failed');
  });

  it('treats no runs at all as error, under every rule', () => {
    for (const r of [ALL, RATE, threshold(0.5)]) expect(scoreRuns([], 10, r)).toEqual({ verdict: 'error', score: 0, flaky: false });
  });
});

describe('scoreRuns, rule "rate" (what partialCredit always meant)', () => {
  it('scores points × passing runs / runs, rounded to two decimals; a failing run still fails the verdict', () => {
    expect(scoreRuns(runs('passed', 'failed', 'passed', 'passed'), 8, RATE)).toEqual({ verdict: 'failed', score: 6, flaky: true });
    expect(scoreRuns(runs('passed', 'failed', 'failed'), 10, RATE).score).toBe(3.33);
    expect(scoreRuns(runs('passed', 'passed', 'failed'), 10, RATE).score).toBe(6.67);
    expect(scoreRuns(runs('passed', 'passed'), 5, RATE)).toEqual({ verdict: 'passed', score: 5, flaky: false });
  });
});

describe('scoreRuns, rule threshold', () => {
  it('gives all the points from ceil(minRate × runs) passing runs up, and flags the failures flaky', () => {
    const seven = runs('passed', 'passed', 'failed', 'passed', 'passed', 'passed', 'passed', 'passed');
    expect(scoreRuns(seven, 15, threshold(0.75))).toEqual({ verdict: 'passed', score: 15, flaky: true });
    expect(scoreRuns(seven, 15, threshold(0.9))).toEqual({ verdict: 'failed', score: 0, flaky: true });
    // 6 of 8 is exactly 0.75: enough.
    expect(scoreRuns(runs('passed', 'failed', 'passed', 'failed', 'passed', 'passed', 'passed', 'passed'), 4, threshold(0.75)).score).toBe(4);
    expect(scoreRuns(runs('failed', 'failed', 'passed', 'failed'), 4, threshold(0.75))).toEqual({ verdict: 'failed', score: 0, flaky: true });
  });

  it('says error, not failed, when undecided runs could have lifted it over the bar', () => {
    // 2 passed, 1 error, 1 failed of 4 at 0.75 (needs 3): the error run might have passed.
    expect(scoreRuns(runs('passed', 'error', 'passed', 'failed'), 4, threshold(0.75)).verdict).toBe('error');
    // 1 passed, 1 error, 2 failed: even a pass would not reach 3.
    expect(scoreRuns(runs('passed', 'error', 'failed', 'failed'), 4, threshold(0.75)).verdict).toBe('failed');
  });

  it('needs at least one passing run, and does not round 0.75 × 4 up to 4', () => {
    expect(runsNeeded(0.75, 4)).toBe(3);
    expect(runsNeeded(0.7, 10)).toBe(7);
    expect(runsNeeded(0.01, 3)).toBe(1);
    expect(runsNeeded(1, 8)).toBe(8);
    expect(runsNeeded(0.875, 8)).toBe(7);
  });
});

describe('the rule in words', () => {
  it('names what the student must do', () => {
    expect(describePassRule(ALL, 3)).toBe('every run must pass');
    expect(describePassRule(ALL, 1)).toBe('the run must pass');
    expect(describePassRule(RATE, 4)).toBe('points × the share of passing runs');
    expect(describePassRule(threshold(0.75), 8)).toBe('full points when at least 75 % of the runs pass (6 of 8), else none');
  });
});

describe('wilsonInterval', () => {
  it('matches the textbook values', () => {
    // 7 of 8: (0.529, 0.978); 8 of 8: (0.676, 1); 0 of 5: (0, 0.434); 50 of 100: (0.404, 0.596).
    const close = (x: { low: number; high: number }, low: number, high: number) => {
      expect(x.low).toBeCloseTo(low, 3);
      expect(x.high).toBeCloseTo(high, 3);
    };
    close(wilsonInterval(7, 8), 0.5291, 0.9776);
    close(wilsonInterval(8, 8), 0.6756, 1);
    close(wilsonInterval(0, 5), 0, 0.4345);
    close(wilsonInterval(50, 100), 0.4038, 0.5962);
  });

  it('is the whole range without data, and never leaves [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 });
    const all = wilsonInterval(3, 3);
    expect(all.high).toBe(1);
    expect(all.low).toBeGreaterThan(0);
    expect(wilsonInterval(0, 3).low).toBe(0);
  });
});

describe('percent', () => {
  it('rounds, but never to 100 % below 1 or 0 % above 0', () => {
    expect(percent(0.875)).toBe('88 %');
    expect(percent(0.996)).toBe('99 %');
    expect(percent(1)).toBe('100 %');
    expect(percent(0.004)).toBe('1 %');
    expect(percent(0)).toBe('0 %');
  });
});
