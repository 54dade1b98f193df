import { describe, expect, it } from 'vitest';
import { goVersionDifference, goVersionNotice, majorMinor } from '../../src/go/go-version.js';

describe('go.version against the Go that builds (#10 item 8)', () => {
  it('reads major.minor only', () => {
    expect(majorMinor('go1.26.8')).toBe('1.26');
    expect(majorMinor('1.21')).toBe('1.21');
    expect(majorMinor('1.21.5')).toBe('1.21');
    expect(majorMinor('go1.22rc1')).toBe('1.22');
    expect(majorMinor('unknown (golang:custom)')).toBeUndefined();
  });

  it('a patch difference is no difference', () => {
    expect(goVersionDifference('1.21', 'go1.21.13')).toBeUndefined();
    expect(goVersionNotice('1.21.0', 'go1.21.13')).toBeUndefined();
    expect(goVersionNotice(undefined, 'go1.26.8')).toBeUndefined();
    expect(goVersionNotice('1.21', 'unknown (img)')).toBeUndefined();
  });

  it('a newer Go is an info with both versions and the way to grade with the course\'s Go', () => {
    const n = goVersionNotice('1.21', 'go1.26.8');
    expect(n?.level).toBe('info');
    expect(n?.message).toContain('Built with Go 1.26.8; this course uses Go 1.21.');
    expect(n?.message).toContain('--backend docker --base-image golang:1.21');
  });

  it('an older Go is a warning', () => {
    const n = goVersionNotice('1.22', 'go1.21.13');
    expect(n?.level).toBe('warning');
    expect(n?.message).toMatch(/^Built with Go 1\.21\.13, older than the Go 1\.22 this course uses/);
  });
});
