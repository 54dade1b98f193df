/**
 * P0 part B through dsgrade, for real: realistic student tests (test/fixtures/p0-squarer-tests)
 * against the correct squarer and each buggy one, every implementation run `repeat` times. Each
 * buggy squarer breaks one of the course's promises in every run, so a test either catches it in
 * all runs or in none: the verdicts must match the expected catch sets exactly, and no result may
 * be flaky. The catch rates over 20 runs each are measured by `npm run bench partb-catch`.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import type { StudentTestSuite } from '../../src/manifest/types.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const PROJECT = path.resolve('projects/p0-kvserver');
const FIXTURES = path.resolve('test/fixtures/p0-squarer-tests');

let project: LoadedManifest;
let suite: StudentTestSuite;
let tmp: string;

beforeAll(async () => {
  project = await loadManifest(PROJECT);
  suite = project.manifest.suites.find((s): s is StudentTestSuite => s.kind === 'studenttests')!;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-p0-partb-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Grades part B of a submission made of the reference server and the given squarer_test.go. */
async function gradePartB(name: string, testFile: string) {
  const dir = path.join(tmp, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.copyFile(path.join(PROJECT, 'reference/server_impl.go'), path.join(dir, 'server_impl.go'));
  await fs.copyFile(testFile, path.join(dir, 'squarer_test.go'));
  const report = await gradeSubmission({ project, submission: dir, only: ['partB'], seed: 11 });
  expect(liveGroupCount()).toBe(0);
  return report.tests.filter((t) => t.suite === 'partB');
}

const CASES: { test: string; file: string; catches: string[] }[] = [
  { test: 'goroutines-gone', file: path.join(FIXTURES, 'goroutines-gone/squarer_test.go'), catches: ['close-leaks', 'blocks-after-close', 'extra-zero', 'leaks-goroutine'] },
  { test: 'pipelined', file: path.join(FIXTURES, 'pipelined/squarer_test.go'), catches: ['double-send', 'extra-zero'] },
  { test: 'send-after-close', file: path.join(FIXTURES, 'send-after-close/squarer_test.go'), catches: ['close-leaks', 'extra-zero'] },
  { test: 'reference-outbox', file: path.join(PROJECT, 'reference-outbox/squarer_test.go'), catches: ['close-leaks', 'double-send', 'blocks-after-close', 'extra-zero', 'leaks-goroutine'] },
];

describe('P0 part B: realistic student tests catch exactly the squarers whose broken promise they check', () => {
  it('the manifest runs each implementation 3 times', () => {
    expect(suite.repeat).toBe(3);
    expect(suite.buggy.map((b) => b.name).sort()).toEqual(['blocks-after-close', 'close-leaks', 'double-send', 'extra-zero', 'leaks-goroutine']);
  });

  for (const c of CASES) {
    it(`${c.test}: passes on the correct squarer, catches ${c.catches.join(', ')}, in every run`, async () => {
      const results = await gradePartB(c.test, c.file);
      const correct = results.find((t) => t.id === 'partB/correct')!;
      expect(correct.verdict, correct.output).toBe('passed');
      const caught = results.filter((t) => t.id !== 'partB/correct' && t.verdict === 'passed').map((t) => t.id.replace('partB/', ''));
      expect(caught.sort()).toEqual([...c.catches].sort());
      for (const t of results) {
        expect(t.flaky, `${t.id}: ${t.output}`).toBe(false);
        // Three runs, or one that hit the time limit and was not repeated.
        if (t.attempts.length !== 3) expect([t.attempts.length, t.output]).toEqual([1, expect.stringMatching(/did not finish within 60 s\)?\. That run reached the time limit, so dsgrade did not repeat it\./)]);
        expect(t.rerun).not.toMatch(/--seed \d/);
        expect(t.rerun).toMatch(/\(no --seed: these runs depend on Go's scheduler, which no seed replays/);
      }
      const missed = results.find((t) => t.verdict === 'failed');
      if (missed) expect(missed.summary).toMatch(/^your tests pass on a buggy implementation: Your tests pass on a squarer that/);
    });
  }
});
