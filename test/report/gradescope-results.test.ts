import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DsgradeError } from '../../src/errors.js';
import {
  HARNESS_ERROR_LINE,
  toGradescopeResults,
  validateGradescopeResults,
  writeGradescopeResults,
  type GradescopeResults,
} from '../../src/report/gradescope-results.js';
import { makeReport, makeTest } from './fixtures.js';

const opts = { testOutputBytes: 8192 };
const byName = (r: GradescopeResults, name: string) => r.tests!.find((t) => t.name === name)!;

describe('toGradescopeResults', () => {
  const report = makeReport();
  const results = toGradescopeResults(report, opts);

  it('makes one Gradescope test per TestResult, in order', () => {
    expect(results.tests!.map((t) => t.name)).toEqual(['TestBasic1', 'TestBasic2', 'TestSlowClient', 'TestCrashRecovery', 'TestHidden']);
    expect(results.tests!.map((t) => t.number)).toEqual(['1.1', '1.2', '2.1', '2.2', '2.3']);
  });

  it('maps verdicts to statuses: only passed is passed', () => {
    expect(results.tests!.map((t) => t.status)).toEqual(['passed', 'failed', 'passed', 'failed', 'passed']);
  });

  it('passes score, max_score, visibility and tags through', () => {
    const slow = byName(results, 'TestSlowClient');
    expect(slow).toMatchObject({ score: 5, max_score: 5, visibility: 'after_due_date', tags: ['final', 'slow-client'], output_format: 'text' });
    expect(byName(results, 'TestHidden').visibility).toBe('hidden');
    expect(byName(results, 'TestCrashRecovery')).toMatchObject({ score: 0, max_score: 10 });
  });

  it('omits number when the test has none', () => {
    const r = toGradescopeResults(makeReport({ tests: [makeTest({ suite: 's', name: 'T' })] }), opts);
    expect(r.tests![0]).not.toHaveProperty('number');
  });

  it('says plainly that a harness error is not the student’s fault, on the first line', () => {
    const out = byName(results, 'TestCrashRecovery').output!;
    expect(out.split('\n')[0]).toBe(HARNESS_ERROR_LINE);
    expect(HARNESS_ERROR_LINE).toMatch(/could not decide this test \(harness error\)/);
    expect(HARNESS_ERROR_LINE).toMatch(/not your fault/);
    expect(out).toContain('go test exited with signal SIGKILL');
    expect(byName(results, 'TestBasic2').output).not.toContain('harness error');
  });

  it('lays out a failed test: summary, output, then the rerun command', () => {
    const out = byName(results, 'TestBasic2').output!;
    const lines = out.split('\n');
    expect(lines[0]).toBe('Failed: expected 100 keys after Put, got 97');
    expect(out).toContain('--- FAIL: TestBasic2 (2.01s)');
    expect(lines.at(-1)).toBe('Rerun locally: dsgrade run projects/p0 ./submission --only checkpoint/TestBasic2 --seed 4242');
  });

  it('records attempts and flakiness in the output and extra_data', () => {
    const slow = byName(results, 'TestSlowClient');
    expect(slow.output).toContain('Mixed outcomes over 2 attempts: passed, failed');
    expect(slow.extra_data).toEqual({
      id: 'final/TestSlowClient',
      verdict: 'passed',
      durationMs: 2000,
      attempts: [
        { verdict: 'passed', durationMs: 900, reason: '' },
        { verdict: 'failed', durationMs: 1100, reason: 'timed out after 1s' },
      ],
      flaky: true,
    });
    expect(byName(results, 'TestCrashRecovery').extra_data).toMatchObject({ verdict: 'error', id: 'final/TestCrashRecovery' });
  });

  it('a test with several runs: each attempt\'s seed, the runs summary, and no second tally line beside the output\'s', () => {
    const runs = {
      counted: 3,
      passed: 2,
      failed: 1,
      errors: 0,
      rule: 'every run must pass',
      passRate: 2 / 3,
      interval: { low: 0.208, high: 0.939 },
      failing: [{ run: 2, seed: 22, rerun: "DSGRADE_SEED=22 go test -count=1 -run '^TestX$' ./p" }],
      replays: 'the same seed',
    };
    const attempts = [
      { verdict: 'passed' as const, durationMs: 1, reason: '', seed: 11 },
      { verdict: 'failed' as const, durationMs: 1, reason: 'boom', seed: 33, voided: 'overload' as const },
      { verdict: 'failed' as const, durationMs: 1, reason: 'boom', seed: 22 },
      { verdict: 'passed' as const, durationMs: 1, reason: '', seed: 33 },
    ];
    const t = makeTest({ suite: 'p', name: 'TestX', verdict: 'failed', flaky: true, attempts, runs, output: 'Passed 2 of 3 runs (failing seed 22): …' });
    const gs = byName(toGradescopeResults(makeReport({ tests: [t] }), opts), 'TestX');
    expect(gs.extra_data!.runs).toEqual(runs);
    expect((gs.extra_data!.attempts as { seed: number; voided?: string }[]).map((a) => [a.seed, a.voided ?? ''])).toEqual([
      [11, ''],
      [33, 'overload'],
      [22, ''],
      [33, ''],
    ]);
    expect(gs.output).toContain('Passed 2 of 3 runs (failing seed 22)');
    expect(gs.output).not.toContain('outcome over');
    expect(validateGradescopeResults(toGradescopeResults(makeReport({ tests: [t] }), opts))).toEqual([]);
  });

  it('fills the top level', () => {
    expect(results).toMatchObject({
      score: report.score,
      execution_time: 61.234,
      output_format: 'text',
      visibility: 'visible',
      stdout_visibility: 'hidden',
      extra_data: {
        versions: report.versions,
        seed: 4242,
        nonce: 'n-3f9c2a7b1d',
        project: 'p0-kvserver',
        submission: 'submission.zip',
        startedAt: '2025-01-31T12:00:00.000Z',
      },
    });
  });

  it('writes a header with the score, the notices, the seed and how to rerun', () => {
    const allVisible = makeReport({ tests: report.tests.map((t) => ({ ...t, visibility: 'visible' as const })) });
    expect(toGradescopeResults(allVisible, opts).output).toContain(
      `Score: ${report.score}/${report.maxScore} — 3 passed, 1 failed, 1 could not be decided (5 tests)`,
    );
    const header = results.output!;
    expect(header).toContain('P0: a concurrent key-value server');
    expect(header).toContain('[warning] ignored 2 staff files');
    expect(header).toContain('[info] built with go1.22.5');
    expect(header).toContain('Seed: 4242');
    expect(header).toMatch(/Rerun everything locally: .*--seed 4242/);
    expect(header).toContain('1 test could not be decided by dsgrade (harness error)');
    const custom = toGradescopeResults(report, { ...opts, rerunAll: 'npx dsgrade grade p0 . --seed 4242' });
    expect(custom.output).toContain('Rerun everything locally: npx dsgrade grade p0 . --seed 4242');
  });

  it('never reveals hidden or after-due-date tests in the header', () => {
    const header = results.output!;
    // Visible: TestBasic1 (5/5), TestBasic2 (0/5), TestCrashRecovery (0/10, error).
    expect(header).toContain('Score on the 3 tests shown now: 5/20 — 1 passed, 1 failed, 1 could not be decided');
    expect(header).toContain('2 more tests are shown after the due date or kept hidden by course staff');
    expect(header).not.toContain(`/${report.maxScore}`);
    const hiddenFail = makeTest({ suite: 's', name: 'TestSecret', verdict: 'failed', visibility: 'hidden', rerun: 'dsgrade run --only s/TestSecret' });
    const r = toGradescopeResults(makeReport({ tests: [makeTest({ suite: 's', name: 'TestOpen' }), hiddenFail] }), opts);
    expect(r.output).not.toContain('TestSecret');
    expect(r.output).toContain('1 passed, 0 failed');
  });

  it('truncates each test output to the byte budget, keeping summary and rerun line', () => {
    const big = makeTest({
      suite: 's',
      name: 'TestFlood',
      verdict: 'failed',
      summary: 'flooded',
      output: Array.from({ length: 20_000 }, (_, i) => `log line ${i} ✓`).join('\n'),
      rerun: 'dsgrade run p --only s/TestFlood',
    });
    const r = toGradescopeResults(makeReport({ tests: [big] }), { testOutputBytes: 4096 });
    const out = r.tests![0]!.output!;
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(4096);
    expect(out.startsWith('Failed: flooded\n')).toBe(true);
    expect(out).toContain('log line 0 ✓');
    expect(out).toContain('log line 19999 ✓');
    expect(out).toContain('bytes omitted from the middle of this output');
    expect(out.endsWith('Rerun locally: dsgrade run p --only s/TestFlood')).toBe(true);
    expect(r.tests![0]!.extra_data).toHaveProperty('omittedOutputBytes');
  });

  it('shares totalOutputBytes fairly, cutting only the long outputs', () => {
    const long = (name: string) =>
      makeTest({ suite: 's', name, verdict: 'failed', output: 'x\n'.repeat(50_000) });
    const tests = [long('A'), makeTest({ suite: 's', name: 'Short', verdict: 'failed', output: 'short output' }), long('B')];
    const r = toGradescopeResults(makeReport({ tests }), { testOutputBytes: 64_000, totalOutputBytes: 20_000 });
    const total = Buffer.byteLength(r.output!, 'utf8') + r.tests!.reduce((n, t) => n + Buffer.byteLength(t.output!, 'utf8'), 0);
    expect(total).toBeLessThanOrEqual(20_000);
    expect(byName(r, 'Short').output).toContain('short output');
    const [a, b] = [byName(r, 'A').output!, byName(r, 'B').output!].map((s) => Buffer.byteLength(s, 'utf8'));
    expect(a).toBeGreaterThan(8000);
    expect(Math.abs(a! - b!)).toBeLessThan(100);
  });

  it('cleans control characters from names, summaries and output', () => {
    const t = makeTest({ suite: 's', name: 'T\u0000x', verdict: 'failed', summary: 'bad\u001b[31m red', output: 'a\u0000b\u0007c' });
    const r = toGradescopeResults(makeReport({ tests: [t] }), opts);
    expect(r.tests![0]).toMatchObject({ name: 'Tx', output: 'Failed: bad red\n\nabc' });
    expect(validateGradescopeResults(r)).toEqual([]);
  });
});

describe('validateGradescopeResults', () => {
  const valid = () => toGradescopeResults(makeReport(), opts) as Record<string, unknown> & GradescopeResults;

  it('accepts a realistic report', () => {
    expect(validateGradescopeResults(valid())).toEqual([]);
    expect(validateGradescopeResults(JSON.parse(JSON.stringify(valid())))).toEqual([]);
  });

  it('accepts the minimal forms and a leaderboard', () => {
    expect(validateGradescopeResults({ score: 3 })).toEqual([]);
    expect(validateGradescopeResults({ tests: [] })).toEqual([]);
    expect(validateGradescopeResults({ score: 1, leaderboard: [{ name: 'Latency', value: 12.5, order: 'asc' }, { name: 'Team', value: 'x' }] })).toEqual([]);
  });

  it('rejects an unknown top-level key', () => {
    const issues = validateGradescopeResults({ ...valid(), scoer: 1 });
    expect(issues).toContainEqual({ pointer: '/', message: 'unknown key "scoer"' });
  });

  it('rejects an unknown key in a test', () => {
    const r = valid();
    (r.tests![1] as Record<string, unknown>).maxScore = 5;
    expect(validateGradescopeResults(r)).toContainEqual({ pointer: '/tests/1', message: 'unknown key "maxScore"' });
  });

  it('rejects a negative score, top-level or per test', () => {
    expect(validateGradescopeResults({ ...valid(), score: -1 })).toContainEqual({ pointer: '/score', message: 'must be >= 0' });
    const r = valid();
    r.tests![0]!.score = -0.5;
    expect(validateGradescopeResults(r).map((i) => i.pointer)).toContain('/tests/0/score');
  });

  it('rejects a bad status and a bad visibility, naming the allowed values', () => {
    const r = valid();
    (r.tests![0] as Record<string, unknown>).status = 'error';
    (r.tests![2] as Record<string, unknown>).visibility = 'public';
    const issues = validateGradescopeResults(r);
    expect(issues).toContainEqual({ pointer: '/tests/0/status', message: 'must be equal to one of the allowed values: "passed", "failed"' });
    expect(issues.map((i) => i.pointer)).toContain('/tests/2/visibility');
  });

  it('rejects non-finite numbers, wrong types and a missing score and tests', () => {
    expect(validateGradescopeResults({ ...valid(), score: Number.NaN }).length).toBeGreaterThan(0);
    expect(validateGradescopeResults({ ...valid(), execution_time: Number.POSITIVE_INFINITY }).length).toBeGreaterThan(0);
    expect(validateGradescopeResults({ ...valid(), output_format: 'markdown' }).length).toBeGreaterThan(0);
    expect(validateGradescopeResults({ ...valid(), extra_data: [] }).length).toBeGreaterThan(0);
    expect(validateGradescopeResults({ output: 'no score' }).length).toBeGreaterThan(0);
    expect(validateGradescopeResults({ score: 1, leaderboard: [{ name: 'x', value: 1, order: 'up' }] }).length).toBeGreaterThan(0);
    expect(validateGradescopeResults('results').length).toBeGreaterThan(0);
  });

  it('reports every problem at once', () => {
    expect(validateGradescopeResults({ score: -1, bogus: true, visibility: 'nope' }).length).toBeGreaterThanOrEqual(3);
  });
});

describe('writeGradescopeResults', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dsgrade-gs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes valid JSON atomically and leaves no temporary file', async () => {
    const path = join(dir, 'results.json');
    const written = await writeGradescopeResults(path, makeReport(), opts);
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    expect(parsed).toEqual(written);
    expect(validateGradescopeResults(parsed)).toEqual([]);
    expect(await readdir(dir)).toEqual(['results.json']);
  });

  it('replaces an existing file', async () => {
    const path = join(dir, 'results.json');
    await writeGradescopeResults(path, makeReport({ seed: 1 }), opts);
    await writeGradescopeResults(path, makeReport({ seed: 2 }), opts);
    const parsed = JSON.parse(await readFile(path, 'utf8')) as GradescopeResults;
    expect(parsed.extra_data?.seed).toBe(2);
    expect(await readdir(dir)).toEqual(['results.json']);
  });

  it('creates a missing folder', async () => {
    const path = join(dir, 'autograder', 'results', 'results.json');
    await writeGradescopeResults(path, makeReport(), opts);
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('tests');
  });

  it('refuses to write an invalid file, with an INTERNAL error naming the problems', async () => {
    const path = join(dir, 'results.json');
    const bad = makeReport({ score: Number.NaN });
    const err = await writeGradescopeResults(path, bad, opts).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DsgradeError);
    expect((err as DsgradeError).code).toBe('INTERNAL');
    expect((err as DsgradeError).message).toContain('/score');
    expect(await readdir(dir)).toEqual([]);
  });
});
