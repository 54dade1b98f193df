/**
 * The class summary: per-submission reports → one table (CSV) and per-test statistics (pass rate,
 * duration, flakiness) for the HTML page. Pure: the same reports give the same summary, whichever
 * machine or shard graded them (durations are kept out of the CSV for that reason).
 */
import type { TestResult, Verdict } from '../model.js';
import { runsHeadline } from '../scoring/runs-summary.js';
import type { StoredReport } from './out-dir.js';
import type { Submitter } from './gradescope-export.js';

export interface SummaryRow {
  id: string;
  submitters: Submitter[];
  score: number;
  maxScore: number;
  passed: number;
  failed: number;
  errors: number;
  durationMs: number;
  seed: number;
  /** Test id → score; absent when the test did not run for this submission. */
  scores: Record<string, number>;
  verdicts: Record<string, Verdict>;
  /** Tests that passed only after a retry, or had mixed outcomes over repeats. */
  flaky: string[];
  /** Test id → its run report, relative to the submission's folder (failed scenarios). */
  runReports: Record<string, string>;
}

export interface TestStat {
  id: string;
  name: string;
  maxScore: number;
  runs: number;
  passed: number;
  failed: number;
  errors: number;
  passRate: number;
  meanMs: number;
  maxMs: number;
  slowestSubmission: string;
  /** Submissions in which this test was flaky (mixed outcomes, or passed after a retry). */
  flakyIn: string[];
  /** A test with several runs per grade (manifest `runs`): its runs over every submission, passed of decided. */
  runsPassed?: { passed: number; decided: number };
  /** Per submission in flakyIn that has runs: "passed 7 of 8 runs (failing seed 123)". */
  runsIn?: Record<string, string>;
}

export interface ClassSummary {
  project: string;
  projectTitle: string;
  maxScore: number;
  testIds: string[];
  rows: SummaryRow[];
  tests: TestStat[];
  /** Submissions dsgrade could not grade at all. */
  gradingErrors: { id: string; message: string }[];
}

/** The pooled runs of a test with several runs per grade, and each flaky submission's headline. */
function runsOf(results: readonly { sub: string; t: TestResult }[]): Pick<TestStat, 'runsPassed' | 'runsIn'> {
  const withRuns = results.filter((x) => x.t.runs);
  if (withRuns.length === 0) return {};
  const passed = withRuns.reduce((n, x) => n + x.t.runs!.passed, 0);
  const decided = withRuns.reduce((n, x) => n + x.t.runs!.passed + x.t.runs!.failed, 0);
  return { runsPassed: { passed, decided }, runsIn: Object.fromEntries(withRuns.filter((x) => x.t.flaky).map((x) => [x.sub, runsHeadline(x.t.runs!)])) };
}

export function summarize(reports: readonly StoredReport[], gradingErrors: readonly { id: string; message: string }[] = []): ClassSummary {
  const sorted = [...reports].sort((a, b) => cmp(a.id, b.id));
  const testIds: string[] = [];
  const names = new Map<string, { name: string; maxScore: number }>();
  for (const r of sorted) {
    for (const t of r.report.tests) {
      if (!names.has(t.id)) {
        testIds.push(t.id);
        names.set(t.id, { name: t.name, maxScore: t.maxScore });
      }
    }
  }
  const rows: SummaryRow[] = sorted.map((r) => {
    const scores: Record<string, number> = {};
    const verdicts: Record<string, Verdict> = {};
    for (const t of r.report.tests) {
      scores[t.id] = t.score;
      verdicts[t.id] = t.verdict;
    }
    const count = (v: Verdict) => r.report.tests.filter((t) => t.verdict === v).length;
    return {
      id: r.id,
      submitters: r.submitters,
      score: r.report.score,
      maxScore: r.report.maxScore,
      passed: count('passed'),
      failed: count('failed'),
      errors: count('error'),
      durationMs: r.report.durationMs,
      seed: r.report.seed,
      scores,
      verdicts,
      flaky: r.report.tests.filter((t) => t.flaky).map((t) => t.id),
      runReports: Object.fromEntries(r.report.tests.filter((t) => t.runReport && !t.runReport.startsWith('/')).map((t) => [t.id, t.runReport!])),
    };
  });
  const tests: TestStat[] = testIds.map((id) => {
    const runs = sorted.flatMap((r) => r.report.tests.filter((t) => t.id === id).map((t) => ({ sub: r.id, t })));
    const n = (v: Verdict) => runs.filter((x) => x.t.verdict === v).length;
    const slowest = runs.reduce<(typeof runs)[number] | undefined>((a, x) => (!a || x.t.durationMs > a.t.durationMs ? x : a), undefined);
    const decided = n('passed') + n('failed');
    return {
      id,
      name: names.get(id)!.name,
      maxScore: names.get(id)!.maxScore,
      runs: runs.length,
      passed: n('passed'),
      failed: n('failed'),
      errors: n('error'),
      passRate: decided === 0 ? 0 : n('passed') / decided,
      meanMs: runs.length === 0 ? 0 : Math.round(runs.reduce((a, x) => a + x.t.durationMs, 0) / runs.length),
      maxMs: slowest?.t.durationMs ?? 0,
      slowestSubmission: slowest?.sub ?? '',
      flakyIn: runs.filter((x) => x.t.flaky).map((x) => x.sub),
      ...runsOf(runs),
    };
  });
  const first = sorted[0]?.report;
  return {
    project: first?.project ?? '',
    projectTitle: first?.projectTitle ?? '',
    maxScore: Math.max(0, ...rows.map((r) => r.maxScore)),
    testIds,
    rows,
    tests,
    gradingErrors: [...gradingErrors].sort((a, b) => cmp(a.id, b.id)),
  };
}

/** One row per submission, one column per test id (its score), then totals. */
export function renderCsv(s: ClassSummary): string {
  const header = ['submission', 'names', 'emails', 'sids', 'score', 'max_score', 'passed', 'failed', 'errors', 'status', ...s.testIds];
  const lines = [header.map(csvCell).join(',')];
  const who = (list: Submitter[], k: keyof Submitter) => list.map((x) => x[k] ?? '').filter(Boolean).join('; ');
  for (const r of s.rows) {
    lines.push(
      [
        r.id,
        who(r.submitters, 'name'),
        who(r.submitters, 'email'),
        who(r.submitters, 'sid'),
        num(r.score),
        num(r.maxScore),
        String(r.passed),
        String(r.failed),
        String(r.errors),
        'graded',
        ...s.testIds.map((id) => (id in r.scores ? num(r.scores[id]!) : '')),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  for (const e of s.gradingErrors) {
    lines.push([e.id, '', '', '', '', '', '', '', '', `not graded: ${e.message.split('\n')[0] ?? ''}`, ...s.testIds.map(() => '')].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Quotes when needed; cells a spreadsheet would run as a formula get a leading apostrophe. */
export function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) && !/^-?\d/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
