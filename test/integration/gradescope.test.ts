/**
 * `dsgrade gradescope` in a Gradescope-shaped folder: results.json is always written and always
 * valid — for a graded submission, when the time budget runs out, and when dsgrade itself fails.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGradescope } from '../../src/gradescope/run.js';
import { validateGradescopeResults, type GradescopeResults } from '../../src/report/gradescope.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const PROJECT = path.resolve('projects/p0-kvserver');
let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-gs-'));
  await fs.mkdir(path.join(root, 'submission'), { recursive: true });
  for (const f of ['server_impl.go', 'squarer_test.go']) await fs.copyFile(path.join(PROJECT, 'reference', f), path.join(root, 'submission', f));
  await fs.writeFile(path.join(root, 'submission_metadata.json'), JSON.stringify({ id: 42, users: [{ email: 's@example.edu', name: 'S' }] }));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function readResults(): Promise<GradescopeResults> {
  const results = JSON.parse(await fs.readFile(path.join(root, 'results', 'results.json'), 'utf8')) as GradescopeResults;
  expect(validateGradescopeResults(results)).toEqual([]);
  return results;
}

describe('dsgrade gradescope', () => {
  it('grades the submission and writes a valid results.json with the nonce', async () => {
    process.env.DSGRADE_NONCE = 'staff-secret-1234';
    try {
      const r = await runGradescope({ root, project: PROJECT, budgetSec: 600 });
      expect(r.outcome).toBe('graded');
    } finally {
      delete process.env.DSGRADE_NONCE;
    }
    const results = await readResults();
    expect(results.extra_data?.nonce).toBe('staff-secret-1234');
    expect(results.score).toBe(25);
    expect(results.tests!.every((t) => t.status === 'passed')).toBe(true);
  });

  it('when the time budget runs out: what finished is kept, the rest is marked not graded, nothing survives', async () => {
    const r = await runGradescope({ root, project: PROJECT, budgetSec: 12 });
    expect(r.outcome).toBe('budget-exhausted');
    const results = await readResults();
    const notGraded = results.tests!.filter((t) => /time budget \(12 s\) ran out/.test(t.output ?? ''));
    expect(notGraded.length).toBeGreaterThan(0);
    expect(results.tests!.some((t) => t.status === 'passed')).toBe(true);
    expect(results.extra_data?.budgetExhausted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(liveGroupCount()).toBe(0);
  });

  it('when dsgrade itself fails (a broken project): a grader-error result, never a missing file', async () => {
    const broken = path.join(root, 'broken-project');
    await fs.mkdir(broken);
    await fs.writeFile(path.join(broken, 'dsgrade.json'), '{ "name": ');
    const r = await runGradescope({ root, project: broken });
    expect(r.outcome).toBe('grader-error');
    const results = await readResults();
    expect(results.score).toBe(0);
    expect(results.tests![0]?.name).toBe('Autograder error');
    expect(String(results.extra_data?.graderError)).toMatch(/invalid JSON in project manifest/);
  });
});
