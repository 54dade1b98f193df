import { describe, expect, it } from 'vitest';
import { judgeBuggy, judgeCorrect, type TestRun } from '../../src/scoring/studenttest-verdicts.js';

const pass: TestRun = { testsPassed: true, timedOut: false, reason: 'they passed', output: 'PASS output', durationMs: 10 };
const fail = (test = 'TestClose'): TestRun => ({ testsPassed: false, timedOut: false, reason: `${test} failed`, output: `--- FAIL: ${test}`, durationMs: 20 });
const hung: TestRun = { testsPassed: false, timedOut: true, reason: 'they did not finish within 60 s', output: 'panic: test timed out after 1m0s', durationMs: 60_000 };
const HINT = 'Call Close while a square is pending.';

describe('tests on the correct implementation', () => {
  it('pass in every run: passed, not flaky, one attempt per run', () => {
    const v = judgeCorrect([pass, pass, pass], 'squarer_test.go');
    expect(v).toMatchObject({ verdict: 'passed', summary: '', flaky: false });
    expect(v.attempts.map((a) => a.verdict)).toEqual(['passed', 'passed', 'passed']);
    expect(v.output).toMatch(/^Your tests in squarer_test\.go pass on the correct implementation in all 3 runs, as they should\./);
    expect(v.output).not.toMatch(/FAILED/);
  });

  it('a single run says nothing about runs', () => {
    expect(judgeCorrect([pass], 'squarer_test.go').output).toMatch(/^Your tests in squarer_test\.go pass on the correct implementation, as they should\./);
    expect(judgeCorrect([fail()], 'squarer_test.go').summary).toBe('your tests fail on the correct implementation: TestClose failed');
    expect(judgeCorrect([fail(), fail(), fail()], 'squarer_test.go').summary).toBe('your tests fail on the correct implementation: TestClose failed');
  });

  it('pass in 2 of 3: the majority passes them, flagged flaky, with a warning and the failing run', () => {
    const v = judgeCorrect([pass, fail('TestTiming'), pass], 'squarer_test.go');
    expect(v).toMatchObject({ verdict: 'passed', flaky: true });
    expect(v.output).toMatch(/in 2 of 3 runs, as they should\.\n\nBut they FAILED in 1 of the 3 runs \(TestTiming failed\), so they depend on timing/);
    expect(v.output).toContain('--- output of the failing run ---\n--- FAIL: TestTiming');
    expect(v.attempts[1]).toMatchObject({ verdict: 'failed', reason: 'your tests failed on the correct implementation (TestTiming failed)' });
  });

  it('fail in 2 of 3: failed, flaky, and says they passed once', () => {
    const v = judgeCorrect([fail(), pass, fail()], 'squarer_test.go');
    expect(v).toMatchObject({ verdict: 'failed', flaky: true, summary: 'your tests fail on the correct implementation (in 2 of 3 runs): TestClose failed' });
    expect(v.output).toMatch(/They passed in the other run, so they depend on timing or on the scheduler\./);
  });

  it('a tie decides against the student', () => {
    expect(judgeCorrect([pass, fail()], 'squarer_test.go').verdict).toBe('failed');
    expect(judgeBuggy([pass, fail()], 'squarer_test.go', HINT).verdict).toBe('failed');
  });
});

describe('tests on a buggy implementation', () => {
  it('fail in every run: caught, not flaky', () => {
    const v = judgeBuggy([fail(), fail(), fail()], 'squarer_test.go', HINT);
    expect(v).toMatchObject({ verdict: 'passed', summary: '', flaky: false });
    expect(v.output).toBe('Your tests failed on this buggy implementation in all 3 runs, as they should (TestClose failed).');
    expect(v.attempts.every((a) => a.verdict === 'passed')).toBe(true);
  });

  it('fail in 2 of 3: caught by the majority, flaky, and told why that is fragile', () => {
    const v = judgeBuggy([fail(), pass, fail()], 'squarer_test.go', HINT);
    expect(v).toMatchObject({ verdict: 'passed', flaky: true });
    expect(v.output).toMatch(/They caught it in 2 of 3 runs and missed it in the others, so they depend on timing or on the scheduler; the majority decides\./);
  });

  it('fail in 1 of 3: missed, flaky; the summary carries the counts and the hint', () => {
    const v = judgeBuggy([pass, fail(), pass], 'squarer_test.go', HINT);
    expect(v).toMatchObject({ verdict: 'failed', flaky: true, summary: `your tests pass on a buggy implementation (caught in only 1 of 3 runs): ${HINT}` });
    expect(v.output).toMatch(/passed on a buggy implementation in 2 of 3 runs; they should have failed\.\nThey caught it in 1 of 3 runs/);
    expect(v.output).toContain(`Hint: ${HINT}`);
    expect(v.output).toContain('--- output ---\nPASS output');
    expect(v.attempts.map((a) => a.verdict)).toEqual(['failed', 'passed', 'failed']);
  });

  it('never caught: missed, not flaky, and no counts to report', () => {
    const v = judgeBuggy([pass], 'squarer_test.go', undefined);
    expect(v).toMatchObject({ verdict: 'failed', flaky: false, summary: 'your tests pass on a buggy implementation' });
    expect(v.output).not.toMatch(/Hint|caught it/);
    expect(judgeBuggy([pass, pass, pass], 'squarer_test.go', HINT).summary).toBe(`your tests pass on a buggy implementation: ${HINT}`);
  });
});

describe('a run that hit the time limit', () => {
  it('decides alone and says it was not repeated', () => {
    const caught = judgeBuggy([hung], 'squarer_test.go', HINT, 3);
    expect(caught).toMatchObject({ verdict: 'passed', flaky: false });
    expect(caught.output).toBe('Your tests failed on this buggy implementation, as they should (they did not finish within 60 s). That run reached the time limit, so dsgrade did not repeat it.');
    const correct = judgeCorrect([hung], 'squarer_test.go', 3);
    expect(correct).toMatchObject({ verdict: 'failed', summary: 'your tests fail on the correct implementation: they did not finish within 60 s' });
    expect(correct.output).toMatch(/but they failed: they did not finish within 60 s\. That run reached the time limit, so dsgrade did not repeat it\./);
  });

  it('says nothing about repeating when every planned run happened', () => {
    expect(judgeBuggy([hung, hung, hung], 'squarer_test.go', HINT, 3).output).not.toMatch(/did not repeat/);
  });
});
