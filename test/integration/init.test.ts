/**
 * `dsgrade init` for real (go list, go test -list, a measuring run of the reference): the
 * manifests it proposes for our own course trees and for a tree in another layout grade each
 * reference with full marks and a mutant below it; `validate --build` finds a broken tree.
 *
 * The course trees are what a course has: P0's and P1's starter with their staff folder laid over
 * the module root (no --staff), and test/fixtures/init/counter (plain module, staff tests apart,
 * -race in its Makefile). Kept short for CI: P1 is graded on a few tests per mutant (--only);
 * P0's reference is graded whole by init's own measuring run.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initCommand } from '../../src/commands/init.js';
import { validateCommand } from '../../src/commands/validate.js';
import { loadManifest } from '../../src/manifest/load.js';
import type { GradeReport } from '../../src/model.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { mutantSubmission } from '../../src/regress/mutant-submission.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';
import { copyTree } from '../../src/util/fs.js';

const REPO = path.resolve('.');
const COUNTER = path.join(REPO, 'test/fixtures/init/counter');
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-init-it-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function io(): { io: { stdout: PassThrough; stderr: PassThrough }; out: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  stderr.resume();
  return { io: { stdout, stderr }, out: () => text };
}

/** A course tree as a course has it: the starter with the staff folder laid over its module root. */
async function courseTree(project: string, name: string): Promise<string> {
  const tree = path.join(tmp, name, 'course');
  await copyTree(path.join(REPO, 'projects', project, 'starter'), tree);
  await copyTree(path.join(REPO, 'projects', project, 'staff'), path.join(tree, 'src/github.com/cmu440'));
  return tree;
}

/** One of the project's mutants as a submission folder (a patch or overlay applied to a copy of the reference). */
async function mutant(project: string, name: string): Promise<string> {
  const { manifest } = await loadManifest(path.join(REPO, 'projects', project));
  const spec = manifest.mutants.find((m) => m.name === name);
  if (!spec) throw new Error(`no mutant ${name} in ${project}`);
  return (await mutantSubmission(manifest, spec, tmp)).dir;
}

async function grade(manifestFile: string, submission: string, only?: string[]): Promise<GradeReport> {
  const project = await loadManifest(manifestFile);
  return gradeSubmission({ project, submission, jobs: 1, seed: 20261201, ...(only ? { only } : {}) });
}

const failed = (r: GradeReport): string[] => r.tests.filter((t) => t.verdict !== 'passed').map((t) => `${t.id}: ${t.summary}`);

describe('dsgrade init on a plain-module tree with staff tests apart (fixture counter)', () => {
  it('proposes a manifest with -race from the Makefile and measured limits; it grades the reference 5/5 and the no-lock mutant below', async () => {
    const out = path.join(tmp, 'counter', 'dsgrade.json');
    const c = io();
    const code = await initCommand({ tree: path.join(COUNTER, 'course'), staff: path.join(COUNTER, 'staff'), reference: path.join(COUNTER, 'reference'), out, seed: 7, io: c.io });
    expect(code, c.out()).toBe(0);
    expect(c.out()).toContain("counter/TestConcurrentAdd1: -race — Makefile:6: go test -race -run 'Concurrent' ./counter/...");
    expect(c.out()).toMatch(/counter\/TestGet1…TestGet2 \(2, slowest\): \d+\.\d s → timeoutSec 15/);
    expect(c.out()).toContain('wrote ');

    const reference = await grade(out, path.join(COUNTER, 'reference'));
    expect(failed(reference)).toEqual([]);
    expect(reference.score).toBe(5);
    const noLock = path.join(tmp, 'counter', 'no-lock');
    await copyTree(path.join(COUNTER, 'reference'), noLock);
    await fs.rm(path.join(noLock, 'lock.go'));
    await copyTree(path.join(COUNTER, 'mutants', 'no-lock'), noLock);
    const m = await grade(out, noLock);
    expect(m.score).toBeLessThan(5);
    expect(m.tests.filter((t) => t.verdict === 'failed').map((t) => t.id)).toEqual(['counter/TestConcurrentAdd1', 'counter/TestConcurrentAdd2']);

    // Never over an existing manifest without --force.
    await expect(initCommand({ tree: path.join(COUNTER, 'course'), staff: path.join(COUNTER, 'staff'), out, io: io().io })).rejects.toMatchObject({ code: 'INIT_OUTPUT_EXISTS' });
    expect(await initCommand({ tree: path.join(COUNTER, 'course'), staff: path.join(COUNTER, 'staff'), out, force: true, io: io().io })).toBe(0);
  });

  it('validate --build compiles starter + staff and the reference, and finds a tree whose stub does not compile with the staff tests', async () => {
    const ok = io();
    expect(await validateCommand({ project: path.join(tmp, 'counter', 'dsgrade.json'), build: true, io: ok.io })).toBe(0);
    expect(ok.out()).toContain('suite counter (package counter): compiles; go test -list finds 5 test(s), the manifest grades 5');

    const broken = path.join(tmp, 'broken');
    await copyTree(COUNTER, broken);
    const stub = path.join(broken, 'course', 'counter', 'counter.go');
    await fs.writeFile(stub, (await fs.readFile(stub, 'utf8')).replace('func (c *counter) Reset() {}\n', ''));
    const c = io();
    expect(await initCommand({ tree: path.join(broken, 'course'), staff: path.join(broken, 'staff'), out: path.join(broken, 'dsgrade.json'), io: c.io })).toBe(0);
    expect(c.out()).toContain('the tests do not compile with the starter, so they were read from the sources');
    const v = io();
    expect(await validateCommand({ project: path.join(broken, 'dsgrade.json'), build: true, io: v.io })).toBe(1);
    expect(v.out()).toMatch(/problem: go build \.\/\.\.\. fails: .*missing method Reset/);
  });
});

describe('dsgrade init on our P1 and P0 trees (starter + staff merged)', () => {
  it('P1: 60 lsp tests by prefix, handin patterns for the helpers; the reference passes, a mutant does not (sampled tests)', async () => {
    const tree = await courseTree('p1-lsp', 'p1');
    const out = path.join(tmp, 'p1', 'dsgrade.json');
    const c = io();
    expect(await initCommand({ tree, out, io: c.io })).toBe(0);
    const text = c.out();
    expect(text).toContain('suite lsp: package lsp, 60 staff tests');
    expect(text).toContain('seedEnv LSPNET_SEED');
    expect(text).toContain('programs students write that no go test runs: bitcoin/client, bitcoin/miner, bitcoin/server');
    const json = JSON.parse(await fs.readFile(out, 'utf8')) as { handin: unknown[] };
    expect(json.handin).toContainEqual({ pattern: 'lsp/*.go', exclude: ['lsp/checksum.go', 'lsp/client_api.go', 'lsp/message.go', 'lsp/params.go', 'lsp/server_api.go', 'lsp/*_test.go'] });

    const only = ['build', 'lsp/TestBasic1', 'lsp/TestCorrupted*', 'lsp/TestWindow1', 'lsp/TestRobust1'];
    const reference = await grade(out, path.join(REPO, 'projects/p1-lsp/reference'), only);
    expect(failed(reference)).toEqual([]);
    expect(reference.tests.length).toBe(6);
    const m = await grade(out, await mutant('p1-lsp', 'corrupt-payload-accepted'), only);
    expect(m.tests.filter((t) => t.verdict === 'failed').map((t) => t.id)).toEqual(['lsp/TestCorrupted1', 'lsp/TestCorrupted2']);
  });

  it('P0: part A as one suite, squarer_test.go as the student\'s own tests; full marks on the measuring run, a mutant below', async () => {
    const tree = await courseTree('p0-kvserver', 'p0');
    const out = path.join(tmp, 'p0', 'dsgrade.json');
    const c = io();
    // Exit 0 with --reference: the reference got full marks under the proposed manifest.
    expect(await initCommand({ tree, reference: path.join(REPO, 'projects/p0-kvserver/reference'), out, seed: 3, io: c.io }), c.out()).toBe(0);
    expect(c.out()).toContain('suite p0partA: package p0partA, 17 staff tests from server_test.go');
    expect(c.out()).toContain('p0partB/squarer_test.go holds the student\'s own tests');
    const m = await grade(out, await mutant('p0-kvserver', 'close-leaks-listener'), ['p0partA/TestClose*']);
    expect(m.tests.find((t) => t.id === 'p0partA/TestClose1')?.verdict).toBe('failed');
    expect(m.score).toBeLessThan(m.maxScore);
    expect(liveGroupCount()).toBe(0);
  });
});
