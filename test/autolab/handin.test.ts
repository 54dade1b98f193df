/**
 * Autolab handin files: a tar is unpacked only when its listing holds plain files within itself
 * (archives made with Python's tarfile so they can hold what `tar -c` would not write).
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HandinRefused, prepareHandin } from '../../src/autolab/handin.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-handin-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes a tar with Python's tarfile: entries of [name, kind, data-or-link-target]. */
async function tar(name: string, entries: [string, 'file' | 'symlink' | 'dir', string][]): Promise<string> {
  const file = path.join(dir, name);
  const script = `
import io, sys, tarfile, json
entries = json.loads(sys.argv[2])
with tarfile.open(sys.argv[1], 'w') as t:
    for name, kind, data in entries:
        info = tarfile.TarInfo(name)
        if kind == 'file':
            b = data.encode(); info.size = len(b); t.addfile(info, io.BytesIO(b))
        elif kind == 'dir':
            info.type = tarfile.DIRTYPE; t.addfile(info)
        else:
            info.type = tarfile.SYMTYPE; info.linkname = data; t.addfile(info)
`;
  await execa('python3', ['-c', script, file, JSON.stringify(entries)]);
  return file;
}

async function refusal(p: Promise<unknown>): Promise<HandinRefused> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandinRefused);
  return err as HandinRefused;
}

describe('prepareHandin', () => {
  it('unpacks a plain tar into a private folder', async () => {
    const file = await tar('handin.tar', [
      ['handin', 'dir', ''],
      ['handin/server_impl.go', 'file', 'package p0partA\n'],
    ]);
    const h = await prepareHandin(file, dir);
    try {
      expect(await fs.readFile(path.join(h.submission, 'handin', 'server_impl.go'), 'utf8')).toBe('package p0partA\n');
    } finally {
      await h.cleanup();
    }
    await expect(fs.access(h.submission)).rejects.toThrow();
  });

  it('refuses a tar with a link, a path outside itself, or an absolute path — and unpacks nothing', async () => {
    const link = await tar('link.tar', [
      ['evil', 'symlink', '/etc'],
      ['evil/passwd', 'file', 'root::0:0::/:/bin/sh\n'],
    ]);
    expect((await refusal(prepareHandin(link, dir))).message).toContain('contains a symbolic link: evil');
    const up = await tar('up.tar', [['../escaped.go', 'file', 'package x\n']]);
    expect((await refusal(prepareHandin(up, dir))).message).toContain('has a path outside itself: ../escaped.go');
    const abs = await tar('abs.tar', [['/tmp/abs.go', 'file', 'package x\n']]);
    await refusal(prepareHandin(abs, dir));
    await expect(fs.access(path.join(dir, '..', 'escaped.go'))).rejects.toThrow();
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('dsgrade-autolab-handin-'))).toEqual([]);
  });

  it('a .go file becomes a folder holding it; a folder or zip is graded as it is', async () => {
    const go = path.join(dir, 'server_impl.go');
    await fs.writeFile(go, 'package p0partA\n');
    const h = await prepareHandin(go, dir);
    expect(await fs.readdir(h.submission)).toEqual(['server_impl.go']);
    await h.cleanup();
    expect((await prepareHandin(dir, dir)).submission).toBe(dir);
    const zip = path.join(dir, 'h.zip');
    await fs.writeFile(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]));
    expect((await prepareHandin(zip, dir)).submission).toBe(zip);
  });

  it('refuses what it cannot read, naming the fix', async () => {
    const junk = path.join(dir, 'handin.tar');
    await fs.writeFile(junk, 'not a tar at all');
    const err = await refusal(prepareHandin(junk, dir));
    expect(err.message).toContain('is not a readable tar archive');
    expect(err.fix).toContain('tar -cf handin.tar');
    const doc = path.join(dir, 'report.pdf');
    await fs.writeFile(doc, '%PDF');
    expect((await refusal(prepareHandin(doc, dir))).message).toContain('is not a tar, zip or .go file');
    expect((await refusal(prepareHandin(path.join(dir, 'missing.tar'), dir))).message).toContain('missing.tar was not found');
  });
});
