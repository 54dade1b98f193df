/**
 * The P0 scenarios (projects/p0-kvserver, suite `scenarios`) on the reference and on the mutants
 * they are meant to catch, with real processes through the fault proxy.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { withMutantSubmission } from '../../src/regress/mutant-submission.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const PROJECT = path.resolve('projects/p0-kvserver');
let project: LoadedManifest;

beforeAll(async () => {
  project = await loadManifest(PROJECT);
});

async function verdicts(submission: string, only: string[]): Promise<Record<string, string>> {
  const r = await gradeSubmission({ project, submission: path.resolve(PROJECT, submission), only, seed: 1234 });
  expect(liveGroupCount()).toBe(0);
  return Object.fromEntries(r.tests.map((t) => [t.id, t.verdict]));
}

describe('P0 scenarios', () => {
  it('the reference passes every scenario', async () => {
    expect(await verdicts('reference', ['scenarios/*'])).toEqual({
      'scenarios/slow-readers': 'passed',
      'scenarios/killed-clients': 'passed',
      'scenarios/partitioned-clients': 'passed',
      'scenarios/close-stops-listening': 'passed',
    });
  });


  it('each mutant fails the scenarios listed among its catchers', async () => {
    for (const m of project.manifest.mutants) {
      const catchers = m.catchers.filter((c) => c.startsWith('scenarios/'));
      if (catchers.length === 0) continue;
      const got = await withMutantSubmission(project.manifest, m, (dir) => verdicts(dir, catchers));
      for (const c of catchers) expect(`${m.name}: ${c} ${got[c]}`).toBe(`${m.name}: ${c} failed`);
    }
  });
});
