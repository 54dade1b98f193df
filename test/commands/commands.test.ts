/**
 * Commands through their injectable io, on the tiny fixture project, with no Go: the errors and
 * exit codes that come before any grading (a typo in --only, an unwritable --out, an unknown
 * mutant, a broken manifest), and the mapping of every error kind to its documented exit code.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../src/commands/exit-codes.js';
import { gradeCommand } from '../../src/commands/grade.js';
import type { CommandIO } from '../../src/commands/io.js';
import { regressCommand } from '../../src/commands/regress.js';
import { validateCommand } from '../../src/commands/validate.js';
import { DsgradeError, type ErrorCode } from '../../src/errors.js';
import { baseManifest, makeProject, type Project } from '../manifest/helpers.js';

let p: Project;
beforeEach(async () => {
  p = await makeProject();
});
afterEach(async () => {
  await p.cleanup();
});

function io(): CommandIO & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

async function codeOf(run: Promise<number>): Promise<{ code: number; error?: DsgradeError }> {
  try {
    return { code: await run };
  } catch (err) {
    if (!(err instanceof DsgradeError)) throw err;
    return { code: exitCodeFor(err.code), error: err };
  }
}

describe('exit codes per error kind', () => {
  it('bad input exits 2, a missing or broken tool 4, the Docker engine 5, a bug 3, an interrupt 130', () => {
    const expected: [ErrorCode, number][] = [
      ['USAGE', 2],
      ['MANIFEST_INVALID', 2],
      ['PROJECT_FILE_MISSING', 2],
      ['SUBMISSION_NOT_FOUND', 2],
      ['INIT_NO_MODULE', 2],
      ['GO_NOT_FOUND', 4],
      ['TOOL_FAILED', 4],
      ['DOCKER_UNAVAILABLE', 5],
      ['DOCKER_FAILED', 5],
      ['INTERNAL', 3],
      ['INTERRUPTED', 130],
    ];
    for (const [code, exit] of expected) expect(exitCodeFor(code), code).toBe(exit);
    expect(EXIT).toMatchObject({ OK: 0, CHECK_FAILED: 1, USAGE: 2, INTERNAL: 3, TOOL: 4, DOCKER: 5 });
  });
});

describe('dsgrade grade before grading', () => {
  it('an --only that matches nothing is bad input, naming the closest id, and grades nothing', async () => {
    await p.write(baseManifest());
    const streams = io();
    const r = await codeOf(gradeCommand({ submission: p.dir, project: p.dir, only: ['kv/TestBasc'], io: streams }));
    expect(r.code).toBe(2);
    expect(r.error?.message).toContain('--only matched nothing in project');
    expect(r.error?.fix).toContain('did you mean kv/TestBasic?');
    expect(streams.out()).toBe('');
  });

  it('an --out that cannot be written is bad input before grading', async () => {
    await p.write(baseManifest());
    const blocker = path.join(p.dir, 'a-file');
    await fs.writeFile(blocker, 'x');
    const r = await codeOf(gradeCommand({ submission: p.dir, project: p.dir, out: path.join(blocker, 'results.json'), io: io() }));
    expect(r.code).toBe(2);
    expect(r.error?.message).toMatch(/^cannot write --out .*a-file\/results\.json: a file is in the way/);
    expect(r.error?.fix).toContain('nothing was graded');
  });

  it('a broken manifest is bad input, naming the file', async () => {
    await fs.writeFile(path.join(p.dir, 'dsgrade.json'), '{ "name": ');
    const r = await codeOf(gradeCommand({ submission: p.dir, project: p.dir, io: io() }));
    expect(r.code).toBe(2);
    expect(r.error?.code).toBe('MANIFEST_PARSE');
  });
});

describe('dsgrade regress before grading', () => {
  it('an unknown mutant exits 2 and lists the known ones', async () => {
    await p.write(baseManifest());
    const streams = io();
    expect(await regressCommand({ project: p.dir, mutant: ['no-such'], io: streams })).toBe(2);
    expect(streams.err()).toMatch(/^dsgrade: unknown mutant\(s\): no-such; known: /);
    expect(streams.out()).toBe('');
  });
});

describe('dsgrade validate', () => {
  it('exits 0 on a valid manifest and names the project', async () => {
    await p.write(baseManifest());
    const streams = io();
    expect(await validateCommand({ project: p.dir, goVersion: 'go1.26.8', io: streams })).toBe(0);
    expect(streams.out()).not.toBe('');
  });

  it('reports an invalid manifest with each problem, its pointer and fix, and exits 1', async () => {
    const m = baseManifest();
    m.suites[0].tests[0].points = -1;
    await p.write(m);
    const streams = io();
    expect(await validateCommand({ project: p.dir, goVersion: 'go1.26.8', io: streams })).toBe(1);
    expect(streams.out()).toMatch(/^invalid project manifest: .*dsgrade\.json \(1 problem\)\n {2}.*dsgrade\.json \/suites\/0\/tests\/0\/points: must be >= 0\n {4}fix: change the number\n$/);
  });
});
