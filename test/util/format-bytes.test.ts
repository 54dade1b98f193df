import { describe, expect, it } from 'vitest';
import { formatBytes, groupDigits } from '../../src/util/format-bytes.js';

describe('formatBytes (the one size format: intake limits, the output-limit verdict)', () => {
  it('uses binary units with one decimal, dropped when it is 0', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(64 * 1024 * 1024)).toBe('64 MiB');
    expect(formatBytes(70 * 1024 * 1024 + 100)).toBe('70 MiB');
  });
});

describe('groupDigits (exact counts: omitted-bytes markers)', () => {
  it('groups thousands, whatever the locale', () => {
    expect(groupDigits(0)).toBe('0');
    expect(groupDigits(999)).toBe('999');
    expect(groupDigits(123456)).toBe('123,456');
    expect(groupDigits(1234567)).toBe('1,234,567');
  });
});
