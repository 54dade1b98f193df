/**
 * GradeReport fixtures for the reporter tests, shaped like a real P0 grading run: passes, a
 * failure with captured output and a rerun command, a flaky test, a harness error, hidden tests.
 */
import type { GradeReport, TestResult } from '../../src/model.js';

export function makeTest(overrides: Partial<TestResult> & Pick<TestResult, 'suite' | 'name'>): TestResult {
  const verdict = overrides.verdict ?? 'passed';
  const maxScore = overrides.maxScore ?? 5;
  const durationMs = overrides.durationMs ?? 1234;
  return {
    id: `${overrides.suite}/${overrides.name}`,
    visibility: 'visible',
    tags: [],
    score: verdict === 'passed' ? maxScore : 0,
    maxScore,
    durationMs,
    summary: verdict === 'passed' ? 'ok' : `${overrides.name} failed`,
    output: '',
    attempts: [{ verdict, durationMs, reason: verdict === 'passed' ? '' : 'failed' }],
    flaky: false,
    ...overrides,
    verdict,
  };
}

export function makeReport(overrides: Partial<GradeReport> = {}): GradeReport {
  const tests: TestResult[] = overrides.tests ?? [
    makeTest({ suite: 'checkpoint', name: 'TestBasic1', number: '1.1', tags: ['checkpoint'], durationMs: 310 }),
    makeTest({
      suite: 'checkpoint',
      name: 'TestBasic2',
      number: '1.2',
      verdict: 'failed',
      summary: 'expected 100 keys after Put, got 97',
      output: [
        '=== RUN   TestBasic2',
        '    kv_test.go:88: Put(k42) returned before the value was stored',
        '    kv_test.go:91: expected 100 keys after Put, got 97',
        '--- FAIL: TestBasic2 (2.01s)',
        'FAIL',
      ].join('\n'),
      rerun: 'dsgrade run projects/p0 ./submission --only checkpoint/TestBasic2 --seed 4242',
      durationMs: 2010,
    }),
    makeTest({
      suite: 'final',
      name: 'TestSlowClient',
      number: '2.1',
      tags: ['final', 'slow-client'],
      visibility: 'after_due_date',
      flaky: true,
      attempts: [
        { verdict: 'passed', durationMs: 900, reason: '' },
        { verdict: 'failed', durationMs: 1100, reason: 'timed out after 1s' },
      ],
      durationMs: 2000,
    }),
    makeTest({
      suite: 'final',
      name: 'TestCrashRecovery',
      number: '2.2',
      verdict: 'error',
      summary: 'go test exited with signal SIGKILL before reporting (container out of memory?)',
      output: 'harness: runner killed by signal SIGKILL after 12.3s',
      maxScore: 10,
      durationMs: 12_300,
    }),
    makeTest({ suite: 'final', name: 'TestHidden', number: '2.3', visibility: 'hidden', maxScore: 10, durationMs: 45 }),
  ];
  return {
    project: 'p0-kvserver',
    projectTitle: 'P0: a concurrent key-value server',
    submission: 'submission.zip',
    seed: 4242,
    nonce: 'n-3f9c2a7b1d',
    startedAt: '2025-01-31T12:00:00.000Z',
    durationMs: 61_234,
    versions: { dsgrade: '0.1.0', node: 'v20.19.0', go: 'go1.22.5' },
    notices: [
      { level: 'warning', message: 'ignored 2 staff files in the submission (kv_test.go, server_test.go)' },
      { level: 'info', message: 'built with go1.22.5' },
    ],
    tests,
    score: tests.reduce((sum, t) => sum + t.score, 0),
    maxScore: tests.reduce((sum, t) => sum + t.maxScore, 0),
    ...overrides,
  };
}
