import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DsgradeError } from '../../src/errors.js';
import { intakeSubmission, type IntakeOptions, type IntakeResult } from '../../src/intake/intake.js';
import { IMPL, makeTmp, P0_HANDIN, SQTEST, writeStaff, writeTree } from './helpers.js';

let tmp: string;
let opts: IntakeOptions;
const results: IntakeResult[] = [];

beforeEach(async () => {
  tmp = await makeTmp();
  opts = { handin: P0_HANDIN, staffFiles: await writeStaff(path.join(tmp, 'staff')), tmpRoot: path.join(tmp, 'work') };
  await fs.mkdir(opts.tmpRoot as string);
});

afterEach(async () => {
  for (const r of results.splice(0)) await r.cleanup();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function intake(sub: string, o: Partial<IntakeOptions> = {}): Promise<IntakeResult> {
  const r = await intakeSubmission(sub, { ...opts, ...o });
  results.push(r);
  return r;
}

async function submission(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(tmp, 'sub-'));
  await writeTree(dir, files);
  return dir;
}

describe('folder layouts', () => {
  it.each([
    ['flat', { 'server_impl.go': IMPL, 'squarer_test.go': SQTEST }],
    ['one folder deep', { 'handin/server_impl.go': IMPL, 'handin/squarer_test.go': SQTEST }],
    ['two folders deep', { 'Alice/p0/server_impl.go': IMPL, 'Alice/p0/squarer_test.go': SQTEST }],
    ['GOPATH tree', { 'src/github.com/cmu440/p0partA/server_impl.go': IMPL, 'src/github.com/cmu440/p0partB/squarer_test.go': SQTEST }],
  ])('%s: takes both handin files from the private copy', async (_label, tree) => {
    const sub = await submission(tree);
    const r = await intake(sub);
    const rels = Object.keys(tree);
    expect(r.files.map((f) => [f.treePath, f.displayPath])).toEqual([
      ['p0partA/server_impl.go', rels[0]],
      ['p0partB/squarer_test.go', rels[1]],
    ]);
    expect(r.missing).toEqual([]);
    expect(r.notices).toEqual([]);
    for (const f of r.files) {
      expect(f.sourcePath.startsWith(r.workDir + path.sep)).toBe(true);
      expect(await fs.readFile(f.sourcePath, 'utf8')).toBe(f.treePath.endsWith('server_impl.go') ? IMPL : SQTEST);
    }
  });

  it('the copy is taken once: later edits to the submission do not reach it', async () => {
    const sub = await submission({ 'server_impl.go': IMPL, 'squarer_test.go': SQTEST });
    const r = await intake(sub);
    await fs.writeFile(path.join(sub, 'server_impl.go'), 'changed');
    expect(await fs.readFile(r.files[0]?.sourcePath as string, 'utf8')).toBe(IMPL);
  });

  it('ignores editor and OS clutter silently', async () => {
    const sub = await submission({
      'server_impl.go': IMPL,
      'squarer_test.go': SQTEST,
      '.DS_Store': 'x',
      '._server_impl.go': 'x',
      '.git/config': 'x',
      '.idea/workspace.xml': 'x',
      '.vscode/settings.json': 'x',
      '__MACOSX/._server_impl.go': 'x',
    });
    const r = await intake(sub);
    expect(r.files).toHaveLength(2);
    expect(r.unexpected).toEqual([]);
    expect(r.notices).toEqual([]);
  });

  it('cleanup removes the private copy', async () => {
    const sub = await submission({ 'server_impl.go': IMPL, 'squarer_test.go': SQTEST });
    const r = await intakeSubmission(sub, opts);
    await r.cleanup();
    await expect(fs.stat(r.workDir)).rejects.toMatchObject({ code: 'ENOENT' });
    await r.cleanup(); // twice is harmless
  });
});

describe('folder safety', () => {
  it('skips a symlink that escapes the submission, with a notice, and never copies its target', async () => {
    const secret = path.join(tmp, 'secret.txt');
    await fs.writeFile(secret, 'TOP SECRET');
    const sub = await submission({ 'squarer_test.go': SQTEST });
    await fs.symlink(secret, path.join(sub, 'server_impl.go'));
    await fs.mkdir(path.join(sub, 'linked'));
    await fs.symlink(tmp, path.join(sub, 'linked', 'up'));
    const r = await intake(sub);
    expect(r.files.map((f) => f.treePath)).toEqual(['p0partB/squarer_test.go']);
    expect(r.missing).toEqual(['p0partA/server_impl.go']);
    const notice = r.notices.find((n) => n.message.includes('symbolic link'));
    expect(notice?.level).toBe('warning');
    expect(notice?.message).toContain('server_impl.go');
    expect(notice?.message).toContain('linked/up');
    const copyRoot = path.join(r.workDir, 'submission');
    expect((await fs.readdir(copyRoot, { recursive: true })).sort()).toEqual(['linked', 'squarer_test.go']);
  });

  it('skips a named pipe without blocking', async () => {
    const sub = await submission({ 'server_impl.go': IMPL, 'squarer_test.go': SQTEST });
    execFileSync('mkfifo', [path.join(sub, 'pipe.go')]);
    const r = await intake(sub);
    expect(r.files).toHaveLength(2);
    expect(r.notices).toEqual([{ level: 'warning', message: expect.stringContaining('pipe.go: not a regular file') }]);
  });

  it('refuses a folder with too many files', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`f${i}.txt`] = 'x';
    const sub = await submission(files);
    const err = await intakeSubmission(sub, { ...opts, maxFiles: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DsgradeError);
    expect((err as DsgradeError).code).toBe('SUBMISSION_UNSAFE');
    expect((err as DsgradeError).message).toContain('more than 5 files');
    expect(await fs.readdir(opts.tmpRoot as string)).toEqual([]); // the partial copy is gone
  });

  it('refuses a folder holding too many bytes', async () => {
    const sub = await submission({ 'server_impl.go': IMPL, 'big.bin': Buffer.alloc(2048) });
    const err = await intakeSubmission(sub, { ...opts, maxTotalBytes: 1024 }).catch((e: unknown) => e);
    expect((err as DsgradeError).code).toBe('SUBMISSION_UNSAFE');
    expect((err as DsgradeError).message).toContain('more than 1 KiB');
    expect((err as DsgradeError).fix).toMatch(/hand in only/);
  });
});

describe('submission errors', () => {
  it('a missing path is SUBMISSION_NOT_FOUND naming the path', async () => {
    const missing = path.join(tmp, 'nope');
    const err = await intakeSubmission(missing, opts).catch((e: unknown) => e);
    expect((err as DsgradeError).code).toBe('SUBMISSION_NOT_FOUND');
    expect((err as DsgradeError).message).toContain(missing);
    expect(await fs.readdir(opts.tmpRoot as string)).toEqual([]);
  });

  it('a plain file is SUBMISSION_UNREADABLE with a fix', async () => {
    const file = path.join(tmp, 'server_impl.go');
    await fs.writeFile(file, IMPL);
    const err = await intakeSubmission(file, opts).catch((e: unknown) => e);
    expect((err as DsgradeError).code).toBe('SUBMISSION_UNREADABLE');
    expect((err as DsgradeError).message).toContain('neither a folder nor a zip');
    expect((err as DsgradeError).fix).toBeTruthy();
  });
});
