import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
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

/**
 * Fails early, before any grading, when `path` cannot be written the way writeFileAtomic will
 * write it: its folder is created if missing, then a probe file is created there and removed. A
 * path that is a folder, a folder that cannot be created (a file in the way, a read-only file
 * system, /proc) and a folder without write permission all end here, with the reason.
 */
export async function probeWritable(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' });
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const probe = join(dir, `.${basename(path)}.probe-${process.pid}-${randomBytes(6).toString('hex')}`);
  const handle = await open(probe, 'wx', 0o600);
  await handle.close();
  await unlink(probe);
}
