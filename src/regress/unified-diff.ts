/**
 * A small, strict unified-diff reader and applier for mutant patches (`git diff` output against
 * the reference: `--- a/<path>` / `+++ b/<path>` headers, `@@ -l,s +l,s @@` hunks). A hunk applies
 * where its context and removed lines match exactly, at the line it names or, when the reference
 * has moved, at the nearest place after the previous hunk (as `git apply` does, with no fuzz).
 * Anything else is a `PatchError` that names the file, the hunk and the first line that differs,
 * so a mutant that no longer fits the reference fails loudly instead of grading something else.
 */

export interface Hunk {
  /** 1-based hunk number within its file, for messages. */
  number: number;
  /** The `@@ … @@` line as written. */
  header: string;
  /** 1-based first line in the old file (0 for an empty old side). */
  oldStart: number;
  /** Lines the hunk expects (context and removed), and what replaces them (context and added). */
  oldLines: string[];
  newLines: string[];
}

export interface FilePatch {
  /** Path relative to the patched tree (a/ and b/ prefixes removed). */
  path: string;
  /** The file is created (`--- /dev/null`) or deleted (`+++ /dev/null`). */
  kind: 'modify' | 'create' | 'delete';
  hunks: Hunk[];
  /** Whether the new file ends without a newline (`\ No newline at end of file` after the new side). */
  newNoNewline: boolean;
}

export class PatchError extends Error {
  constructor(
    message: string,
    readonly where: { file?: string; hunk?: number; header?: string; line?: number } = {},
  ) {
    super(message);
    this.name = 'PatchError';
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Parses a unified diff with one or more files. */
export function parsePatch(text: string): FilePatch[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const files: FilePatch[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.startsWith('--- ')) {
      i++; // `diff --git`, `index …`, mode lines and free text before a file are skipped
      continue;
    }
    const oldName = headerPath(lines[i]!, '--- ', i + 1);
    const plus = lines[i + 1];
    if (plus === undefined || !plus.startsWith('+++ ')) throw new PatchError(`line ${i + 2}: expected a "+++ b/<path>" line after "${lines[i]}"`, { line: i + 2 });
    const newName = headerPath(plus, '+++ ', i + 2);
    i += 2;
    const kind = oldName === null ? 'create' : newName === null ? 'delete' : 'modify';
    if (oldName === null && newName === null) throw new PatchError(`line ${i - 1}: both sides are /dev/null`, { line: i - 1 });
    if (oldName !== null && newName !== null && oldName !== newName) {
      throw new PatchError(`line ${i - 1}: renames are not supported (${oldName} → ${newName})`, { file: newName, line: i - 1 });
    }
    const file: FilePatch = { path: (newName ?? oldName)!, kind, hunks: [], newNoNewline: false };
    while (i < lines.length && lines[i]!.startsWith('@@')) {
      const m = HUNK_HEADER.exec(lines[i]!);
      if (!m) throw new PatchError(`line ${i + 1}: malformed hunk header "${lines[i]}"`, { file: file.path, line: i + 1 });
      const hunk: Hunk = { number: file.hunks.length + 1, header: lines[i]!, oldStart: Number(m[1]), oldLines: [], newLines: [] };
      let oldLeft = m[2] === undefined ? 1 : Number(m[2]);
      let newLeft = m[4] === undefined ? 1 : Number(m[4]);
      i++;
      while (oldLeft > 0 || newLeft > 0) {
        const l = lines[i];
        if (l === undefined) throw new PatchError(`${file.path}: hunk ${hunk.number} (${hunk.header}) ends early: ${oldLeft} old and ${newLeft} new line(s) missing`, { file: file.path, hunk: hunk.number, header: hunk.header });
        const tag = l[0] ?? ' '; // an empty line is an empty context line (some editors strip the space)
        const body = l.slice(1);
        if (tag === ' ' && oldLeft > 0 && newLeft > 0) {
          hunk.oldLines.push(body);
          hunk.newLines.push(body);
          oldLeft--;
          newLeft--;
        } else if (tag === '-' && oldLeft > 0) {
          hunk.oldLines.push(body);
          oldLeft--;
        } else if (tag === '+' && newLeft > 0) {
          hunk.newLines.push(body);
          newLeft--;
        } else if (tag === '\\') {
          noNewlineMarker(file, lines[i - 1]);
        } else {
          throw new PatchError(`${file.path}: hunk ${hunk.number} (${hunk.header}), line ${i + 1} of the patch: "${l}" does not fit the counts in the header`, { file: file.path, hunk: hunk.number, header: hunk.header, line: i + 1 });
        }
        i++;
      }
      if (lines[i]?.startsWith('\\')) {
        noNewlineMarker(file, lines[i - 1]);
        i++;
      }
      file.hunks.push(hunk);
    }
    if (file.hunks.length === 0 && kind === 'modify') throw new PatchError(`${file.path}: no hunks`, { file: file.path });
    files.push(file);
  }
  if (files.length === 0) throw new PatchError('no file changes found (expected "--- a/<path>" and "+++ b/<path>" lines)');
  return files;
}

/** "\\ No newline at end of file" is about the patch line before it: the new side lacks it unless that line was removed. */
function noNewlineMarker(file: FilePatch, previous: string | undefined): void {
  if (previous !== undefined && !previous.startsWith('-')) file.newNoNewline = true;
}

function headerPath(line: string, prefix: string, lineNo: number): string | null {
  const raw = line.slice(prefix.length).split('\t')[0]!.trim();
  if (raw === '/dev/null') return null;
  const p = raw.replace(/^[ab]\//, '');
  if (p === '' || p.startsWith('/') || p.split('/').includes('..')) throw new PatchError(`line ${lineNo}: unsafe path "${raw}" (paths must stay inside the submission)`, { line: lineNo });
  return p;
}

/**
 * Applies one file's hunks to its old content (undefined for a file that does not exist) and
 * returns the new content (undefined when the file is deleted).
 */
export function applyFilePatch(file: FilePatch, old: string | undefined): string | undefined {
  if (file.kind === 'create') {
    if (old !== undefined) throw new PatchError(`${file.path}: the patch creates this file, but it already exists`, { file: file.path });
    old = '';
  } else if (old === undefined) {
    throw new PatchError(`${file.path}: the file does not exist`, { file: file.path });
  }
  const hadNewline = old.endsWith('\n') || old === '';
  const lines = old === '' ? [] : (hadNewline ? old.slice(0, -1) : old).split('\n');
  // The result ends without a newline if the old file did and no hunk touched its last line, or
  // if the hunk that did says so.
  let noNewline = !hadNewline;
  let floor = 0; // hunks apply in order, each after the previous one
  let shift = 0; // how far the new file's lines have moved so far
  for (const hunk of file.hunks) {
    const wanted = Math.max(0, (hunk.oldLines.length === 0 ? hunk.oldStart : hunk.oldStart - 1) + shift);
    const at = findBlock(lines, hunk.oldLines, wanted, floor);
    if (at < 0) throw mismatch(file, hunk, lines, wanted);
    if (at + hunk.oldLines.length === lines.length) noNewline = file.newNoNewline;
    lines.splice(at, hunk.oldLines.length, ...hunk.newLines);
    floor = at + hunk.newLines.length;
    shift += hunk.newLines.length - hunk.oldLines.length;
  }
  if (file.kind === 'delete') {
    if (lines.length > 0) throw new PatchError(`${file.path}: the patch deletes this file, but lines would remain`, { file: file.path });
    return undefined;
  }
  if (lines.length === 0) return '';
  return lines.join('\n') + (noNewline ? '' : '\n');
}

/** The start of `block` in `lines` nearest to `wanted`, not before `floor`; -1 if it is nowhere. */
function findBlock(lines: readonly string[], block: readonly string[], wanted: number, floor: number): number {
  const fits = (at: number) => at >= floor && at + block.length <= lines.length && block.every((l, k) => lines[at + k] === l);
  for (let d = 0; wanted - d >= floor || wanted + d <= lines.length; d++) {
    if (fits(wanted - d)) return wanted - d;
    if (d > 0 && fits(wanted + d)) return wanted + d;
  }
  return -1;
}

function mismatch(file: FilePatch, hunk: Hunk, lines: readonly string[], wanted: number): PatchError {
  let detail = '';
  for (let k = 0; k < hunk.oldLines.length; k++) {
    const have = lines[wanted + k];
    if (have !== hunk.oldLines[k]) {
      detail = have === undefined ? `; the file ends before line ${wanted + k + 1}, which the hunk expects to be "${hunk.oldLines[k]}"` : `; at line ${wanted + k + 1} the hunk expects "${hunk.oldLines[k]}" but the file has "${have}"`;
      break;
    }
  }
  return new PatchError(`${file.path}: hunk ${hunk.number} (${hunk.header}) does not apply: its context and removed lines are not in the file${detail}`, {
    file: file.path,
    hunk: hunk.number,
    header: hunk.header,
    line: wanted + 1,
  });
}
