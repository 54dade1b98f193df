/**
 * The Gradescope host's delivery (what runGradescope writes once grading ends), from a finished
 * run: the project's testOutputBytes and the rerun line a student can type. No Go.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverGradescope } from '../../src/gradescope/run.js';
import type { LoadedManifest } from '../../src/manifest/load.js';
import type { BudgetedRun } from '../../src/pipeline/budgeted-run.js';
import type { GradescopeResults } from '../../src/report/gradescope-results.js';
import { makeReport, makeTest } from '../report/fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-gs-deliver-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const project = (testOutputBytes: number): LoadedManifest => ({ manifest: { limits: { testOutputBytes, processOutputBytes: 1 << 20 } }, staffFiles: new Map(), warnings: [] }) as unknown as LoadedManifest;

describe('deliverGradescope', () => {
  it("cuts each test's output to the manifest's limits.testOutputBytes and names the rerun command in dsgrade's order", async () => {
    const report = makeReport({ seed: 31, tests: [makeTest({ suite: 'a', name: 'TestLoud', verdict: 'failed', output: 'y'.repeat(150_000) })], score: 0, maxScore: 5 });
    const run: BudgetedRun = { outcome: 'graded', report, project: project(4096) };
    const file = path.join(tmp, 'results', 'results.json');
    const result = await deliverGradescope(file, run, report.nonce, () => undefined);
    expect(result).toMatchObject({ outcome: 'graded', score: 0 });
    const written = JSON.parse(await fs.readFile(file, 'utf8')) as GradescopeResults;
    const bytes = Buffer.byteLength(written.tests![0]!.output ?? '', 'utf8');
    expect(bytes).toBeLessThanOrEqual(4096);
    expect(bytes).toBeGreaterThan(2048);
    expect(written.output).toContain('Rerun everything locally: dsgrade grade <your submission> --project <project folder> --seed 31');
  });

  it('marks a partial run in extra_data and still writes a valid file', async () => {
    const report = makeReport();
    const file = path.join(tmp, 'partial.json');
    await deliverGradescope(file, { outcome: 'budget-exhausted', report, project: project(65_536) }, report.nonce, () => undefined);
    expect((JSON.parse(await fs.readFile(file, 'utf8')) as GradescopeResults).extra_data).toMatchObject({ budgetExhausted: true });
  });
});
