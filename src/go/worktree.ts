/**
 * A fresh work tree per graded submission: the staff starter's module root, the hidden staff files
 * on top, then exactly the handin files taken by intake. Staff files always win: intake never
 * hands us one, and they are laid down before the handin files only where no handin path exists.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../manifest/types.js';
import { copyTree } from '../util/fs.js';

export interface TreeFile {
  treePath: string;
  sourcePath: string;
}

export interface WorkTree {
  /** Absolute path of the module root (holds go.mod). */
  moduleDir: string;
}

export async function assembleTree(manifest: Manifest, handin: readonly TreeFile[], dest: string): Promise<WorkTree> {
  const moduleDir = path.join(dest, 'module');
  await copyTree(path.join(manifest.starter, manifest.go.moduleRoot), moduleDir);
  if (manifest.staff) await copyTree(manifest.staff, moduleDir);
  for (const file of handin) {
    const target = path.join(moduleDir, ...file.treePath.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(file.sourcePath, target);
  }
  return { moduleDir };
}

/** Replaces one file of a tree (student-test grading swaps in buggy implementations). */
export async function replaceFile(tree: WorkTree, treePath: string, source: string): Promise<void> {
  await fs.copyFile(source, path.join(tree.moduleDir, ...treePath.split('/')));
}

/** A copy of a whole tree, for variants that must not disturb each other. */
export async function cloneTree(tree: WorkTree, dest: string): Promise<WorkTree> {
  const moduleDir = path.join(dest, 'module');
  await copyTree(tree.moduleDir, moduleDir);
  return { moduleDir };
}
