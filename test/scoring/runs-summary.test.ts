import { describe, expect, it } from 'vitest';
import type { Attempt, Verdict } from '../../src/model.js';
import { DEFAULT_REPLAYS, MAX_RERUN_LINES, passRateText, rerunLine, runsHeadline, runsLines, summarizeRuns } from '../../src/scoring/runs-summary.js';

const run = (verdict: Verdict, seed: number): Attempt => ({ verdict, durationMs: 1, reason: verdict === 'passed' ? '' : 'x', seed });
const rerun = (seed: number) => `RPC_SEED=${seed} go test -run '^TestX$' ./raft`;
const eight = [run('passed', 1), run('failed', 123), run('passed', 3), run('passed', 4), run('failed', 456), run('passed', 6), run('passed', 7), run('passed', 8)];

describe('summarizeRuns', () => {
  it('is undefined for a single run', () => {
    expect(summarizeRuns([run('failed', 1)], 'every run must pass', undefined, rerun)).toBeUndefined();
  });

  it('counts, rates and lists each failing run with its number, seed and rerun command', () => {
    const s = summarizeRuns(eight, 'every run must pass', 'the same network faults', rerun)!;
    expect(s).toMatchObject({ counted: 8, passed: 6, failed: 2, errors: 0, passRate: 0.75, replays: 'the same network faults' });
    expect(s.failing).toEqual([
      { run: 2, seed: 123, rerun: rerun(123) },
      { run: 5, seed: 456, rerun: rerun(456) },
    ]);
    expect(s.interval!.low).toBeCloseTo(0.4093, 3);
    expect(s.interval!.high).toBeCloseTo(0.9285, 3);
  });

  it('keeps undecided runs out of the pass rate and promises only the seed when the suite does not say more', () => {
    const s = summarizeRuns([run('passed', 1), run('error', 2), run('failed', 3)], 'r', undefined, rerun)!;
    expect(s).toMatchObject({ counted: 3, passed: 1, failed: 1, errors: 1, passRate: 0.5, replays: DEFAULT_REPLAYS });
    expect(runsHeadline(s)).toBe('passed 1 of 3 runs, 1 could not be decided (failing seed 3)');
    const none = summarizeRuns([run('error', 1), run('error', 2)], 'r', undefined, rerun)!;
    expect(none.passRate).toBeUndefined();
    expect(passRateText(none)).toBeUndefined();
  });
});

describe('the words', () => {
  const s = summarizeRuns(eight, 'every run must pass', 'the same network faults', rerun)!;

  it('headline: "passed 6 of 8 runs (failing seeds 123, 456)"', () => {
    expect(runsHeadline(s)).toBe('passed 6 of 8 runs (failing seeds 123, 456)');
    expect(runsHeadline(summarizeRuns([run('passed', 1), run('passed', 2)], 'r', undefined, rerun)!)).toBe('passed 2 of 2 runs');
  });

  it('the pass rate with its Wilson interval', () => {
    expect(passRateText(s)).toBe('pass rate 75 % (95 % confidence interval 41 %–93 %, Wilson)');
  });

  it('a rerun line never claims to reproduce the run', () => {
    const line = rerunLine(s, s.failing[0]!);
    expect(line).toBe(`Run 2 (seed 123) reruns with the same network faults — not the same goroutine interleaving, so it may pass — in the module folder with the staff tests: ${rerun(123)}`);
    expect(line).not.toMatch(/reproduc/i);
  });

  it('output lines: headline, rule and score, flakiness, and at most MAX_RERUN_LINES rerun lines', () => {
    const lines = runsLines(s, { score: 0, maxScore: 15 });
    expect(lines[0]).toBe('Passed 6 of 8 runs (failing seeds 123, 456): pass rate 75 % (95 % confidence interval 41 %–93 %, Wilson).');
    expect(lines[1]).toBe('Scoring rule: every run must pass; this test scores 0 of 15 points.');
    expect(lines[2]).toMatch(/flaky/);
    expect(lines.filter((l) => l.startsWith('Run '))).toHaveLength(2);
    const many = summarizeRuns(Array.from({ length: 9 }, (_, i) => run('failed', i)), 'r', undefined, rerun)!;
    const manyLines = runsLines(many, { score: 0, maxScore: 1 });
    expect(manyLines.filter((l) => l.startsWith('Run '))).toHaveLength(MAX_RERUN_LINES);
    expect(manyLines.at(-1)).toMatch(/^\(4 more failing runs/);
    expect(manyLines.some((l) => /flaky/.test(l))).toBe(false);
    expect(runsHeadline(many)).toBe('passed 0 of 9 runs (failing seeds 0, 1, 2, 3, 4, 5, 6, 7, … (9 in all))');
  });
});
