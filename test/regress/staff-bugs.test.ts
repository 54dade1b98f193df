import { describe, expect, it } from 'vitest';
import type { Attempt, TestResult } from '../../src/model.js';
import { staffBugLine, staffBugs } from '../../src/regress/staff-bugs.js';

const attempt = (verdict: Attempt['verdict'], seed?: number, voided = false): Attempt => ({ verdict, durationMs: 1, reason: verdict === 'failed' ? 'two leaders in term 4\nmore' : '', ...(seed !== undefined ? { seed } : {}), ...(voided ? { voided: 'overload' as const } : {}) });
const test = (id: string, verdict: TestResult['verdict'], attempts: Attempt[]): TestResult =>
  ({ id, suite: id.split('/')[0]!, name: id, verdict, score: 0, maxScore: 1, visibility: 'visible', tags: [], durationMs: 1, summary: verdict === 'passed' ? '' : 'summary line', output: '', attempts, flaky: false }) as TestResult;

describe('staffBugs', () => {
  it('names every test that failed in a counted run, also when its verdict passed under a pass rule', () => {
    const bugs = staffBugs({
      tests: [
        test('2B/TestFigure8_2B', 'passed', [attempt('passed', 1), attempt('failed', 2), attempt('passed', 3), attempt('failed', 4)]),
        test('2B/TestStop2B', 'passed', [attempt('passed', 5), attempt('passed', 6)]),
        test('check/gofmt', 'failed', [attempt('failed')]),
      ],
    });
    expect(bugs).toEqual([
      { id: '2B/TestFigure8_2B', runs: 4, failedRuns: 2, seeds: [2, 4], reason: 'two leaders in term 4' },
      { id: 'check/gofmt', runs: 1, failedRuns: 1, seeds: [], reason: 'two leaders in term 4' },
    ]);
    expect(staffBugLine('reference', bugs[0]!)).toBe('STAFF BUG: 2B/TestFigure8_2B failed on reference in 2 of 4 runs (seeds 2, 4): two leaders in term 4');
  });

  it('does not count a run voided by overload, nor a harness error', () => {
    expect(staffBugs({ tests: [test('a/T', 'passed', [attempt('failed', 1, true), attempt('passed', 1)]), test('a/U', 'error', [attempt('error', 2)])] })).toEqual([]);
  });
});
