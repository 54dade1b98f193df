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
    expect(await fs.stat(m.path!)).toBeDefined();
  });

  it('an overlay with no reference is a manifest error naming the fix', async () => {
    await expect(mutantSubmission({ reference: undefined }, mutant({ base: 'reference' }))).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
  });

  it('a patch mutant is the reference with the patch applied (files changed, created, deleted)', async () => {
    const patch = path.join(tmp, 'mutants', 'patched.patch');
    await fs.writeFile(
      patch,
      [
        'diff --git a/lsp/peer.go b/lsp/peer.go',
        '--- a/lsp/peer.go',
        '+++ b/lsp/peer.go',
        '@@ -1 +1 @@',
        '-correct peer',
        '+patched peer',
        '--- /dev/null',
        '+++ b/lsp/extra.go',
        '@@ -0,0 +1 @@',
        '+extra',
        '--- a/README',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-ref readme',
        '',
      ].join('\n'),
    );
    const sub = await mutantSubmission({ reference }, { name: 'patched', patch, expectedScore: 0, catchers: [] });
    expect(await tree(sub.dir)).toEqual({ 'lsp/peer.go': 'patched peer\n', 'lsp/client.go': 'client\n', 'lsp/extra.go': 'extra\n' });
    expect(await tree(reference)).toEqual({ 'lsp/peer.go': 'correct peer\n', 'lsp/client.go': 'client\n', README: 'ref readme\n' });
    await sub.dispose();
    await expect(fs.stat(sub.dir)).rejects.toThrow(/ENOENT/);
  });

  it('a patch that no longer applies fails loudly, naming the mutant, the file and the hunk, and leaves nothing behind', async () => {
    const patch = path.join(tmp, 'mutants', 'stale.patch');
    await fs.writeFile(patch, '--- a/lsp/client.go\n+++ b/lsp/client.go\n@@ -1 +1 @@\n-old client\n+new client\n');
    const before = (await fs.readdir(tmp)).length;
    const err = await mutantSubmission({ reference }, { name: 'stale', patch, expectedScore: 0, catchers: [] }, tmp).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'MANIFEST_INVALID',
      file: patch,
      message:
        'mutant "stale": its patch no longer applies to the reference: lsp/client.go: hunk 1 (@@ -1 +1 @@) does not apply: its context and removed lines are not in the file; at line 1 the hunk expects "old client" but the file has "client"',
    });
    expect((err as { fix: string }).fix).toMatch(/git diff/);
    expect((await fs.readdir(tmp)).length).toBe(before);
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
