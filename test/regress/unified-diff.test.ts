/**
 * The mutant-patch applier: hand-written diffs for each rule (offsets, creation, deletion, missing
 * final newlines, mismatches), and diffs made by real `git diff` for random edits of a file,
 * which must apply to exactly git's result.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyFilePatch, parsePatch, PatchError } from '../../src/regress/unified-diff.js';

const numbered = (n: number, from = 1): string => Array.from({ length: n }, (_, k) => `line ${from + k}`).join('\n') + '\n';

const TWO_HUNKS = `diff --git a/raft/raft.go b/raft/raft.go
index 1111111..2222222 100644
--- a/raft/raft.go
+++ b/raft/raft.go
@@ -2,3 +2,3 @@ func context
 line 2
-line 3
+LINE THREE
 line 4
@@ -10,2 +10,4 @@
 line 10
+added a
+added b
 line 11
`;

function applyOne(patch: string, old: string | undefined): string | undefined {
  const files = parsePatch(patch);
  expect(files).toHaveLength(1);
  return applyFilePatch(files[0]!, old);
}

describe('parsePatch', () => {
  it('reads files, hunks and their lines; strips a/ and b/', () => {
    const [f] = parsePatch(TWO_HUNKS);
    expect(f).toMatchObject({ path: 'raft/raft.go', kind: 'modify' });
    expect(f!.hunks.map((h) => [h.number, h.oldStart, h.oldLines.length, h.newLines.length])).toEqual([
      [1, 2, 3, 3],
      [2, 10, 2, 4],
    ]);
  });

  it('refuses paths outside the tree, renames, bad counts and empty input', () => {
    expect(() => parsePatch('--- a/../x\n+++ b/../x\n@@ -1 +1 @@\n-a\n+b\n')).toThrow(/unsafe path/);
    expect(() => parsePatch('--- a/x\n+++ b/y\n@@ -1 +1 @@\n-a\n+b\n')).toThrow(/renames are not supported/);
    expect(() => parsePatch('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n')).toThrow(/hunk 1 \(@@ -1,2 \+1,2 @@\) ends early/);
    expect(() => parsePatch('--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n-b\n+c\n')).toThrow(/does not fit the counts/);
    expect(() => parsePatch('--- a/x\n+++ b/x\n@@ nonsense @@\n')).toThrow(/malformed hunk header/);
    expect(() => parsePatch('just text\n')).toThrow(PatchError);
  });
});

describe('applyFilePatch', () => {
  it('applies hunks at their lines', () => {
    const want = numbered(20).replace('line 3\n', 'LINE THREE\n').replace('line 10\n', 'line 10\nadded a\nadded b\n');
    expect(applyOne(TWO_HUNKS, numbered(20))).toBe(want);
  });

  it('finds hunks that moved because the file changed elsewhere (no fuzz: the lines must match)', () => {
    const moved = 'new first line\nanother\n' + numbered(20);
    const want = moved.replace('line 3\n', 'LINE THREE\n').replace('line 10\n', 'line 10\nadded a\nadded b\n');
    expect(applyOne(TWO_HUNKS, moved)).toBe(want);
  });

  it('a hunk whose lines are gone fails, naming the file, the hunk and the line that differs', () => {
    const changed = numbered(20).replace('line 11\n', 'line eleven\n');
    let err: unknown;
    try {
      applyOne(TWO_HUNKS, changed);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PatchError);
    expect((err as PatchError).message).toBe(
      'raft/raft.go: hunk 2 (@@ -10,2 +10,4 @@) does not apply: its context and removed lines are not in the file; at line 11 the hunk expects "line 11" but the file has "line eleven"',
    );
    expect((err as PatchError).where).toMatchObject({ file: 'raft/raft.go', hunk: 2 });
  });

  it('a file that is too short, or missing', () => {
    expect(() => applyOne(TWO_HUNKS, numbered(4))).toThrow(/hunk 2 .* the file ends before line 10/);
    expect(() => applyOne(TWO_HUNKS, undefined)).toThrow(/raft\/raft.go: the file does not exist/);
  });

  it('creates and deletes files', () => {
    const created = applyOne('--- /dev/null\n+++ b/raft/extra.go\n@@ -0,0 +1,2 @@\n+package raft\n+// extra\n', undefined);
    expect(created).toBe('package raft\n// extra\n');
    expect(() => applyOne('--- /dev/null\n+++ b/x.go\n@@ -0,0 +1 @@\n+a\n', 'exists\n')).toThrow(/already exists/);
    expect(applyOne('--- a/x.go\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n', 'a\nb\n')).toBeUndefined();
  });

  it('keeps or drops the final newline as the patch says', () => {
    // The new side loses its final newline.
    expect(applyOne('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n', 'a\nb\n')).toBe('a\nc');
    // The old side had none, the new side has one.
    expect(applyOne('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n', 'a\nb')).toBe('a\nb\n');
    // A file without a final newline, patched elsewhere, keeps having none.
    expect(applyOne('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n', 'a\nb\nc')).toBe('A\nb\nc');
  });
});

describe('agrees with git diff', () => {
  it('random edits of a 60-line file: the patch git makes applies to exactly the edited file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-diff-test-'));
    try {
      let seed = 20261201;
      const rand = (n: number): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      for (let round = 0; round < 25; round++) {
        const old = Array.from({ length: 60 }, (_, k) => `l${k % 7}`); // repeated lines make matching ambiguous
        const edited = [...old];
        for (let e = 0; e < 1 + rand(6); e++) {
          const at = rand(edited.length);
          const op = rand(3);
          if (op === 0) edited.splice(at, 1);
          else if (op === 1) edited.splice(at, 0, `new ${round}.${e}`);
          else edited[at] = `changed ${round}.${e}`;
        }
        const a = path.join(dir, 'a.txt');
        const b = path.join(dir, 'b.txt');
        await fs.writeFile(a, old.join('\n') + '\n');
        await fs.writeFile(b, edited.join('\n') + (round % 5 === 0 ? '' : '\n'));
        let patch: string;
        try {
          patch = execFileSync('git', ['diff', '--no-index', `--unified=${rand(4)}`, 'a.txt', 'b.txt'], { cwd: dir, encoding: 'utf8' });
        } catch (e) {
          patch = (e as { stdout: string }).stdout; // git diff exits 1 when the files differ
        }
        const [file] = parsePatch(patch.replaceAll('b/b.txt', 'b/a.txt'));
        expect(applyFilePatch(file!, await fs.readFile(a, 'utf8')), `round ${round}:\n${patch}`).toBe(await fs.readFile(b, 'utf8'));
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
