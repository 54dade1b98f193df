import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutantSpec } from '../../src/manifest/types.js';
import { mutantSubmission, withMutantSubmission } from '../../src/regress/mutant-submission.js';

let tmp: string;
let reference: string;
const mutant = (over: Partial<MutantSpec>): MutantSpec => ({ name: 'bug', path: path.join(tmp, 'mutants', 'bug'), expectedScore: 0, catchers: [], ...over });

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-mutant-test-'));
  reference = path.join(tmp, 'reference');
  await fs.mkdir(path.join(reference, 'lsp'), { recursive: true });
  await fs.writeFile(path.join(reference, 'lsp', 'peer.go'), 'correct peer\n');
  await fs.writeFile(path.join(reference, 'lsp', 'client.go'), 'client\n');
  await fs.writeFile(path.join(reference, 'README'), 'ref readme\n');
  await fs.mkdir(path.join(tmp, 'mutants', 'bug', 'lsp'), { recursive: true });
  await fs.writeFile(path.join(tmp, 'mutants', 'bug', 'lsp', 'peer.go'), 'buggy peer\n');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const full = path.join(e.parentPath, e.name);
      out[path.relative(dir, full)] = await fs.readFile(full, 'utf8');
    }
  }
  return out;
}

describe('mutantSubmission', () => {
  it('lays an overlay mutant over a copy of the reference, and removes the copy afterwards', async () => {
    const sub = await mutantSubmission({ reference }, mutant({ base: 'reference' }));
    expect(sub.dir).not.toBe(reference);
    expect(await tree(sub.dir)).toEqual({ 'lsp/peer.go': 'buggy peer\n', 'lsp/client.go': 'client\n', README: 'ref readme\n' });
    expect(await tree(reference)).toEqual({ 'lsp/peer.go': 'correct peer\n', 'lsp/client.go': 'client\n', README: 'ref readme\n' });
    await sub.dispose();
    await expect(fs.stat(sub.dir)).rejects.toThrow(/ENOENT/);
  });

  it('a complete mutant (no base) is graded from its own folder', async () => {
    const m = mutant({});
    expect(await withMutantSubmission({ reference }, m, async (dir) => dir)).toBe(m.path);
    expect(await fs.stat(m.path)).toBeDefined();
  });

  it('an overlay with no reference is a manifest error naming the fix', async () => {
    await expect(mutantSubmission({ reference: undefined }, mutant({ base: 'reference' }))).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
  });

  it('the composed folder is removed even when grading throws', async () => {
    let seen = '';
    await expect(
      withMutantSubmission({ reference }, mutant({ base: 'reference' }), async (dir) => {
        seen = dir;
        throw new Error('grading failed');
      }),
    ).rejects.toThrow('grading failed');
    await expect(fs.stat(seen)).rejects.toThrow(/ENOENT/);
  });
});
