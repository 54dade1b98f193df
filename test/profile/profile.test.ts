import { describe, expect, it } from 'vitest';
import type { GradeReport, TestResult } from '../../src/model.js';
import { timingsFromReports, timingsText } from '../../src/profile/profile.js';

const usage = (cpuMs: number, rss: number) => ({ cpuMs, userMs: cpuMs, sysMs: 0, peakRssBytes: rss, complete: true });
const test = (id: string, attempts: TestResult['attempts']): TestResult => ({
  id,
  suite: id.split('/')[0]!,
  name: id,
  verdict: 'passed',
  score: 1,
  maxScore: 1,
  visibility: 'visible',
  tags: [],
  durationMs: 0,
  summary: '',
  output: '',
  attempts,
  flaky: false,
});
const report = (tests: TestResult[]): GradeReport => ({ project: 'p', projectTitle: 'P', submission: 's', seed: 1, nonce: 'n', startedAt: '', durationMs: 0, versions: { dsgrade: '', node: '', go: '' }, notices: [], tests, score: 1, maxScore: 1 });

describe('timingsFromReports', () => {
  it('takes the median wall time, the highest CPU rate and peak RSS over the runs, ignoring voided runs and unknown ids', () => {
    const r1 = report([
      test('a/T1', [{ verdict: 'passed', durationMs: 1000, reason: '', usage: usage(100, 10) }]),
      test('build', [{ verdict: 'passed', durationMs: 500, reason: '' }]),
    ]);
    const r2 = report([
      test('a/T1', [
        { verdict: 'failed', durationMs: 9000, reason: 'x', usage: usage(9000, 99), voided: 'overload' },
        { verdict: 'passed', durationMs: 1200, reason: '', usage: usage(360, 30) },
      ]),
    ]);
    const r3 = report([test('a/T1', [{ verdict: 'passed', durationMs: 1100, reason: '', usage: usage(110, 20) }])]);
    expect(timingsFromReports([r1, r2, r3], ['a/T1', 'a/T2'])).toEqual({ 'a/T1': { wallMs: 1100, cpuRate: 0.3, peakRssBytes: 30 } });
  });

  it('refuses runs the sandbox did not measure (DSGRADE_SANDBOX=off)', () => {
    expect(() => timingsFromReports([report([test('a/T1', [{ verdict: 'passed', durationMs: 1000, reason: '' }])])], ['a/T1'])).toThrow(/no CPU figures for 1 item/);
  });
});

describe('timingsText', () => {
  it('writes one line per item and parses back to the same figures', () => {
    const t = { version: 1 as const, recorded: { runs: 2 }, tests: { 'a/T1': { wallMs: 1100, cpuRate: 0.3, peakRssBytes: 30 }, 'a/T2': { wallMs: 5, cpuRate: 0 } } };
    const text = timingsText(t);
    expect(text).toContain('    "a/T1": {"wallMs": 1100, "cpuRate": 0.3, "peakRssBytes": 30},\n');
    expect(JSON.parse(text)).toEqual(t);
  });
});
