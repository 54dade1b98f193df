import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/manifest/defaults.js';
import { AUTOLAB_GRADER_ERROR_LINE, autolabProblems, autolabScoreLine, renderAutolabFeedback, toAutolabResult, validateAutolabResult } from '../../src/report/autolab-results.js';
import { makeReport, makeTest } from './fixtures.js';

const manifest = applyDefaults(
  {
    name: 'p',
    title: 'P',
    go: { moduleRoot: '.', module: 'm' },
    starter: 'starter',
    handin: [{ path: 'a.go' }],
    checks: [{ id: 'gofmt', kind: 'gofmt', points: 1, files: ['a.go'] }],
    suites: [
      { id: 'checkpoint', kind: 'gotest', package: 'lsp', tests: [{ name: 'TestBasic1', points: 2 }, { name: 'TestBasic2', points: 3 }] },
      { id: 'final', kind: 'gotest', package: 'lsp', tests: [{ name: 'TestRobust1', points: 4 }] },
    ],
  },
  '/p/dsgrade.json',
);

describe('Autolab score line', () => {
  it('one problem per suite, plus "checks", each with its maximum', () => {
    expect(autolabProblems(manifest)).toEqual([
      { name: 'checks', maxScore: 1, suites: ['check'] },
      { name: 'checkpoint', maxScore: 5, suites: ['checkpoint'] },
      { name: 'final', maxScore: 4, suites: ['final'] },
    ]);
  });

  it('adds up each problem and prints one line of valid JSON', () => {
    const report = makeReport({
      tests: [
        makeTest({ suite: 'build', name: 'Build', maxScore: 0 }),
        makeTest({ suite: 'check', name: 'gofmt', maxScore: 1 }),
        makeTest({ suite: 'checkpoint', name: 'TestBasic1', maxScore: 2 }),
        makeTest({ suite: 'checkpoint', name: 'TestBasic2', maxScore: 3, verdict: 'failed' }),
        makeTest({ suite: 'final', name: 'TestRobust1', maxScore: 4, visibility: 'hidden' }),
      ],
      score: 7,
    });
    const result = toAutolabResult(report, autolabProblems(manifest));
    expect(result).toEqual({ scores: { checks: 1, checkpoint: 2, final: 4 }, scoreboard: [7] });
    const line = autolabScoreLine(result);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(result);
  });

  it('a problem the run never reached scores 0 (the lab still gets every problem)', () => {
    expect(toAutolabResult(makeReport({ tests: [] }), autolabProblems(manifest)).scores).toEqual({ checks: 0, checkpoint: 0, final: 0 });
  });

  it('the schema refuses what Autolab would misread; the grader-error line is deliberately not JSON', () => {
    expect(validateAutolabResult({ scores: { a: -1 } })).toContainEqual({ pointer: '/scores/a', message: 'must be >= 0' });
    expect(validateAutolabResult({ scores: {} })).toContainEqual({ pointer: '/scores', message: 'must NOT have fewer than 1 properties' });
    expect(validateAutolabResult({ score: 1 }).length).toBeGreaterThan(0);
    expect(() => autolabScoreLine({ scores: { a: -1 } })).toThrow(/invalid Autolab score line/);
    expect(() => JSON.parse(AUTOLAB_GRADER_ERROR_LINE)).toThrow();
    expect(AUTOLAB_GRADER_ERROR_LINE).toMatch(/NOT graded/);
  });
});

describe('Autolab feedback', () => {
  it('shows visible tests with their verdict and the output of failures; never a hidden test', () => {
    const text = renderAutolabFeedback(makeReport());
    expect(text).toContain('[PASS] 1.1 TestBasic1 (5/5)');
    expect(text).toContain('[FAIL] 1.2 TestBasic2 (0/5)');
    expect(text).toContain('    kv_test.go:91: expected 100 keys after Put, got 97');
    expect(text).toContain('[ERROR] 2.2 TestCrashRecovery (0/10)');
    expect(text).not.toContain('TestHidden');
    expect(text).not.toContain('TestSlowClient');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('is cut to its budget, keeping head and tail', () => {
    const tests = Array.from({ length: 30 }, (_, i) => makeTest({ suite: 's', name: `TestBig${i}`, verdict: 'failed', output: 'y'.repeat(100_000) }));
    const text = renderAutolabFeedback(makeReport({ tests }), { maxBytes: 64 * 1024 });
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(64 * 1024 + 1);
    expect(text).toContain('bytes omitted');
  });
});
