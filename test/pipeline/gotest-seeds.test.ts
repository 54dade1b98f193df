/**
 * The seeds of a go test's runs, and how pass-rate grading composes with overload voiding: a
 * voided run is redone with its own seed and never counts as a failed run.
 */
import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../src/model.js';
import { nextRunSeed, seedEnvOf, seedRerunCommand, testSeed } from '../../src/pipeline/gotest-seeds.js';
import { countedAttempts } from '../../src/scoring/overload.js';
import { scoreRuns } from '../../src/scoring/pass-rule.js';
import { wantsAnotherRun } from '../../src/scoring/retry.js';
import { summarizeRuns } from '../../src/scoring/runs-summary.js';

const ID = '2B/TestFigure8_2B';

describe('testSeed', () => {
  it('differs between runs and tests, is the same for the same grade seed, and fits a positive int32', () => {
    const seeds = Array.from({ length: 8 }, (_, i) => testSeed(42, ID, i));
    expect(new Set(seeds).size).toBe(8);
    expect(Array.from({ length: 8 }, (_, i) => testSeed(42, ID, i))).toEqual(seeds);
    expect(testSeed(42, '2B/TestBackup2B', 1)).not.toBe(seeds[1]);
    expect(testSeed(43, ID, 1)).not.toBe(seeds[1]);
    for (const s of seeds) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(0x7fffffff);
    }
  });

  it('run 0 keeps the seed a single-run test always had (sha256 of "<seed>\\0<id>")', () => {
    // The first 32 bits of sha256("42\0" + ID) masked to 31, from `printf '42\0%s' 2B/TestFigure8_2B | sha256sum`.
    expect(testSeed(42, ID)).toBe(614201752);
    expect(testSeed(42, ID, 0)).toBe(614201752);
  });
});

describe('the seed environment and the rerun command of one run', () => {
  it('hands the seed in DSGRADE_SEED and the suite seedEnv', () => {
    expect(seedEnvOf(123, 'RPC_SEED')).toEqual({ DSGRADE_SEED: '123', RPC_SEED: '123' });
    expect(seedEnvOf(123, undefined)).toEqual({ DSGRADE_SEED: '123' });
  });

  it('reruns exactly that seed with go test in the module folder', () => {
    expect(seedRerunCommand({ package: 'raft', seedEnv: 'RPC_SEED' }, { name: 'TestFigure8_2B', race: true }, 123)).toBe("DSGRADE_SEED=123 RPC_SEED=123 go test -race -count=1 -run '^TestFigure8_2B$' ./raft");
    expect(seedRerunCommand({ package: 'p0partA', seedEnv: undefined }, { name: 'TestBasic1', race: false }, 7)).toBe("DSGRADE_SEED=7 go test -count=1 -run '^TestBasic1$' ./p0partA");
  });
});

describe('pass rate and overload compose', () => {
  const run = (verdict: Attempt['verdict'], seed: number, voided = false): Attempt => ({ verdict, durationMs: 1, reason: verdict === 'failed' ? 'x' : '', seed, ...(voided ? { voided: 'overload' as const } : {}) });

  it('a voided run is redone with its own seed', () => {
    const attempts: Attempt[] = [run('passed', testSeed(9, ID, 0)), run('failed', testSeed(9, ID, 1), true)];
    expect(nextRunSeed(9, ID, attempts)).toBe(testSeed(9, ID, 1));
    attempts.push(run('passed', testSeed(9, ID, 1)));
    expect(nextRunSeed(9, ID, attempts)).toBe(testSeed(9, ID, 2));
  });

  it('a voided run is not a run: the test still gets its N counted runs, and the rate is over them', () => {
    const spec = { runs: 4, points: 8, passRule: { rule: 'rate' as const } };
    const attempts: Attempt[] = [run('passed', 1), run('failed', 2, true), run('passed', 2), run('failed', 3), run('passed', 4)];
    expect(wantsAnotherRun(spec, countedAttempts(attempts.slice(0, 4)))).toBe(true);
    expect(wantsAnotherRun(spec, countedAttempts(attempts))).toBe(false);
    const counted = countedAttempts(attempts);
    expect(scoreRuns(counted, spec.points, spec.passRule)).toEqual({ verdict: 'failed', score: 6, flaky: true });
    const s = summarizeRuns(counted, 'r', undefined, (seed) => `rerun ${seed}`)!;
    expect(s).toMatchObject({ counted: 4, passed: 3, failed: 1 });
    expect(s.failing).toEqual([{ run: 3, seed: 3, rerun: 'rerun 3' }]);
  });
});
