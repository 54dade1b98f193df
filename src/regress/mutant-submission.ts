/**
 * The submission a mutant stands for. A mutant is one of:
 *
 * - a patch (`"patch": "mutants/<name>/mutant.patch"`): a unified diff against the reference, as
 *   `git diff` prints it. The reference is copied to a temporary folder and the patch applied;
 *   a patch that no longer applies is an error naming the mutant, the file and the hunk.
 * - an overlay (`"path"` with `"base": "reference"`): the folder keeps only the files in which the
 *   mutant differs, laid over a copy of the reference.
 * - a complete submission (`"path"` without `base`), graded from its own folder.
 *
 * Patches and overlays keep the bug visible at a glance, and a fix to the reference reaches every
 * mutant (a patch keeps applying as long as its hunks' lines are still there).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import type { Manifest, MutantSpec } from '../manifest/types.js';
import { registerTempDir } from '../sandbox/interrupt.js';
import { applyFilePatch, parsePatch, PatchError, type FilePatch } from './unified-diff.js';

export interface MutantSubmission {
  /** Folder to grade. */
  dir: string;
  /** Removes the composed folder (a no-op for a complete mutant). */
  dispose(): Promise<void>;
}

export async function mutantSubmission(manifest: Pick<Manifest, 'reference'>, mutant: MutantSpec, tmpRoot = os.tmpdir()): Promise<MutantSubmission> {
  if (mutant.patch === undefined && mutant.base !== 'reference') return { dir: mutant.path!, dispose: async () => undefined };
  if (!manifest.reference) {
    throw new DsgradeError('MANIFEST_INVALID', `mutant "${mutant.name}" is ${mutant.patch ? 'a patch of' : 'laid over'} the reference, but the manifest names no reference`, {
      fix: 'add "reference" to dsgrade.json, or make the mutant a complete submission ("path" without "base")',
    });
  }
  const root = await fs.mkdtemp(path.join(tmpRoot, `dsgrade-mutant-${mutant.name}-`));
  const unregister = registerTempDir(root);
  const dispose = async () => {
    unregister();
    await fs.rm(root, { recursive: true, force: true });
  };
  const dir = path.join(root, mutant.name);
  try {
    // Graders may run student processes as other uids; they only read the copy through the work tree.
    await fs.chmod(root, 0o755);
    await fs.cp(manifest.reference, dir, { recursive: true });
    if (mutant.patch !== undefined) await applyMutantPatch(mutant.name, mutant.patch, dir);
    else await fs.cp(mutant.path!, dir, { recursive: true, force: true });
  } catch (err) {
    await dispose();
    throw err;
  }
  return { dir, dispose };
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

/** Applies the patch file of mutant `name` to the tree in `dir`, in place. */
export async function applyMutantPatch(name: string, patchFile: string, dir: string): Promise<void> {
  const files = await readMutantPatch(name, patchFile);
  const results = await patchedContents(name, patchFile, files, dir);
  for (const [file, content] of results) {
    const target = path.join(dir, file.path);
    if (content === undefined) await fs.rm(target);
    else {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, content);
    }
  }
}

/**
 * Why the patch of mutant `name` cannot be applied to the reference in `referenceDir`, or
 * undefined when it applies cleanly. Nothing is written (validate uses it).
 */
export async function mutantPatchProblem(name: string, patchFile: string, referenceDir: string): Promise<string | undefined> {
  try {
    await patchedContents(name, patchFile, await readMutantPatch(name, patchFile), referenceDir);
    return undefined;
  } catch (err) {
    if (err instanceof DsgradeError) return err.message;
    throw err;
  }
}

async function readMutantPatch(name: string, patchFile: string): Promise<FilePatch[]> {
  let text: string;
  try {
    text = await fs.readFile(patchFile, 'utf8');
  } catch (err) {
    throw new DsgradeError('MANIFEST_INVALID', `mutant "${name}": cannot read its patch ${patchFile}: ${(err as Error).message}`, {
      file: patchFile,
      fix: 'create the patch (see docs/manifest.md, "Mutants") or correct "patch" in dsgrade.json',
    });
  }
  try {
    return parsePatch(text);
  } catch (err) {
    if (!(err instanceof PatchError)) throw err;
    throw new DsgradeError('MANIFEST_INVALID', `mutant "${name}": ${patchFile} is not a unified diff: ${err.message}`, { file: patchFile, fix: REGENERATE });
  }
}

const REGENERATE =
  "regenerate it: in a git repository holding a copy of the reference, make the mutant's change and run `git diff > <the patch file>` (docs/manifest.md, \"Mutant patches\"), or mend the hunk by hand";

/** The new content of every patched file (undefined: deleted), computed without writing. */
async function patchedContents(name: string, patchFile: string, files: FilePatch[], dir: string): Promise<[FilePatch, string | undefined][]> {
  const out: [FilePatch, string | undefined][] = [];
  for (const file of files) {
    let old: string | undefined;
    try {
      old = await fs.readFile(path.join(dir, file.path), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      out.push([file, applyFilePatch(file, old)]);
    } catch (err) {
      if (!(err instanceof PatchError)) throw err;
      throw new DsgradeError('MANIFEST_INVALID', `mutant "${name}": its patch no longer applies to the reference: ${err.message}`, { file: patchFile, fix: REGENERATE });
    }
  }
  return out;
}
