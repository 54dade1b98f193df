import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRAIRIELEARN_MAX_BYTES, prairieLearnNotGradable, toPrairieLearnResults, validatePrairieLearnResults, writePrairieLearnResults } from '../../src/report/prairielearn-results.js';
import { makeReport, makeTest } from './fixtures.js';

describe('PrairieLearn results.json', () => {
  it('a graded run: score as a fraction, one test per result, schema-valid', () => {
    const report = makeReport({ tests: [makeTest({ suite: 'partA', name: 'TestBasic1', number: '1.1' }), makeTest({ suite: 'partA', name: 'TestBasic2', verdict: 'failed', summary: 'expected 100 keys, got 97', output: 'kv_test.go:91: boom' })] });
    const r = toPrairieLearnResults(report);
    expect(validatePrairieLearnResults(r)).toEqual([]);
    expect(r.gradable).toBe(true);
    expect(r.score).toBe(0.5);
    expect(r.tests).toHaveLength(2);
    expect(r.tests![0]).toMatchObject({ name: '1.1 TestBasic1', points: 5, max_points: 5, message: 'ok' });
    expect(r.tests![1]).toMatchObject({ name: 'TestBasic2', points: 0, max_points: 5, message: 'expected 100 keys, got 97' });
    expect(r.tests![1]!.output).toContain('kv_test.go:91: boom');
    expect(r.message).toContain('Score: 5/10');
  });

  it('a test dsgrade could not decide makes the run not gradable: the attempt is not counted', () => {
    const r = toPrairieLearnResults(makeReport());
    expect(validatePrairieLearnResults(r)).toEqual([]);
    expect(r.gradable).toBe(false);
    expect(r.message).toMatch(/could not decide 1 test \(harness error\).*does not count as an attempt/);
  });

  it('a failed run (grader error) is not gradable and says so', () => {
    const r = prairieLearnNotGradable('invalid JSON in project manifest: /grade/tests/dsgrade.json');
    expect(validatePrairieLearnResults(r)).toEqual([]);
    expect(r).toMatchObject({ gradable: false, score: 0 });
    expect(r.message).toContain('not in your code');
    expect(r.output).toContain('invalid JSON in project manifest');
  });

  it('hidden tests count in the score but show neither name nor output', () => {
    const report = makeReport({ tests: [makeTest({ suite: 'final', name: 'TestSecret', number: '2.3', visibility: 'hidden', verdict: 'failed', output: 'secret detail' })] });
    const r = toPrairieLearnResults(report);
    expect(r.tests![0]).toEqual({ name: 'Hidden test 2.3', points: 0, max_points: 5, message: '', output: 'Course staff keep the details of this test hidden.' });
    expect(JSON.stringify(r)).not.toContain('TestSecret');
    expect(JSON.stringify(r)).not.toContain('secret detail');
  });

  it('stays under 1 MB however much the tests print, and stays valid', () => {
    const flood = '\u0001x"\\\n'.repeat(60_000);
    const tests = Array.from({ length: 20 }, (_, i) => makeTest({ suite: 's', name: `TestFlood${i}`, verdict: 'failed', output: flood }));
    const r = toPrairieLearnResults(makeReport({ tests }));
    const bytes = Buffer.byteLength(`${JSON.stringify(r)}\n`, 'utf8');
    expect(bytes).toBeLessThanOrEqual(PRAIRIELEARN_MAX_BYTES);
    expect(bytes).toBeGreaterThan(PRAIRIELEARN_MAX_BYTES / 10);
    expect(validatePrairieLearnResults(r)).toEqual([]);
    expect(r.tests).toHaveLength(20);
    expect(r.tests![0]!.output).toContain('bytes omitted from the middle');
  });

  it('the schema refuses what PrairieLearn would not read', () => {
    expect(validatePrairieLearnResults({ gradable: true })).toContainEqual({ pointer: '/', message: "must have required property 'score'" });
    expect(validatePrairieLearnResults({ gradable: true, score: 1.5 })).toContainEqual({ pointer: '/score', message: 'must be <= 1' });
    expect(validatePrairieLearnResults({ gradable: true, score: 1, tests: [{ name: 'x', points: 1 }] })).toContainEqual({ pointer: '/tests/0', message: "must have required property 'max_points'" });
    expect(validatePrairieLearnResults({ gradable: true, score: 1, scroe: 1 })).toContainEqual({ pointer: '/', message: 'unknown key "scroe"' });
  });

  it('writes atomically what validates, and nothing otherwise', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-pl-'));
    try {
      const file = path.join(dir, 'results', 'results.json');
      await writePrairieLearnResults(file, prairieLearnNotGradable('x'));
      expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ gradable: false });
      const bad = path.join(dir, 'bad.json');
      await expect(writePrairieLearnResults(bad, { gradable: true, score: 2 })).rejects.toThrow(/invalid PrairieLearn results: .*\/score: must be <= 1/);
      await expect(fs.access(bad)).rejects.toThrow();
      expect((await fs.readdir(dir)).sort()).toEqual(['results']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
