/**
 * Broken and hostile P0 submissions, graded for real (Go toolchain, processes, sockets). Each case
 * asserts the verdicts, the score and the message a student would read. Only a few tests are
 * selected with `only`, to keep the suite fast; the full suite runs in p0-regression.test.ts.
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
const REFERENCE = path.join(PROJECT, 'reference');
const FIXTURES = path.resolve('test/fixtures/submissions/p0');
const ONLY = ['build', 'check/*', 'partA/TestBasic1', 'partA/TestCount1'];

let project: LoadedManifest;
let tmp: string;

beforeAll(async () => {
  project = await loadManifest(PROJECT);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-p0-subs-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function grade(submission: string, only = ONLY): Promise<GradeReport> {
  const report = await gradeSubmission({ project, submission, only, seed: 7 });
  expect(liveGroupCount()).toBe(0);
  return report;
}

function byId(report: GradeReport, id: string): TestResult {
  const t = report.tests.find((x) => x.id === id);
  if (!t) throw new Error(`no result ${id} in ${report.tests.map((x) => x.id).join(', ')}`);
  return t;
}

/** A submission folder: the fixture's server_impl.go (or the reference's) plus extra files. */
async function submission(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, name);
  for (const [rel, source] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.copyFile(source, path.join(dir, rel));
  }
  return dir;
}

describe('P0 submissions that are broken or hostile', () => {
  it('does not compile: a failed build test names the student file and line, dependent tests score 0', async () => {
    const dir = await submission('no-compile', { 'server_impl.go': path.join(FIXTURES, 'does-not-compile/server_impl.go') });
    const report = await grade(dir);
    const build = byId(report, 'build');
    expect(build.verdict).toBe('failed');
    expect(build.summary).toMatch(/server_impl\.go:18:\d+: .*count/);
    expect(build.output).not.toMatch(/p0partA\/server_impl\.go/); // the name the student knows, not the tree path
    for (const id of ['partA/TestBasic1', 'partA/TestCount1']) {
      const t = byId(report, id);
      expect(t.verdict).toBe('failed');
      expect(t.score).toBe(0);
      expect(t.summary).toMatch(/does not compile/);
    }
  });

  it('missing server_impl.go: says which file is missing, part A is not run', async () => {
    const dir = await submission('missing', { 'squarer_test.go': path.join(REFERENCE, 'squarer_test.go') });
    const report = await grade(dir, [...ONLY, 'partB']);
    expect(report.notices.some((n) => n.level === 'error' && /server_impl\.go/.test(n.message))).toBe(true);
    const basic = byId(report, 'partA/TestBasic1');
    expect(basic.verdict).toBe('failed');
    expect(basic.summary).toMatch(/p0partA\/server_impl\.go was not handed in/);
    expect(byId(report, 'partB/correct').verdict).toBe('passed');
  });

  it('nested two folders deep: found and graded like a flat submission', async () => {
    const dir = await submission('nested', {
      'alice/p0/server_impl.go': path.join(REFERENCE, 'server_impl.go'),
      'alice/p0/squarer_test.go': path.join(REFERENCE, 'squarer_test.go'),
    });
    const report = await grade(dir);
    expect(report.tests.every((t) => t.verdict === 'passed')).toBe(true);
    expect(report.score).toBe(report.maxScore);
  });

  it('forged PASS lines and test2json events, then os.Exit(0): every test fails', async () => {
    const dir = await submission('forged', { 'server_impl.go': path.join(FIXTURES, 'forged-pass/server_impl.go') });
    const report = await grade(dir);
    for (const id of ['partA/TestBasic1', 'partA/TestCount1']) {
      const t = byId(report, id);
      expect(t.verdict).toBe('failed');
      expect(t.score).toBe(0);
    }
    expect(byId(report, 'partA/TestBasic1').summary).toMatch(/os\.Exit\(0\)|exited with status 0 before the test finished/);
  });

  it('exits 0 from init: the tests never ran, so they fail with the reason', async () => {
    const dir = await submission('exit-init', { 'server_impl.go': path.join(FIXTURES, 'exit-in-init/server_impl.go') });
    const report = await grade(dir, ['partA/TestBasic1']);
    const t = byId(report, 'partA/TestBasic1');
    expect(t.verdict).toBe('failed');
    expect(t.summary).toMatch(/exited with status 0 before the test finished/);
  });

  it("hangs in New: Go's test timeout stops it, the goroutine dump is shown; nothing survives", async () => {
    const dir = await submission('hangs', { 'server_impl.go': path.join(FIXTURES, 'hangs/server_impl.go') });
    const report = await grade(dir, ['partA/TestClose1']);
    const t = byId(report, 'partA/TestClose1');
    expect(t.verdict).toBe('failed');
    expect(t.summary).toMatch(/^timed out after 30s/);
    expect(t.output).toMatch(/goroutine \d+ \[chan receive/); // where it was blocked
  });

  it('spins in init: the harness kills the process group at the wall-clock limit', async () => {
    const dir = await submission('spins', { 'server_impl.go': path.join(FIXTURES, 'spins-in-init/server_impl.go') });
    const report = await grade(dir, ['partA/TestClose1']);
    const t = byId(report, 'partA/TestClose1');
    expect(t.verdict).toBe('failed');
    expect(t.summary).toMatch(/did not finish within 30 s and was killed/);
    expect(t.durationMs).toBeGreaterThanOrEqual(30_000);
  });

  it('imports a module the project does not provide: the build explains it before the compiler output', async () => {
    const dir = await submission('bad-import', { 'server_impl.go': path.join(FIXTURES, 'bad-import/server_impl.go') });
    const report = await grade(dir, ['build', 'check/*']);
    const build = byId(report, 'build');
    expect(build.verdict).toBe('failed');
    expect(build.summary).toMatch(/golang\.org\/x\/sync\/errgroup/);
    expect(build.output).toMatch(/server_impl\.go:8(:\d+)? imports "golang\.org\/x\/sync\/errgroup", which this project does not provide/);
    const imports = project.manifest.checks.find((c) => c.kind === 'imports');
    if (imports) {
      const check = byId(report, `check/${imports.id}`);
      expect(check.verdict).toBe('failed');
      expect(check.output).toMatch(/server_impl\.go:6: imports "sync"/);
    }
  });

  it('an edited copy of a staff file: the staff copy is used and the student is told so', async () => {
    const edited = path.join(tmp, 'server_api_edited.go');
    const original = await fs.readFile(path.join(PROJECT, 'starter/src/github.com/cmu440/p0partA/server_api.go'), 'utf8');
    await fs.writeFile(edited, original.replace('Close()', 'Close()\n\tExtra() int'));
    const dir = await submission('edited-staff', {
      'server_impl.go': path.join(REFERENCE, 'server_impl.go'),
      'squarer_test.go': path.join(REFERENCE, 'squarer_test.go'),
      'server_api.go': edited,
    });
    const report = await grade(dir, ['build']);
    expect(byId(report, 'build').verdict).toBe('passed');
    // It adds a method to a staff interface: an edit, named in one warning with what it adds.
    expect(report.notices.filter((n) => n.level === 'warning' && /edited copy of server_api\.go/.test(n.message)).map((n) => n.message)).toEqual([
      expect.stringContaining('the staff copy is used, so what your copy adds (KeyValueServer.Extra) does not exist when your code is built'),
    ]);
  });
});
