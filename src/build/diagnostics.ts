/**
 * Turns the Go compiler's output into something a student can act on: file names as the student
 * knows them, and — before the wall of errors — a plain explanation when the real cause is an
 * import the project does not provide or an edited staff file that was replaced.
 */
export interface FileName {
  treePath: string;
  displayPath: string;
}

export interface DiagnosticsContext {
  /** Handin files taken from the submission. */
  handin: readonly FileName[];
  /** Staff files the student also handed in (their copy was ignored). */
  ignoredStaffCopies: readonly (FileName & { differs: boolean })[];
  module: string;
  allowDownloads: boolean;
}

export interface Explained {
  /** First line to show in tables. */
  summary: string;
  /** Explanations first, then the compiler's output with student file names. */
  text: string;
}

/** Import failures; group 4 is the package when go names it (a failed module lookup may not). */
const MISSING_PACKAGE = [
  /^(\S+?\.go):(\d+):(\d+): (?:no required module provides package|cannot find module providing package) (\S+?)[;:]/,
  /^(\S+?\.go):(\d+):(\d+): package (\S+) is not in std/,
  /^(\S+?\.go):(\d+):(\d+): missing go\.sum entry for module providing package (\S+)/,
  // "kv/x.go:3:8: module lookup disabled by GOPROXY=off" (Go 1.26), or with "<module>@<version>: " first.
  /^(\S+?\.go):(\d+):(\d+): (?:(\S+?)(?:@\S+)?: )?(?:module lookup disabled|cannot find module)/,
];

export function explainCompileErrors(rawOutput: string, ctx: DiagnosticsContext): Explained {
  const text = renameFiles(rawOutput, ctx).trim();
  const lines = text.split('\n');
  const explanations: string[] = [];

  // Missing package (or, when go does not name it, the import's position) → where it is imported.
  const imports = new Map<string, { where: string; named: boolean }>();
  for (const line of lines) {
    for (const re of MISSING_PACKAGE) {
      const m = re.exec(line.trim());
      if (!m) continue;
      const where = `${m[1]}:${m[2]}`;
      imports.set(m[4] ?? `the import at ${where}`, { where, named: m[4] !== undefined });
      break;
    }
  }
  for (const [pkg, { where, named }] of imports) {
    explanations.push(
      (named ? `${where} imports "${pkg}", which this project does not provide. ` : `${where} imports a package from a module this project does not provide. `) +
        (ctx.allowDownloads
          ? 'The module could not be found or downloaded.'
          : `Only the Go standard library and packages of the module ${ctx.module} are available (no downloads while grading).`) +
        ' Remove the import and use the standard library instead.',
    );
  }
  const edited = ctx.ignoredStaffCopies.filter((c) => c.differs);
  for (const copy of edited) {
    explanations.push(
      `You handed in an edited copy of ${copy.displayPath}, a staff file: the staff copy of ${copy.treePath} was used and your edits were ignored. ` +
        'If your code relies on those edits (a changed signature, an added field or function), move them into your own handin files.',
    );
  }
  const firstError = lines.find((l) => /^\S+\.go:\d+(:\d+)?: /.test(l.trim()))?.trim() ?? lines.find((l) => l.trim() && !l.startsWith('#'))?.trim() ?? 'compilation failed';
  const summary = imports.size > 0 ? `imports a package the project does not provide: ${[...imports.keys()].join(', ')}` : `does not compile: ${firstError}`;
  const parts = [];
  if (explanations.length > 0) parts.push(explanations.map((e) => `* ${e}`).join('\n'), '');
  parts.push('Compiler output:', text);
  return { summary, text: parts.join('\n') };
}

/** Replaces tree paths (as go prints them, possibly with ./ or the package folder) by display paths. */
function renameFiles(output: string, ctx: DiagnosticsContext): string {
  let out = output;
  const names = [...ctx.handin, ...ctx.ignoredStaffCopies.map((c) => ({ treePath: c.treePath, displayPath: `${c.treePath} (staff copy)` }))];
  // Longest first, so a/b/c.go is replaced before b/c.go.
  names.sort((a, b) => b.treePath.length - a.treePath.length);
  for (const { treePath, displayPath } of names) {
    const escaped = treePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(^|[\\s(])(?:\\./)?${escaped}(?=:\\d)`, 'gm'), `$1${displayPath}`);
    // go test -c run inside the package folder prints ./file.go.
    const base = treePath.split('/').pop()!;
    const dir = treePath.slice(0, -base.length - 1);
    if (dir) {
      const b = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(`(^|[\\s(])\\./${b}(?=:\\d)`, 'gm'), `$1${displayPath}`);
    }
  }
  return out;
}
