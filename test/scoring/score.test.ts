import { describe, expect, it } from 'vitest';
import { roundPoints, sumScores } from '../../src/scoring/score.js';

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
