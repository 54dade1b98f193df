import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DsgradeError } from '../../src/errors.js';
import { intakeSubmission, type IntakeOptions, type IntakeResult } from '../../src/intake/intake.js';
import { buildZip, IMPL, makeTmp, P0_HANDIN, SQTEST, writeStaff, type ZipEntrySpec } from './helpers.js';

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

async function zipOf(entries: ZipEntrySpec[], name = 'handin.zip'): Promise<string> {
  const file = path.join(tmp, name);
  await buildZip(file, entries);
  return file;
}

async function intake(sub: string, o: Partial<IntakeOptions> = {}): Promise<IntakeResult> {
  const r = await intakeSubmission(sub, { ...opts, ...o });
  results.push(r);
  return r;
}

async function failure(sub: string, o: Partial<IntakeOptions> = {}): Promise<DsgradeError> {
  const err = await intakeSubmission(sub, { ...opts, ...o }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DsgradeError);
  expect(await fs.readdir(opts.tmpRoot as string)).toEqual([]); // no partial copy left behind
  return err as DsgradeError;
}

/** Every file under root, as relative paths. */
async function listAll(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const rel of await fs.readdir(root, { recursive: true })) {
    if ((await fs.lstat(path.join(root, rel))).isFile()) out.push(rel);
  }
  return out.sort();
}

const GOOD: ZipEntrySpec[] = [
  { name: 'handin/server_impl.go', data: IMPL },
  { name: 'handin/squarer_test.go', data: SQTEST },
];

describe('zip submissions', () => {
  it('takes handin files from a macOS zip, silently dropping __MACOSX and .DS_Store', async () => {
    const sub = await zipOf([
      ...GOOD,
      { name: '__MACOSX/handin/._server_impl.go', data: 'apple' },
      { name: 'handin/.DS_Store', data: 'finder' },
      { name: 'handin/._squarer_test.go', data: 'apple' },
    ]);
    const r = await intake(sub);
    expect(r.files.map((f) => [f.treePath, f.displayPath])).toEqual([
      ['p0partA/server_impl.go', 'handin/server_impl.go'],
      ['p0partB/squarer_test.go', 'handin/squarer_test.go'],
    ]);
    expect(await fs.readFile(r.files[0]?.sourcePath as string, 'utf8')).toBe(IMPL);
    expect(r.notices).toEqual([]);
    expect(r.unexpected).toEqual([]);
    expect(await listAll(path.join(r.workDir, 'submission'))).toEqual(['handin/server_impl.go', 'handin/squarer_test.go']);
  });

  it('detects a zip by its bytes, not its name', async () => {
    const sub = await zipOf(GOOD, 'submission.bin');
    const r = await intake(sub);
    expect(r.files).toHaveLength(2);
  });

  it('reads Windows-style backslash names as folders', async () => {
    const sub = await zipOf([{ name: 'p0partA\\server_impl.go', data: IMPL }, GOOD[1] as ZipEntrySpec]);
    const r = await intake(sub);
    expect(r.files[0]?.displayPath).toBe('p0partA/server_impl.go');
  });

  it('refuses a zip-slip entry and writes nothing outside the temp folder', async () => {
    const sub = await zipOf([...GOOD, { name: '../../evil.go', data: 'pwned' }, { name: 'a/../../../evil2.go', data: 'pwned' }]);
    const r = await intake(sub);
    expect(r.files).toHaveLength(2);
    const notice = r.notices.find((n) => n.message.includes('evil.go'));
    expect(notice?.level).toBe('warning');
    expect(notice?.message).toContain("a '..' in the path");
    expect(notice?.message).toContain('evil2.go');
    // Nothing named evil anywhere near the temp folder or the test folder.
    expect((await listAll(tmp)).filter((f) => f.includes('evil'))).toEqual([]);
  });

  it('refuses an absolute entry', async () => {
    const target = path.join(tmp, 'abs-target.go');
    const sub = await zipOf([...GOOD, { name: target, data: 'pwned' }]);
    const r = await intake(sub);
    await expect(fs.stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    const notice = r.notices.find((n) => n.message.includes('absolute path'));
    expect(notice?.level).toBe('warning');
    expect(notice?.message).toContain(target);
    expect(r.files).toHaveLength(2);
  });

  it('skips a symlink entry pointing out of the root and never creates a link', async () => {
    const sub = await zipOf([
      { name: 'handin/server_impl.go', data: '/etc/passwd', mode: 0o120777 },
      { name: 'handin/up', data: '../../..', mode: 0o120777 },
      GOOD[1] as ZipEntrySpec,
    ]);
    const r = await intake(sub);
    expect(r.files.map((f) => f.treePath)).toEqual(['p0partB/squarer_test.go']);
    expect(r.missing).toEqual(['p0partA/server_impl.go']);
    const notice = r.notices.find((n) => n.message.includes('symbolic links'));
    expect(notice?.message).toContain('handin/server_impl.go');
    expect(notice?.message).toContain('handin/up');
    const copyRoot = path.join(r.workDir, 'submission');
    for (const rel of await fs.readdir(copyRoot, { recursive: true })) {
      expect((await fs.lstat(path.join(copyRoot, rel))).isSymbolicLink()).toBe(false);
    }
    expect(await listAll(copyRoot)).toEqual(['handin/squarer_test.go']);
  });

  it('keeps the first of two entries with the same path', async () => {
    const sub = await zipOf([...GOOD, { name: 'handin/server_impl.go', data: 'second' }]);
    const r = await intake(sub);
    expect(await fs.readFile(r.files[0]?.sourcePath as string, 'utf8')).toBe(IMPL);
    expect(r.notices.some((n) => n.message.includes('more than once'))).toBe(true);
  });
});

describe('zip bombs', () => {
  it('refuses a zip that inflates past the byte cap before writing past it', async () => {
    const sub = await zipOf([...GOOD, { name: 'zeros.bin', data: Buffer.alloc(2 * 1024 * 1024) }]);
    expect((await fs.stat(sub)).size).toBeLessThan(64 * 1024);
    const err = await failure(sub, { maxTotalBytes: 1024 * 1024 });
    expect(err.code).toBe('SUBMISSION_UNSAFE');
    expect(err.message).toContain('more than 1 MiB');
    expect(err.message).toContain(sub);
  });

  it('the default cap is 50 MiB', async () => {
    const sub = await zipOf([{ name: 'zeros.bin', data: Buffer.alloc(50 * 1024 * 1024 + 1) }]);
    const err = await failure(sub);
    expect(err.code).toBe('SUBMISSION_UNSAFE');
    expect(err.message).toContain('more than 50 MiB');
  });

  it('refuses a zip with too many files', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }));
    const err = await failure(await zipOf(entries), { maxFiles: 10 });
    expect(err.code).toBe('SUBMISSION_UNSAFE');
    expect(err.message).toContain('more than 10 files');
  });

  it('refuses a zip whose directory lists more entries than the work cap, before reading them', async () => {
    // Ignored clutter does not count as files, but every entry costs work: 10 per allowed file.
    const entries = Array.from({ length: 25 }, (_, i) => ({ name: `__MACOSX/._f${i}`, data: '' }));
    const err = await failure(await zipOf(entries), { maxFiles: 2 });
    expect(err.code).toBe('SUBMISSION_UNSAFE');
    expect(err.message).toContain('more than 20 files and folders');
  });

  it('stops an entry that inflates past the size its header declares', async () => {
    const sub = await zipOf([{ name: 'lie.bin', data: Buffer.alloc(100_000) }]);
    const buf = await fs.readFile(sub);
    // Patch the declared uncompressed size (central directory offset 24, local header offset 22) to 10.
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    buf.writeUInt32LE(10, cd + 24);
    buf.writeUInt32LE(10, 22);
    await fs.writeFile(sub, buf);
    const err = await failure(sub);
    expect(err.code).toBe('SUBMISSION_UNSAFE');
    expect(err.message).toContain('inflates past the size its header declares');
  });
});

describe('unreadable zips', () => {
  it('a truncated zip is SUBMISSION_UNREADABLE with a fix', async () => {
    const sub = await zipOf(GOOD);
    const buf = await fs.readFile(sub);
    await fs.writeFile(sub, buf.subarray(0, buf.length - 30));
    const err = await failure(sub);
    expect(err.code).toBe('SUBMISSION_UNREADABLE');
    expect(err.message).toContain(sub);
    expect(err.fix).toMatch(/zip -r/);
  });

  it('a .zip that is not a zip at all is SUBMISSION_UNREADABLE', async () => {
    const sub = path.join(tmp, 'handin.zip');
    await fs.writeFile(sub, 'this is not a zip');
    const err = await failure(sub);
    expect(err.code).toBe('SUBMISSION_UNREADABLE');
    expect(err.message).toContain('is not a zip file');
  });

  it('corrupt entry data is SUBMISSION_UNREADABLE', async () => {
    const sub = await zipOf([{ name: 'server_impl.go', data: IMPL.repeat(50) }]);
    const buf = await fs.readFile(sub);
    // Scribble over the deflate stream right after the first local header and its name.
    const dataStart = 30 + 'server_impl.go'.length;
    buf.fill(0xff, dataStart, dataStart + 8);
    await fs.writeFile(sub, buf);
    const err = await failure(sub);
    expect(err.code).toBe('SUBMISSION_UNREADABLE');
  });
});
