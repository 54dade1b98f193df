/**
 * The static gate's decision, from dsgrade-vet's per-file verdicts (harness/vet/gate.go): the
 * handin is graded, not graded (it uses something the policy denies: nothing is built or run, every
 * test scores 0, a human can review it), or not testable (a handed-in Go file could not be checked:
 * the build and static checks still run, since neither runs student code, but no test does).
 * Pure: reports in, decision and the student's messages out. docs/security.md, "The static gate".
 */
import type { NotGraded } from '../model.js';
import type { VetFileReport } from '../checks/vet-client.js';

/** One use of something denied, named the way the student knows the file. */
export interface GateFinding {
  file: string;
  /** 1-based; 0 for the file as a whole (a refused file kind). */
  line: number;
  rule: string;
  what: string;
  why: string;
}

export type GateDecision =
  | { kind: 'passed' }
  | { kind: 'refused'; notGraded: NotGraded; findings: GateFinding[]; omitted: number; summary: string; output: string }
  | { kind: 'unchecked'; files: { file: string; reason: string }[]; summary: string; output: string };

/** The same, short enough for a terminal line. */
export const HUMAN_REVIEW_SHORT = 'A human can review this: ask course staff if you believe the autograder is wrong.';

/** The line every not-graded message ends with: the decision is a machine's, a person can overrule it. */
export const HUMAN_REVIEW =
  'A human can review this: if your code is honest and needs what is listed, or you believe the autograder is wrong, ask course staff to review this submission.';

/**
 * Decides from the vet reports of the handed-in files (keyed by tree path). A file without a gate
 * verdict counts as unchecked: the gate never passes what it did not see.
 */
export function decideGate(treePaths: readonly string[], reports: ReadonlyMap<string, VetFileReport>, displayName: (treePath: string) => string): GateDecision {
  const findings: GateFinding[] = [];
  const unchecked: { file: string; reason: string }[] = [];
  let omitted = 0;
  for (const treePath of treePaths) {
    const file = displayName(treePath);
    const report = reports.get(treePath);
    const gate = report?.gate;
    if (!gate) {
      unchecked.push({ file, reason: `${file}: dsgrade's static gate gave no verdict on this file` });
      continue;
    }
    for (const f of gate.findings ?? []) findings.push({ file, line: f.line ?? 0, rule: f.rule, what: f.what, why: f.why ?? '' });
    omitted += gate.omitted ?? 0;
    if (!gate.checked) unchecked.push({ file, reason: uncheckedReason(treePath, file, report) });
  }
  if (findings.length > 0) return refused(findings, omitted, unchecked);
  if (unchecked.length > 0) return notTestable(unchecked);
  return { kind: 'passed' };
}

function uncheckedReason(treePath: string, file: string, report: VetFileReport | undefined): string {
  // dsgrade-vet names files by tree path; the student knows the display name.
  const rename = (text: string): string => (text.startsWith(treePath) ? `${file}${text.slice(treePath.length)}` : text);
  if (report?.parseError) return rename(report.parseError);
  if (report?.error) return rename(report.error);
  return `${file}: could not be checked`;
}

function where(f: GateFinding): string {
  return f.line > 0 ? `${f.file}:${f.line}` : f.file;
}

function refused(findings: GateFinding[], omitted: number, unchecked: { file: string; reason: string }[]): GateDecision {
  const first = findings[0]!;
  const summary = `not graded: ${where(first)}: ${first.what} is not allowed (rule "${first.rule}")`;
  const lines = findings.map((f) => `  ${where(f)}: ${f.what} (rule "${f.rule}")`);
  if (omitted > 0) lines.push(`  … and ${omitted} more`);
  const reasons = new Map<string, string>();
  for (const f of findings) if (f.why && !reasons.has(f.rule)) reasons.set(f.rule, f.why);
  const why = [...reasons].map(([rule, text]) => `  "${rule}": ${text}`);
  const output = [
    'Not graded. Your handed-in code uses something the autograder does not allow, so nothing was built or run and every test scores 0.',
    '',
    ...lines,
    '',
    'Why these are refused:',
    ...why,
    ...(unchecked.length ? ['', 'These files could not be checked either:', ...unchecked.map((u) => `  ${u.reason}`)] : []),
    '',
    'What to do: remove what is listed and hand in again.',
    HUMAN_REVIEW,
  ].join('\n');
  return {
    kind: 'refused',
    findings,
    omitted,
    summary,
    output,
    notGraded: { summary, findings: findings.map(({ file, line, rule, what }) => ({ file, line, rule, what })) },
  };
}

function notTestable(unchecked: { file: string; reason: string }[]): GateDecision {
  const summary = `not tested: ${unchecked[0]!.reason}`;
  const output = [
    'This test was not run. The autograder checks every handed-in Go file before it runs any of your code, and could not check:',
    '',
    ...unchecked.map((u) => `  ${u.reason}`),
    '',
    'Fix: make the file valid Go (the Build test shows the compiler\'s errors). Files your build constraints exclude are checked too, so they must parse as well.',
  ].join('\n');
  return { kind: 'unchecked', files: unchecked, summary, output };
}
