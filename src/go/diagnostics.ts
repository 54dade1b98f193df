/**
 * Turns the Go compiler's output into something a student can act on: file names as the student
 * knows them, and — before the wall of errors — a plain explanation when the real cause is an
 * import the project does not provide or an edited staff file that was replaced.
 */
export interface FileName {
  treePath: string;
  displayPath: string;
}

export interface IgnoredCopy extends FileName {
  differs: boolean;
  /** Exported names the copy declares and the staff file does not (an edit; see intake.ts). */
  added?: readonly string[];
  /** Every name the copy declares. */
  declared?: readonly string[];
  package?: string;
}

export interface DroppedFile {
  displayPath: string;
  /** The folder it was in, e.g. "bitcoin". */
  folder: string;
  package?: string;
  declared: readonly string[];
}

export interface DiagnosticsContext {
  /** Handin files taken from the submission. */
  handin: readonly FileName[];
  /** Staff files the student also handed in (their copy was ignored). */
  ignoredStaffCopies: readonly IgnoredCopy[];
  /** Go files the student handed in that no handin entry takes. */
  dropped?: readonly DroppedFile[];
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
  const attributed = attributeToIgnoredFiles(lines, ctx);
  for (const a of attributed) explanations.push(a.text);
  const blamed = new Set(attributed.map((a) => a.file));
  for (const copy of ctx.ignoredStaffCopies.filter((c) => (c.added?.length ?? 0) > 0 && !blamed.has(c.displayPath))) {
    explanations.push(
      `You handed in an edited copy of ${copy.displayPath}, a staff file: the staff copy of ${copy.treePath} was used, so what your copy adds (${(copy.added ?? []).join(', ')}) does not exist. ` +
        'If your code relies on it, move it into your own handin files.',
    );
  }
  const firstError = lines.find((l) => /^\S+\.go:\d+(:\d+)?: /.test(l.trim()))?.trim() ?? lines.find((l) => l.trim() && !l.startsWith('#'))?.trim() ?? 'compilation failed';
  const cause = attributed[0];
  const summary =
    imports.size > 0
      ? `imports a package the project does not provide: ${[...imports.keys()].join(', ')}`
      : cause
        ? `does not compile because ${cause.short}: ${cause.error}`
        : `does not compile: ${firstError}`;
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

interface Attribution {
  /** Display path of the ignored file. */
  file: string;
  /** The compiler line it explains. */
  error: string;
  /** For the summary: "bitcoin/common.go was not graded". */
  short: string;
  /** The explanation bullet. */
  text: string;
}

/** A compiler line that names something missing: `undefined: pkg.X`, `x.Y undefined (type *pkg.T has no field or method Y)`, … */
const MISSING_NAME: { re: RegExp; name: (m: RegExpExecArray) => { qualifier?: string; name: string } }[] = [
  { re: /: undefined: (?:(\w+)\.)?(\w+)$/, name: (m) => ({ ...(m[1] ? { qualifier: m[1] } : {}), name: m[2]! }) },
  { re: /: \S+ undefined \(type \*?(?:(\w+)\.)?(\w+)(?:\[[^\]]*\])? has no field or method (\w+)/, name: (m) => ({ ...(m[1] ? { qualifier: m[1] } : {}), name: `${m[2]}.${m[3]}` }) },
  { re: /: unknown field (\w+) in struct literal(?: of type \*?(?:(\w+)\.)?(\w+))?/, name: (m) => ({ ...(m[2] ? { qualifier: m[2] } : {}), name: m[3] ? `${m[3]}.${m[1]}` : m[1]! }) },
  { re: /: (?:too many|not enough) arguments in call to (?:(\w+)\.)?(\w+)/, name: (m) => ({ ...(m[1] ? { qualifier: m[1] } : {}), name: m[2]! }) },
];

/**
 * Build errors caused by a file the student handed in but that was not graded: a Go file no handin
 * entry takes (a helper such as bitcoin/common.go) or an edited staff copy. The compiler names what is
 * missing; if exactly such a name is declared in one of those files, in the package the error is
 * about, that file is the cause. One explanation per file (the first error it explains).
 */
function attributeToIgnoredFiles(lines: readonly string[], ctx: DiagnosticsContext): Attribution[] {
  const out: Attribution[] = [];
  let packagePath = '';
  for (const raw of lines) {
    const line = raw.trim();
    const header = /^# (\S+)/.exec(line);
    if (header) {
      packagePath = header[1]!;
      continue;
    }
    const fileDir = /^(\S+?\.go):\d+/.exec(line)?.[1]?.split('/').slice(0, -1).join('/').replace(/^\.\/?/, '');
    for (const { re, name } of MISSING_NAME) {
      const m = re.exec(line);
      if (!m) continue;
      const wanted = name(m);
      // The package the name should be in: the qualifier (a package name), else the erroring package.
      const currentDir = packagePath.startsWith(`${ctx.module}/`) ? packagePath.slice(ctx.module.length + 1) : (fileDir ?? '');
      const folder = wanted.qualifier ?? currentDir.split('/').pop() ?? '';
      const inPackage = (pkg: string | undefined, dirName: string): boolean => (wanted.qualifier ? pkg === wanted.qualifier || (pkg === undefined && dirName === folder) : dirName === folder);
      const copy = ctx.ignoredStaffCopies.find((c) => c.differs && c.declared?.includes(wanted.name) && inPackage(c.package, dirOf(c.treePath).split('/').pop() ?? '') && !out.some((o) => o.file === c.displayPath));
      const dropped = (ctx.dropped ?? []).find((d) => d.declared.includes(wanted.name) && inPackage(d.package, d.folder) && !out.some((o) => o.file === d.displayPath));
      const shown = wanted.qualifier ? `${wanted.qualifier}.${wanted.name}` : wanted.name;
      if (dropped) {
        out.push({
          file: dropped.displayPath,
          error: line,
          short: `${dropped.displayPath} was not graded`,
          text:
            `${line} — ${shown} is declared in ${dropped.displayPath}, which you handed in but which was not graded: it is not one of this project's handin files (see the notices). ` +
            'Move what your code needs from it into your handin files.',
        });
      } else if (copy) {
        const signature = /arguments in call to/.test(line);
        out.push({
          file: copy.displayPath,
          error: line,
          short: `your copy of ${copy.displayPath} (a staff file) was not used`,
          text:
            `${line} — ${shown} is declared in your copy of ${copy.displayPath}, a staff file; the staff copy of ${copy.treePath} was used instead, ` +
            (signature
              ? 'so if you changed its signature there, your code must use the staff signature. Keep staff files unchanged and put your own code into your handin files.'
              : 'which does not declare it. Move it into one of your own handin files.'),
        });
      }
      break;
    }
  }
  return out;
}

function dirOf(treePath: string): string {
  const i = treePath.lastIndexOf('/');
  return i < 0 ? '' : treePath.slice(0, i);
}
