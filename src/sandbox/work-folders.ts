/**
 * Work folders as the jail needs them: a root-owned parent no run uid can list, run folders
 * without Go sources, execute-only binaries, trees given to the builder uid.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The parent of every work folder. As root: `<tmp>/dsgrade-runs`, root's, mode 0711, so a run uid
 * listing /tmp sees that one name and cannot list it — no run sees another run's work folder names
 * (Gradescope gives no mount namespace for a private /tmp; see docs/security.md). Anything else in
 * its place (a run uid's folder or link created first, in world-writable /tmp) is removed. Not
 * root: the temporary folder itself (student code runs as you and could list anything anyway).
 */
export async function workFolderParent(tmp: string = os.tmpdir()): Promise<string> {
  if (process.getuid?.() !== 0) return tmp;
  const dir = path.join(tmp, 'dsgrade-runs');
  for (let attempt = 0; ; attempt++) {
    const st = await fs.lstat(dir).catch(() => undefined);
    if (st?.isDirectory() && st.uid === 0) {
      if ((st.mode & 0o7777) !== 0o711) await fs.chmod(dir, 0o711);
      return dir;
    }
    if (st) await fs.rm(dir, { recursive: true, force: true });
    try {
      await fs.mkdir(dir, { mode: 0o711 });
    } catch (err) {
      // Someone else created it between the two calls: look again (a few times, then give up loudly).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
  }
}

/** Copies a package folder without its Go sources: where test binaries run, so staff test sources are not beside them. */
export async function makeRunDir(pkgDir: string, runDir: string): Promise<string> {
  await fs.rm(runDir, { recursive: true, force: true });
  await fs.mkdir(runDir, { recursive: true });
  await fs.cp(pkgDir, runDir, {
    recursive: true,
    filter: async (source) => {
      const st = await fs.lstat(source);
      if (st.isSymbolicLink()) return false;
      return st.isDirectory() || !source.endsWith('.go');
    },
  });
  return runDir;
}

/**
 * As root: the binary becomes root's, mode 0711 — run uids (and the Docker sandbox's user) may
 * execute it but not read it, so a test cannot copy its own binary or another one and print the
 * staff tests' strings, and the builder cannot make it readable again. execve needs no read
 * permission (the kernel maps the file; for -race binaries ld.so gets it from the kernel too).
 * Not root: nothing to do (student code runs as the owner, who may read).
 */
export async function sealExecutable(file: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await fs.chown(file, 0, 0);
  await fs.chmod(file, 0o711);
}

export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(dir, uid, gid);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await chownTree(p, uid, gid);
      else await fs.lchown(p, uid, gid);
    }),
  );
}
