/**
 * The one results writer: every format through writeResults with the project's limit and the
 * run's rerun line, schema-checked, atomic. Tiny reports, no Go.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGradescopeResults, type GradescopeResults } from '../../src/report/gradescope-results.js';
import type { PrairieLearnResults } from '../../src/report/prairielearn-results.js';
import { DEFAULT_TEST_OUTPUT_BYTES, resultsLimits, writeResults } from '../../src/report/results-writer.js';
import { makeReport, makeTest } from './fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-results-writer-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const loud = (): ReturnType<typeof makeReport> =>
  makeReport({ tests: [makeTest({ suite: 'a', name: 'TestLoud', verdict: 'failed', output: 'x'.repeat(200_000), maxScore: 2 }), makeTest({ suite: 'a', name: 'TestQuiet' })], score: 5, maxScore: 7 });

describe('resultsLimits', () => {
  it("takes the manifest's testOutputBytes and appends the seed to the rerun base", () => {
    expect(resultsLimits({ limits: { testOutputBytes: 4096, processOutputBytes: 1 } }, 'dsgrade grade s --project p', 9)).toEqual({ testOutputBytes: 4096, rerunAll: 'dsgrade grade s --project p --seed 9' });
  });
  it("uses the manifest's default when the project did not load", () => {
    expect(resultsLimits(undefined, 'r', 1).testOutputBytes).toBe(DEFAULT_TEST_OUTPUT_BYTES);
  });
});

describe('writeResults', () => {
  const limits = { testOutputBytes: 2048, rerunAll: 'dsgrade grade handin.zip --project p0 --seed 4242' };

  it('Gradescope: each test within the limit, the rerun line in the header, extra_data merged', async () => {
    const file = path.join(tmp, 'gs', 'results.json');
    await writeResults('gradescope', file, loud(), limits, { gradescopeExtra: { budgetExhausted: true } });
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as GradescopeResults;
    for (const t of r.tests!) expect(Buffer.byteLength(t.output ?? '', 'utf8')).toBeLessThanOrEqual(2048);
    expect(r.output).toContain('Rerun everything locally: dsgrade grade handin.zip --project p0 --seed 4242');
    expect(r.extra_data).toMatchObject({ budgetExhausted: true });
  });

  it('PrairieLearn: each test within the limit, score as a fraction', async () => {
    const file = path.join(tmp, 'pl.json');
    await writeResults('prairielearn', file, loud(), limits);
    const r = JSON.parse(await fs.readFile(file, 'utf8')) as PrairieLearnResults;
    for (const t of r.tests!) expect(Buffer.byteLength(t.output ?? '', 'utf8')).toBeLessThanOrEqual(2048);
    expect(r.score).toBeCloseTo(5 / 7);
  });

  it('Autolab: one JSON line with the problems; JUnit: XML', async () => {
    await writeResults('autolab', path.join(tmp, 'al.json'), loud(), limits, { autolabProblems: [{ name: 'a', maxScore: 7, suites: ['a'] }] });
    expect(await fs.readFile(path.join(tmp, 'al.json'), 'utf8')).toMatch(/^\{"scores":\{"a":5\}.*\}\n$/);
    await writeResults('junit', path.join(tmp, 'j.xml'), loud(), limits);
    expect(await fs.readFile(path.join(tmp, 'j.xml'), 'utf8')).toMatch(/^<\?xml/);
  });

  it('writes nothing when the result would be invalid (a dsgrade bug), and says so', async () => {
    const file = path.join(tmp, 'bad.json');
    const bad = loud();
    bad.tests[0]!.score = Number.NaN;
    await expect(writeResults('gradescope', file, bad, limits)).rejects.toThrow(/invalid Gradescope results/);
    await expect(fs.access(file)).rejects.toThrow();
  });
});

describe('the Gradescope header', () => {
  it('without a rerun command, names the arguments in the order dsgrade grade takes them', () => {
    const r = toGradescopeResults(makeReport({ seed: 7 }), { testOutputBytes: 65_536 });
    expect(r.output).toContain('Rerun everything locally: dsgrade grade <your submission> --project <project folder> --seed 7');
  });
});
