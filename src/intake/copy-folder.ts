/**
 * Copies a submitted folder into the intake's temp folder, reading each student file exactly once.
 * Symbolic links are never followed (the final component is opened with O_NOFOLLOW, so a file swapped
 * for a link after the listing is refused too); devices, pipes and sockets are skipped.
 */
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DsgradeError } from '../errors.js';
import { isIgnoredFile, isIgnoredFolder } from './paths.js';
import type { Budget, CopiedFile, SkipLog } from './safe-copy.js';

const CHUNK = 64 * 1024;

export async function copyFolder(srcRoot: string, destRoot: string, budget: Budget, skips: SkipLog): Promise<CopiedFile[]> {
  const copied: CopiedFile[] = [];

  async function walk(rel: string): Promise<void> {
    const srcDir = rel === '' ? srcRoot : path.join(srcRoot, ...rel.split('/'));
    let dirents;
    try {
      dirents = await fs.readdir(srcDir, { withFileTypes: true });
    } catch (err) {
      throw unreadable(srcRoot, rel === '' ? srcRoot : rel, err);
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      budget.entry();
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isSymbolicLink()) {
        skips.add('symlink', childRel);
      } else if (d.isDirectory()) {
        if (isIgnoredFolder(d.name)) continue;
        await fs.mkdir(path.join(destRoot, ...childRel.split('/')));
        await walk(childRel);
      } else if (d.isFile()) {
        if (isIgnoredFile(d.name)) continue;
        const file = await copyOne(childRel);
        if (file) copied.push(file);
      } else {
        skips.add('special', childRel);
      }
    }
  }

  async function copyOne(rel: string): Promise<CopiedFile | undefined> {
    const src = path.join(srcRoot, ...rel.split('/'));
    let input: fs.FileHandle;
    try {
      // O_NONBLOCK: opening a pipe that replaced the file must not hang the grader.
      input = await fs.open(src, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
        skips.add('symlink', rel);
        return undefined;
      }
      throw unreadable(srcRoot, rel, err);
    }
    try {
      const st = await input.stat();
      if (!st.isFile()) {
        skips.add('special', rel);
        return undefined;
      }
      budget.file();
      budget.addBytes(st.size);
      const absPath = path.join(destRoot, ...rel.split('/'));
      const output = await fs.open(absPath, 'wx', 0o644);
      let size = 0;
      try {
        const buf = Buffer.alloc(CHUNK);
        // Copy what the file holds now, at most st.size bytes: a file growing under us cannot blow the budget.
        while (size < st.size) {
          const { bytesRead } = await input.read(buf, 0, Math.min(CHUNK, st.size - size), null);
          if (bytesRead === 0) break;
          await output.write(buf, 0, bytesRead);
          size += bytesRead;
        }
      } finally {
        await output.close();
      }
      return { rel, absPath, size };
    } catch (err) {
      if (err instanceof DsgradeError) throw err;
      throw unreadable(srcRoot, rel, err);
    } finally {
      await input.close();
    }
  }

  await walk('');
  return copied;
}

function unreadable(submission: string, what: string, cause: unknown): DsgradeError {
  const detail = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message : String(cause));
  return new DsgradeError('SUBMISSION_UNREADABLE', `cannot read submission: ${what} (${detail})`, {
    file: submission,
    fix: 'make sure the submission folder and every file in it are readable by the grader, then run again',
    cause,
  });
}
