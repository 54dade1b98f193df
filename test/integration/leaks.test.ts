/**
 * P0's "Close releases everything" item (manifest `leaks`) on real submissions: the reference, and
 * a server whose Close starts a goroutine that spins forever (test/fixtures/leaks). The tests
 * themselves pass either way; only the item tells them apart, naming the tests, the CPU and the
 * stack of what was left running.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import type { GradeReport, TestResult } from '../../src/model.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const PROJECT = path.resolve('projects/p0-kvserver');
const ONLY = ['partA/TestBasic1', 'partA/TestClose2', 'partA/TestStart1', 'partA/leaks'];

let project: LoadedManifest;
let tmp: string;

beforeAll(async () => {
  project = await loadManifest(PROJECT);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-leaks-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function grade(serverImpl: string, only = ONLY): Promise<GradeReport> {
  const dir = await fs.mkdtemp(path.join(tmp, 'sub-'));
  await fs.copyFile(serverImpl, path.join(dir, 'server_impl.go'));
  const report = await gradeSubmission({ project, submission: dir, only, seed: 7, jobs: 1 });
  expect(liveGroupCount()).toBe(0);
  return report;
}

function byId(report: GradeReport, id: string): TestResult {
  const t = report.tests.find((x) => x.id === id);
  if (!t) throw new Error(`no result ${id} in ${report.tests.map((x) => x.id).join(', ')}`);
  return t;
}

describe('P0: Close releases everything', () => {
  it('the reference leaves nothing behind; TestStart1, which never closes its second server, is not judged', async () => {
    const report = await grade(path.join(PROJECT, 'reference', 'server_impl.go'));
    const leaks = byId(report, 'partA/leaks');
    expect(leaks).toMatchObject({ verdict: 'passed', score: 1, maxScore: 1, name: 'Close releases everything', number: '4.4' });
    expect(leaks.output).toContain('None of the 2 test(s) checked left anything of yours running.');
    expect(leaks.output).toContain('(these tests do not close everything they create): TestStart1.');
  });

  it('a Close that leaves a goroutine spinning: the tests pass, the item fails naming the tests, the CPU and the stack', async () => {
    const report = await grade(path.resolve('test/fixtures/leaks/spin-after-close/server_impl.go'));
    for (const id of ['partA/TestBasic1', 'partA/TestClose2', 'partA/TestStart1']) expect(byId(report, id).verdict).toBe('passed');
    const leaks = byId(report, 'partA/leaks');
    expect(leaks.verdict).toBe('failed');
    expect(leaks.score).toBe(0);
    // One spinning goroutine takes about a core; on a loaded 2-core machine it gets less (seen: 28%), never nothing.
    expect(leaks.summary).toMatch(/^TestBasic1, TestClose2 left goroutines of yours running after the test ended(, burning up to \d+% of a core)?$/);
    const cpu = [...leaks.output.matchAll(/^ {2}Test(?:Basic1|Close2): 1 goroutine still there 1\.\d s after the test ended, using (\d+)% of a core while nothing else ran$/gm)].map((m) => Number(m[1]));
    expect(cpu).toHaveLength(2);
    expect(Math.max(...cpu)).toBeGreaterThanOrEqual(5);
    expect(leaks.output).toMatch(
      /\n--- 2 goroutines like this, in TestBasic1, TestClose2 ---\n\[running\]\ngithub\.com\/cmu440\/p0partA\.\(\*keyValueServer\)\.drain\(\.\.\.\)\n\tserver_impl\.go:9\d\ncreated by github\.com\/cmu440\/p0partA\.\(\*keyValueServer\)\.Close\n\tserver_impl\.go:91\n/,
    );
    expect(leaks.rerun).toMatch(/--only partA --seed 7/);
  });

  it('selected without any of its tests: not judged, with the fix', async () => {
    const report = await grade(path.join(PROJECT, 'reference', 'server_impl.go'), ['partA/leaks']);
    expect(report.tests.map((t) => t.id)).toEqual(['partA/leaks']);
    expect(byId(report, 'partA/leaks')).toMatchObject({ verdict: 'failed', summary: 'not judged: none of the tests it covers ran (select the whole suite)' });
  });
});
