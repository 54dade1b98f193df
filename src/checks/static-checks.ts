/**
 * Static checks as graded tests: gofmt, allowed/forbidden imports, size limits for handed-in
 * files, channel buffer limits. Each check turns the vet reports of its files into one verdict
 * with every violation listed (file:line), so the student can fix them all in one go.
 */
import type { CheckSpec } from '../manifest/types.js';
import type { Verdict } from '../model.js';
import { matchesGlob } from '../util/glob.js';
import type { VetFileReport } from './vet-client.js';

export interface CheckOutcome {
  verdict: Verdict;
  summary: string;
  output: string;
}

export interface CheckInput {
  check: CheckSpec;
  /** Handin tree paths present in the work tree. */
  present: readonly string[];
  /** Handin tree paths that were required but not handed in. */
  missing: readonly string[];
  /** Vet report per tree path. */
  reports: ReadonlyMap<string, VetFileReport>;
  /** Tree path → the name the student knows. */
  displayName: (treePath: string) => string;
  module: string;
}

/**
 * evaluateCheck judges the files of a check that were handed in. A missing file is not this check's
 * failure: it is reported once, by intake and by the tests that need it (one cause, one failure), and
 * the check says it did not look at it. Only when none of its files were handed in does the check
 * fail, since there is nothing to give its points for.
 */
export function evaluateCheck(input: CheckInput): CheckOutcome {
  const { check } = input;
  const files = input.present.filter((p) => check.files.some((f) => f === p || matchesGlob(f, p)));
  const missing = check.files.filter((f) => input.missing.includes(f));
  const problems: string[] = [];
  const notLooked = missing.length > 0 ? `\n\nNot checked, because not handed in: ${missing.join(', ')} (see the notices).` : '';
  for (const treePath of files) {
    const report = input.reports.get(treePath);
    const name = input.displayName(treePath);
    if (!report || report.error) {
      problems.push(`${name}: could not be read${report?.error ? ` (${report.error})` : ''}`);
      continue;
    }
    if (report.parseError && check.kind !== 'lines') {
      problems.push(`${name}: does not parse as Go: ${report.parseError}`);
      continue;
    }
    problems.push(...fileProblems(check, name, report, input.module));
  }
  if (files.length === 0) {
    return {
      verdict: 'failed',
      summary: missing.length > 0 ? `nothing to check: ${missing.join(', ')} ${missing.length === 1 ? 'was' : 'were'} not handed in` : 'none of the files this check looks at were handed in',
      output: `${describe(check)}\n\nNone of the files it looks at were handed in. Expected: ${check.files.join(', ')}`,
    };
  }
  if (problems.length === 0) {
    return { verdict: 'passed', summary: '', output: `${describe(check)}: OK for ${files.map(input.displayName).join(', ')}${notLooked}` };
  }
  return {
    verdict: 'failed',
    summary: problems[0]!.split('\n')[0]!,
    output: `${describe(check)}\n\n${problems.join('\n')}\n\n${fixFor(check)}${notLooked}`,
  };
}

function fileProblems(check: CheckSpec, name: string, r: VetFileReport, module: string): string[] {
  switch (check.kind) {
    case 'gofmt':
      return r.gofmt && !r.gofmt.formatted ? [`${name}: not gofmt-formatted${r.gofmt.diff ? `\n${indent(r.gofmt.diff)}` : ''}`] : [];
    case 'imports': {
      const out: string[] = [];
      for (const imp of r.imports ?? []) {
        const internal = imp.path === module || imp.path.startsWith(`${module}/`);
        if (check.deny?.some((d) => imp.path === d || imp.path.startsWith(`${d}/`))) out.push(`${name}:${imp.line}: imports "${imp.path}", which is not allowed`);
        else if (check.allow && !internal && !check.allow.includes(imp.path)) out.push(`${name}:${imp.line}: imports "${imp.path}", which is not in the allowed list`);
      }
      return out;
    }
    case 'lines': {
      const out: string[] = [];
      if (check.maxLines !== undefined && (r.lines ?? 0) > check.maxLines) out.push(`${name}: ${r.lines} lines, the limit is ${check.maxLines}`);
      if (check.maxBytes !== undefined && (r.bytes ?? 0) > check.maxBytes) out.push(`${name}: ${r.bytes} bytes, the limit is ${check.maxBytes}`);
      return out;
    }
    case 'chanbuf': {
      const max = check.maxBuffer ?? 0;
      return (r.chanMakes ?? []).flatMap((c) => {
        if (!c.constant) return [`${name}:${c.line}: channel buffer size "${c.buffer}" is not a constant; buffers may be at most ${max}`];
        if ((c.value ?? 0) > max) return [`${name}:${c.line}: channel buffer of ${c.value}, at most ${max} is allowed`];
        return [];
      });
    }
  }
}

function describe(c: CheckSpec): string {
  switch (c.kind) {
    case 'gofmt':
      return 'Formatting check (gofmt)';
    case 'imports':
      return c.allow ? `Import check: allowed imports are ${c.allow.join(', ')} (and this project's own packages)` : `Import check: forbidden imports are ${c.deny?.join(', ')}`;
    case 'lines':
      return `Size check: at most ${[c.maxLines !== undefined ? `${c.maxLines} lines` : '', c.maxBytes !== undefined ? `${c.maxBytes} bytes` : ''].filter(Boolean).join(' and ')}`;
    case 'chanbuf':
      return `Channel check: make(chan T, n) with n at most ${c.maxBuffer}`;
  }
}

function fixFor(c: CheckSpec): string {
  switch (c.kind) {
    case 'gofmt':
      return 'Fix: run `gofmt -w <file>` (or `go fmt ./...`) and hand in again.';
    case 'imports':
      return 'Fix: remove the listed imports; the handout lists what may be used.';
    case 'lines':
      return 'Fix: shorten the file to the limit.';
    case 'chanbuf':
      return 'Fix: use unbuffered channels or buffers within the limit.';
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
