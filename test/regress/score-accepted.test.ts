import { describe, expect, it } from 'vitest';
import { scoreAccepted } from '../../src/regress/regress.js';

describe('scoreAccepted', () => {
  it('without a range, only the expected score (up to float noise)', () => {
    expect(scoreAccepted(94, 94)).toBe(true);
    expect(scoreAccepted(0.1 + 0.2, 0.3)).toBe(true);
    expect(scoreAccepted(92, 94)).toBe(false);
    expect(scoreAccepted(94.5, 94)).toBe(false);
  });

  it('with a range, anything inside it, the bounds included', () => {
    expect(scoreAccepted(92, 94, [92, 94])).toBe(true);
    expect(scoreAccepted(93, 94, [92, 94])).toBe(true);
    expect(scoreAccepted(94, 94, [92, 94])).toBe(true);
    expect(scoreAccepted(91.5, 94, [92, 94])).toBe(false);
    expect(scoreAccepted(94.5, 94, [92, 94])).toBe(false);
  });
});
