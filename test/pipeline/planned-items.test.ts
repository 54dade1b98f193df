/**
 * `--only` patterns that select nothing: a usage error naming each pattern, the ids it probably
 * meant and every id the project has — never a silent "Score: 0/0".
 */
import { describe, expect, it } from 'vitest';
import { DsgradeError } from '../../src/errors.js';
import { loadManifest } from '../../src/manifest/load.js';
import { checkOnly } from '../../src/pipeline/planned-items.js';

const { manifest } = await loadManifest('projects/p0-kvserver');

function error(only: string[]): DsgradeError {
  try {
    checkOnly(manifest, only);
  } catch (err) {
    if (err instanceof DsgradeError) return err;
    throw err;
  }
  throw new Error(`checkOnly accepted ${only.join(',')}`);
}

describe('checkOnly', () => {
  it('accepts ids, suites, globs and nothing at all', () => {
    for (const only of [undefined, [], ['partA/TestBasic1'], ['partA'], ['scenarios/*'], ['partA/TestSlow*', 'build'], ['check/gofmt']]) {
      expect(() => checkOnly(manifest, only)).not.toThrow();
    }
  });

  it('names every pattern that matched nothing, with the closest ids and the whole list', () => {
    const e = error(['partA/TestBasic1', 'partA/TestBasik2', 'scenario/killed']);
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('--only matched nothing in project p0-kvserver: "partA/TestBasik2", "scenario/killed"');
    expect(e.fix).toMatch(/did you mean partA\/TestBasic2\b.*scenarios\/killed-clients/);
    expect(e.fix).toContain('scenarios/{slow-readers,killed-clients,partitioned-clients,close-stops-listening}');
    expect(e.fix).toContain('partB/{correct,close-leaks,double-send,blocks-after-close,extra-zero,leaks-goroutine}');
  });

  it('a glob that matches nothing is reported too', () => {
    expect(error(['partC/*']).message).toMatch(/"partC\/\*"/);
  });
});
