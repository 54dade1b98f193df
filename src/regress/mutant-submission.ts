/**
 * The submission a mutant stands for. A mutant with `"base": "reference"` keeps only the files in
 * which it differs from the reference, so a reader sees the bug at a glance and a fix to the
 * reference reaches every mutant; to grade it, the reference is copied to a temporary folder and
 * the mutant's files are laid over it. A mutant without `base` is a complete submission already.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import type { Manifest, MutantSpec } from '../manifest/types.js';
import { registerTempDir } from '../sandbox/interrupt.js';

export interface MutantSubmission {
  /** Folder to grade. */
  dir: string;
  /** Removes the composed folder (a no-op for a complete mutant). */
  dispose(): Promise<void>;
}

export async function mutantSubmission(manifest: Pick<Manifest, 'reference'>, mutant: MutantSpec, tmpRoot = os.tmpdir()): Promise<MutantSubmission> {
  if (mutant.base !== 'reference') return { dir: mutant.path, dispose: async () => undefined };
  if (!manifest.reference) {
    throw new DsgradeError('MANIFEST_INVALID', `mutant "${mutant.name}" is laid over the reference, but the manifest names no reference`, {
      fix: 'add "reference" to dsgrade.json, or put every handin file in the mutant folder and remove "base"',
    });
  }
  const root = await fs.mkdtemp(path.join(tmpRoot, `dsgrade-mutant-${mutant.name}-`));
  const unregister = registerTempDir(root);
  const dir = path.join(root, mutant.name);
  // Graders may run student processes as other uids; they only read the copy through the work tree.
  await fs.chmod(root, 0o755);
  await fs.cp(manifest.reference, dir, { recursive: true });
  await fs.cp(mutant.path, dir, { recursive: true, force: true });
  return {
    dir,
    dispose: async () => {
      unregister();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` with the mutant's submission folder, removing a composed folder afterwards. */
export async function withMutantSubmission<T>(manifest: Pick<Manifest, 'reference'>, mutant: MutantSpec, fn: (dir: string) => Promise<T>): Promise<T> {
  const sub = await mutantSubmission(manifest, mutant);
  try {
    return await fn(sub.dir);
  } finally {
    await sub.dispose();
  }
}
