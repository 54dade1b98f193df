import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Every regular file below `root`, as slash-separated relative paths, sorted. Links are not followed. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(childRel);
      else if (entry.isFile()) out.push(childRel);
    }
  }
  await walk('');
  return out.sort();
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Copies a tree (files and folders only; links are skipped), creating `dest`. */
export async function copyTree(src: string, dest: string): Promise<void> {
  await fs.cp(src, dest, {
    recursive: true,
    force: true,
    verbatimSymlinks: true,
    filter: async (source) => !(await fs.lstat(source)).isSymbolicLink(),
  });
}
