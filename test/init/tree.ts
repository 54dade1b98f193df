/** Tiny course trees in a temp folder, written from a map of path → content. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function makeTree(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-init-test-'));
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
  }
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}
