import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem, globSample, hasDoubleStar, matchesGlob } from '../../src/util/glob.js';

describe('globs', () => {
  it.each([
    ['**/*.go', 'a.go', true],
    ['**/*.go', 'bitcoin/server/a.go', true],
    ['**/*.go', 'bitcoin/a.txt', false],
    ['lspnet/**', 'lspnet/conn.go', true],
    ['lspnet/**', 'lspnet/sub/x.go', true],
    ['lspnet/**', 'lspnet', false],
    ['lspnet/**', 'lsp/x.go', false],
    ['bitcoin/**/*.go', 'bitcoin/common.go', true],
    ['bitcoin/**/*.go', 'bitcoin/server/util/x.go', true],
    ['bitcoin/**/*.go', 'xbitcoin/a.go', false],
    ['**/*_test.go', 'lsp/basic_test.go', true],
    ['**/*_test.go', 'lsp/basic.go', false],
    ['**', 'anything/at/all', true],
    ['lsp/*.go', 'lsp/sub/a.go', false],
  ])('%s matches %s: %s', (glob, p, want) => {
    expect(matchesGlob(glob, p)).toBe(want);
  });

  it('* and ? never cross a folder', () => {
    expect(compileGlob('a*').test('a/b')).toBe(false);
    expect(compileGlob('a?b').test('a/b')).toBe(false);
  });

  it('globProblem names malformed globs', () => {
    expect(globProblem('lsp/*.go')).toBeUndefined();
    expect(globProblem('**/*.go')).toBeUndefined();
    expect(globProblem('lsp/**.go')).toMatch(/whole folder name/);
    expect(globProblem('lsp//a.go')).toMatch(/empty folder name/);
    expect(globProblem('**/**')).toMatch(/means the same/);
    expect(globProblem('')).toBe('is empty');
  });

  it('globSample is a path the glob matches', () => {
    for (const g of ['lsp/*.go', 'bitcoin/**/*.go', '**/*_test.go', 'lspnet/**', 'a?.go']) expect(matchesGlob(g, globSample(g))).toBe(true);
    expect(hasDoubleStar('a/**/b')).toBe(true);
    expect(hasDoubleStar('a/x**')).toBe(false);
  });
});
