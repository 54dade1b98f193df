/**
 * Autolab hands the autograder one file, named as the lab says (handin.tar, handin.zip, or a
 * single source file). dsgrade's intake reads folders and zips; a tar is unpacked here first, into
 * a private folder, after its listing proves it holds only plain files and folders within itself
 * and within the size limits — links, devices, absolute paths and `..` are refused whole, so
 * extraction can never write outside the folder. A single .go file becomes a folder holding it.
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import { DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_BYTES } from '../intake/intake.js';
import { looksLikeZip } from '../intake/zip.js';

export interface PreparedHandin {
  /** What to grade: a folder or a zip. */
  submission: string;
  /** Removes what was unpacked. */
  cleanup(): Promise<void>;
}

/** A handin the student must fix (the archive is refused); not dsgrade's failure. */
export class HandinRefused extends DsgradeError {
  constructor(message: string, fix: string, file: string) {
    super('SUBMISSION_UNSAFE', message, { file, fix });
    this.name = 'HandinRefused';
  }
}

const TAR_NAME = /\.(tar|tar\.gz|tgz)$/i;

export async function prepareHandin(handin: string, tmpRoot = os.tmpdir()): Promise<PreparedHandin> {
  const st = await fs.stat(handin).catch(() => undefined);
  const none = { submission: handin, cleanup: async () => undefined };
  if (!st) {
    throw new HandinRefused(`no handin file: ${path.basename(handin)} was not found`, 'hand in the file the lab asks for (its name is in the lab\'s instructions)', handin);
  }
  if (st.isDirectory()) return none;
  if (await looksLikeZip(handin)) return none;
  const dir = await fs.mkdtemp(path.join(tmpRoot, 'dsgrade-autolab-handin-'));
  const cleanup = (): Promise<void> => fs.rm(dir, { recursive: true, force: true });
  try {
    if (TAR_NAME.test(handin) || (await looksLikeTar(handin))) {
      await unpackTar(handin, dir);
    } else if (/\.go$/i.test(handin)) {
      await fs.copyFile(handin, path.join(dir, path.basename(handin)));
    } else {
      throw new HandinRefused(
        `cannot read the handin: ${path.basename(handin)} is not a tar, zip or .go file`,
        'hand in a .tar (tar -cf handin.tar <files>), a .zip or the .go file itself',
        handin,
      );
    }
    return { submission: dir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** ustar and GNU tar archives carry "ustar" at offset 257; gzip starts with 1f 8b. */
async function looksLikeTar(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(263);
    const { bytesRead } = await fh.read(head, 0, 263, 0);
    return (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) || (bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar');
  } finally {
    await fh.close();
  }
}

async function unpackTar(file: string, dest: string): Promise<void> {
  const name = path.basename(file);
  const verbose = await execa('tar', ['-tvf', file], { reject: false, env: { LC_ALL: 'C' } });
  const names = await execa('tar', ['-tf', file], { reject: false, env: { LC_ALL: 'C' } });
  if (verbose.exitCode === undefined) {
    // No tar on the grading machine: dsgrade's problem, never the student's.
    throw new DsgradeError('TOOL_FAILED', `could not run tar to unpack ${name}: ${String(verbose.message)}`, { fix: 'install tar in the autograding image' });
  }
  if (verbose.exitCode !== 0 || names.exitCode !== 0) {
    throw new HandinRefused(`cannot read the handin: ${name} is not a readable tar archive (${String(verbose.stderr).split('\n')[0] ?? ''})`, 'create it again: tar -cf handin.tar <your files>', file);
  }
  const entries = String(verbose.stdout).split('\n').filter(Boolean);
  const paths = String(names.stdout).split('\n').filter(Boolean);
  if (entries.length !== paths.length) throw new HandinRefused(`the handin ${name} has file names tar cannot list one per line`, 'rename files whose names contain line breaks', file);
  if (entries.length > DEFAULT_MAX_FILES * 10) throw new HandinRefused(`the handin ${name} has ${entries.length} entries (more than ${DEFAULT_MAX_FILES * 10})`, 'hand in only your source files', file);
  let total = 0;
  for (const [i, entry] of entries.entries()) {
    const type = entry[0];
    const p = paths[i]!;
    if (type !== '-' && type !== 'd') {
      throw new HandinRefused(`the handin ${name} contains ${type === 'l' ? 'a symbolic link' : type === 'h' ? 'a hard link' : 'a special file'}: ${p}`, 'hand in plain files only (tar -cf handin.tar <files>, without links)', file);
    }
    if (p.startsWith('/') || p.split('/').includes('..')) {
      throw new HandinRefused(`the handin ${name} has a path outside itself: ${p}`, 'create the tar from inside your folder (tar -cf handin.tar <files>) so paths are relative', file);
    }
    total += Number(entry.split(/\s+/)[2] ?? 0) || 0;
  }
  if (total > DEFAULT_MAX_TOTAL_BYTES) throw new HandinRefused(`the handin ${name} unpacks to ${total} bytes (more than ${DEFAULT_MAX_TOTAL_BYTES})`, 'hand in only your source files', file);
  const r = await execa('tar', ['-xf', file, '-C', dest, '--no-same-owner', '--no-same-permissions', '--no-overwrite-dir'], { reject: false, env: { LC_ALL: 'C' } });
  if (r.exitCode !== 0) throw new HandinRefused(`cannot unpack the handin ${name}: ${String(r.stderr).split('\n')[0] ?? ''}`, 'create it again: tar -cf handin.tar <your files>', file);
}
