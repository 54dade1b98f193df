/**
 * regress over several references: each is graded in full (also in quick mode), each must get full
 * marks, and each has its own row. Grading itself is replaced by a stub that scores a submission
 * by its folder, so this runs without the Go toolchain; the real thing is
 * test/integration/p1-regression.test.ts.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoadedManifest } from '../../src/manifest/load.js';
import type { Manifest } from '../../src/manifest/types.js';
import type { GradeReport } from '../../src/model.js';

const graded: { submission: string; only?: string[] }[] = [];
/** Score per submission folder; 10 is full marks. */
const scores: Record<string, number> = {};
/** Per submission folder: the tests of its report, when a case needs more than the score. */
const testsOf: Record<string, unknown[]> = {};

vi.mock('../../src/pipeline/grade.js', () => ({
  gradeSubmission: async (opts: { submission: string; only?: string[]; seed?: number }): Promise<GradeReport> => {
    graded.push({ submission: opts.submission, ...(opts.only ? { only: opts.only } : {}) });
    const score = scores[opts.submission] ?? 10;
    const failed = score < 10 ? [{ id: 'a/TestX', verdict: 'failed', summary: 'wrong', attempts: [{ verdict: 'failed', durationMs: 1, reason: 'wrong' }] }] : [];
    return { score, maxScore: 10, tests: testsOf[opts.submission] ?? failed, durationMs: 1, seed: opts.seed ?? 0 } as unknown as GradeReport;
  },
}));

const { regress, referenceRowName } = await import('../../src/regress/regress.js');

function project(references: Manifest['references']): LoadedManifest {
  const manifest = {
    references,
    ...(references[0] ? { reference: references[0].path } : {}),
    mutants: [{ name: 'broken', path: '/m/broken', expectedScore: 4, catchers: ['a/TestX'] }],
  } as unknown as Manifest;
  return { manifest, staffFiles: new Map(), warnings: [] };
}

beforeEach(() => {
  graded.length = 0;
  for (const k of Object.keys(scores)) delete scores[k];
  for (const k of Object.keys(testsOf)) delete testsOf[k];
  scores['/m/broken'] = 4;
});

describe('regress with several references', () => {
  const refs = [
    { name: 'main', path: '/r/main' },
    { name: 'permissive', path: '/r/permissive', description: 'takes every liberty' },
  ];

  it('grades every reference, primary first, one row each named reference:<name>', async () => {
    const rows = await regress({ project: project(refs), seed: 3 });
    expect(rows.map((r) => [r.kind, r.name, r.ok])).toEqual([
      ['reference', 'reference:main', true],
      ['reference', 'reference:permissive', true],
      ['mutant', 'broken', true],
    ]);
    expect(graded.map((g) => g.submission)).toEqual(['/r/main', '/r/permissive', '/m/broken']);
  });

  it('a reference below full marks is a mismatch of its own row only', async () => {
    scores['/r/permissive'] = 9;
    const rows = await regress({ project: project(refs), mutants: [] });
    expect(rows.map((r) => [r.name, r.ok, r.got, r.expected])).toEqual([
      ['reference:main', true, 10, 10],
      ['reference:permissive', false, 9, 10],
    ]);
    expect(rows[1]!.notable).toEqual([{ id: 'a/TestX', verdict: 'failed', summary: 'wrong' }]);
  });

  it('a reference at full marks whose test failed one run under a pass rule is a staff bug, not OK', async () => {
    // Passed under "at least 75 % of 4 runs": full marks, but run 2 (seed 77) failed on a correct solution.
    const runs = ['passed', 'failed', 'passed', 'passed'].map((verdict, i) => ({ verdict, durationMs: 1, reason: verdict === 'failed' ? 'two leaders in term 3' : '', seed: 70 + i * 7 }));
    testsOf['/r/main'] = [{ id: 'a/TestX', verdict: 'passed', summary: '', attempts: runs }];
    testsOf['/r/permissive'] = [{ id: 'a/TestX', verdict: 'passed', summary: '', attempts: [{ ...runs[1], voided: 'overload' }, runs[0]] }];
    const rows = await regress({ project: project(refs), mutants: [] });
    expect(rows.map((r) => [r.name, r.ok, r.got])).toEqual([
      ['reference:main', false, 10],
      ['reference:permissive', true, 10],
    ]);
    expect(rows[0]!.staffBugs).toEqual([{ id: 'a/TestX', runs: 4, failedRuns: 1, seeds: [77], reason: 'two leaders in term 3' }]);
    // A run voided by overload is not the test's failure.
    expect(rows[1]!.staffBugs).toEqual([]);
  });

  it('quick mode grades every reference in full and mutants with their catchers only', async () => {
    const rows = await regress({ project: project(refs), quick: true });
    expect(graded).toEqual([{ submission: '/r/main' }, { submission: '/r/permissive' }, { submission: '/m/broken', only: ['a/TestX'] }]);
    expect(rows.every((r) => r.ok)).toBe(true);
    // The mutant's catcher failed its one run.
    expect(rows[2]!.catcherRuns).toEqual({ failed: 1, total: 1 });
  });

  it('the shorthand\'s one reference keeps the row name "reference"', async () => {
    const rows = await regress({ project: project([{ name: 'reference', path: '/r/ref' }]), mutants: [] });
    expect(rows.map((r) => r.name)).toEqual(['reference']);
    expect(referenceRowName({ name: 'reference' })).toBe('reference');
    expect(referenceRowName({ name: 'eventloop' })).toBe('reference:eventloop');
  });

  it('a project without references grades only its mutants', async () => {
    const rows = await regress({ project: project([]) });
    expect(rows.map((r) => r.name)).toEqual(['broken']);
  });
});
