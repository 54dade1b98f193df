import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * writeFileAtomic writes `data` to `path` so that readers see either the old file or the whole new
 * one, never a half-written file: it writes `<path>.tmp-<pid>-<random>` in the same folder, flushes
 * it to disk, then renames it over `path`. The folder is created when missing. On failure the
 * temporary file is removed and the error is rethrown.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let renamed = false;
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    renamed = true;
    await syncDir(dir);
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/** syncDir flushes the folder entry of a rename; best effort, as not every platform allows it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be opened or fsynced on some platforms (Windows); the rename still holds.
  }
}
