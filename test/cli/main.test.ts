/**
 * Command-line values that must round-trip: a seed printed in a report is exactly the one
 * `--seed` accepts again, and nothing else is accepted.
 */
import { describe, expect, it } from 'vitest';
import { parseSeed } from '../../src/cli/main.js';
import { MAX_SEED } from '../../src/util/limits.js';

describe('--seed', () => {
  it('accepts decimal whole numbers from 0 to 2^31 − 1, which JSON and the CLI print identically', () => {
    for (const n of [0, 7, 1804289383, MAX_SEED]) {
      expect(parseSeed(String(n))).toBe(n);
      expect(parseSeed(JSON.stringify(JSON.parse(String(n))))).toBe(n);
    }
    expect(MAX_SEED).toBe(2 ** 31 - 1);
  });

  it('rejects what would not replay, naming the range', () => {
    for (const v of ['99999999999999999999999', '1e+23', '2147483648', '-1', '0x10', '1.5', '', 'seven']) {
      expect(() => parseSeed(v), v).toThrow(`--seed must be a whole number from 0 to 2147483647 (got ${v})`);
    }
  });
});
