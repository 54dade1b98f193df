/**
 * The Gradescope reporter: GradeReport → results.json, following ../../../shared/specs/gradescope.md
 * and schemas/gradescope-results.schema.json. Every file is schema-validated before it is written,
 * and written atomically, because a malformed results.json shows students "Autograder failed".
 */
import { HUMAN_REVIEW } from '../gate/gate.js';
import type { GradeReport, TestResult, Verdict, Visibility } from '../model.js';
import { checkAgainstSchema, writeCheckedJson, type SchemaIssue } from './results-file.js';
import { formatPoints } from './format.js';
import { findSharedCauses, sharedCauseLines, sharedCauseSection } from './shared-causes.js';
import { sanitizeText, truncateMiddle } from './truncate.js';

export type GradescopeFormat = 'text' | 'html' | 'simple_format' | 'md' | 'ansi';

/** One entry of `tests[]` in results.json. */
export interface GradescopeTest {
  score?: number;
  max_score?: number;
  status?: 'passed' | 'failed';
  name?: string;
  name_format?: GradescopeFormat;
  number?: string;
  output?: string;
  output_format?: GradescopeFormat;
  tags?: string[];
  visibility?: Visibility;
  extra_data?: Record<string, unknown>;
}

export interface GradescopeLeaderboardEntry {
  name: string;
  value: number | string;
  order?: 'asc' | 'desc';
}

/** The whole results.json. */
export interface GradescopeResults {
  score?: number;
  execution_time?: number;
  output?: string;
  output_format?: GradescopeFormat;
  test_output_format?: GradescopeFormat;
  test_name_format?: GradescopeFormat;
  visibility?: Visibility;
  stdout_visibility?: Visibility;
  extra_data?: Record<string, unknown>;
  tests?: GradescopeTest[];
  leaderboard?: GradescopeLeaderboardEntry[];
}

export interface GradescopeOptions {
  /** UTF-8 byte budget for each test's `output` (summary and rerun line included). */
  testOutputBytes: number;
  /**
   * Optional budget for all outputs together (top-level `output` plus every test's). When the
   * tests would exceed it, the longest outputs are cut further, each to the same fair share.
   */
  totalOutputBytes?: number;
  /** Command that reruns the whole grading locally; shown in the header. */
  rerunAll?: string;
  /** Added to `extra_data` (a host's budget-exhausted, grader-error or signal marker). */
  extra?: Record<string, unknown>;
}

export type { SchemaIssue };

/** The first line of the output of a test whose verdict is `error`. */
export const HARNESS_ERROR_LINE =
  'dsgrade could not decide this test (harness error). This is not your fault: the 0 points are not a judgement of your code, and the details below are kept for course staff.';

const VERDICT_LABEL: Record<Verdict, string> = { passed: 'Passed', failed: 'Failed', error: 'Harness error' };

/** toGradescopeResults maps a GradeReport to results.json, one Gradescope test per TestResult. */
export function toGradescopeResults(report: GradeReport, opts: GradescopeOptions): GradescopeResults {
  const header = truncateMiddle(renderHeader(report, opts), opts.testOutputBytes).text;
  // A test's output names the other tests with its cause only when they are shown as early as it is.
  const causes = findSharedCauses(report.tests);
  const visibility = new Map(report.tests.map((t) => [t.id, t.visibility]));
  const shared = report.tests.map((t) => sharedCauseLines(t, causes, (id) => visibility.get(id)).map((l) => sanitizeText(l).replace(/\n/g, ' ')));
  const budgets = testBudgets(report.tests, shared, header, opts);
  const tests = report.tests.map((test, i) => toGradescopeTest(test, shared[i] ?? [], budgets[i] ?? opts.testOutputBytes));
  return {
    score: report.score,
    execution_time: Math.max(0, Math.round(report.durationMs)) / 1000,
    output: header,
    output_format: 'text',
    test_output_format: 'text',
    test_name_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    extra_data: {
      versions: { ...report.versions },
      seed: report.seed,
      nonce: report.nonce,
      project: report.project,
      submission: report.submission,
      startedAt: report.startedAt,
      ...(report.notGraded ? { graded: false, notGraded: { summary: report.notGraded.summary, findings: report.notGraded.findings.map((f) => ({ ...f })) } } : {}),
    },
    tests,
  };
}

function toGradescopeTest(test: TestResult, shared: readonly string[], budget: number): GradescopeTest {
  const { text, truncated, omittedBytes } = renderTestOutput(test, shared, budget);
  const out: GradescopeTest = {
    name: oneLine(test.name),
    score: test.score,
    max_score: test.maxScore,
    status: test.verdict === 'passed' ? 'passed' : 'failed',
    output: text,
    output_format: 'text',
    tags: [...test.tags],
    visibility: test.visibility,
    extra_data: {
      id: test.id,
      verdict: test.verdict,
      durationMs: test.durationMs,
      attempts: test.attempts.map((a) => ({ verdict: a.verdict, durationMs: a.durationMs, reason: oneLine(a.reason), ...(a.seed !== undefined ? { seed: a.seed } : {}), ...(a.voided ? { voided: a.voided } : {}) })),
      flaky: test.flaky,
      ...(test.runs ? { runs: { ...test.runs, failing: test.runs.failing.map((f) => ({ ...f })) } } : {}),
      ...(test.runReport ? { runReport: test.runReport } : {}),
      ...(truncated ? { omittedOutputBytes: omittedBytes } : {}),
    },
  };
  if (test.number !== undefined) out.number = test.number;
  return out;
}

/**
 * renderTestOutput lays out one test's output — harness-error line, verdict and summary, the
 * attempts when repeated, the captured output, the rerun command — in at most `budget` bytes,
 * cutting only the captured output while the fixed lines fit.
 */
function renderTestOutput(test: TestResult, shared: readonly string[], budget: number): { text: string; truncated: boolean; omittedBytes: number } {
  const head: string[] = [];
  if (test.verdict === 'error') head.push(HARNESS_ERROR_LINE);
  const summary = oneLine(test.summary);
  head.push(summary ? `${VERDICT_LABEL[test.verdict]}: ${summary}` : VERDICT_LABEL[test.verdict]);
  head.push(...shared);
  // A test with several runs says "passed 7 of 8 runs …" at the top of its output (runs-summary.ts).
  if (!test.runs && test.attempts.length > 1) {
    const verdicts = test.attempts.map((a) => a.verdict).join(', ');
    head.push(`${test.flaky ? 'Mixed outcomes' : 'Same outcome'} over ${test.attempts.length} attempts: ${verdicts}`);
  }
  const tail = test.rerun ? [`Rerun locally: ${oneLine(test.rerun)}`] : [];
  const body = sanitizeText(test.output).replace(/\n+$/, '');

  const fixed = [...head, '', ...tail].join('\n');
  const bodyBudget = budget - Buffer.byteLength(fixed, 'utf8') - 2; // two joining newlines
  if (body === '') return truncateMiddle([...head, ...(tail.length ? ['', ...tail] : [])].join('\n'), budget);
  if (bodyBudget > 200) {
    const cut = truncateMiddle(body, bodyBudget);
    const text = [...head, '', cut.text, ...(tail.length ? ['', ...tail] : [])].join('\n');
    return { text, truncated: cut.truncated, omittedBytes: cut.omittedBytes };
  }
  // The fixed lines alone nearly fill the budget (a tiny budget, or a huge summary): cut it all.
  return truncateMiddle([...head, '', body, ...(tail.length ? ['', ...tail] : [])].join('\n'), budget);
}

/**
 * testBudgets returns each test's output budget: `testOutputBytes`, lowered for the longest outputs
 * to one common cap when `totalOutputBytes` would otherwise be exceeded (water-filling, so short
 * outputs are never cut to make room).
 */
function testBudgets(tests: TestResult[], shared: readonly string[][], header: string, opts: GradescopeOptions): number[] {
  const perTest = opts.testOutputBytes;
  if (opts.totalOutputBytes === undefined || tests.length === 0) return tests.map(() => perTest);
  const sizes = tests.map((t, i) => Buffer.byteLength(renderTestOutput(t, shared[i] ?? [], perTest).text, 'utf8'));
  let remaining = opts.totalOutputBytes - Buffer.byteLength(header, 'utf8');
  if (sizes.reduce((a, b) => a + b, 0) <= remaining) return tests.map(() => perTest);
  const order = sizes.map((size, i) => ({ size, i })).sort((a, b) => a.size - b.size);
  let cap = 0;
  for (let k = 0; k < order.length; k++) {
    const share = Math.floor(Math.max(0, remaining) / (order.length - k));
    const entry = order[k]!;
    if (entry.size > share) {
      cap = share;
      break;
    }
    remaining -= entry.size;
  }
  return sizes.map((size) => (size > cap ? cap : perTest));
}

/**
 * renderHeader is the top-level output: score, notices, seed, how to rerun. The header is visible
 * to students at once, so it only speaks of tests whose visibility is `visible`: counting a hidden
 * or after-due-date test (or naming it in a rerun hint) would reveal its outcome early.
 */
function renderHeader(report: GradeReport, opts: GradescopeOptions): string {
  const shown = report.tests.filter((t) => t.visibility === 'visible');
  const later = report.tests.length - shown.length;
  const count = (v: Verdict) => shown.filter((t) => t.verdict === v).length;
  const [passed, failed, errors] = [count('passed'), count('failed'), count('error')];
  const tally = `${passed} passed, ${failed} failed${errors ? `, ${errors} could not be decided` : ''}`;
  const lines = [`dsgrade — ${oneLine(report.projectTitle)} (${oneLine(report.project)})`];
  if (report.notGraded) {
    // Said first and whatever the visibility of the tests: the decision is about the whole submission.
    lines.push(
      `NOT GRADED — ${oneLine(report.notGraded.summary).replace(/^not graded: /, '')}`,
      'This submission was not graded: it uses something the autograder does not allow, so nothing was built or run and every test scores 0. Each test\'s output lists what was found and why it is refused.',
      HUMAN_REVIEW,
      '',
    );
  }
  if (later === 0) {
    lines.push(`Score: ${formatPoints(report.score)}/${formatPoints(report.maxScore)} — ${tally} (${shown.length} tests)`);
  } else {
    const sum = (key: 'score' | 'maxScore') => shown.reduce((n, t) => n + t[key], 0);
    lines.push(
      `Score on the ${shown.length} tests shown now: ${formatPoints(sum('score'))}/${formatPoints(sum('maxScore'))} — ${tally}`,
      `${later} more test${later === 1 ? ' is' : 's are'} shown after the due date or kept hidden by course staff; the total is not shown here.`,
    );
  }
  if (errors) {
    lines.push(
      `${errors} test${errors === 1 ? '' : 's'} could not be decided by dsgrade (harness error). That is not your fault; course staff can see the details.`,
    );
  }
  const causes = sharedCauseSection(findSharedCauses(shown));
  if (causes.length) lines.push('', ...causes.map((l) => sanitizeText(l).replace(/\n/g, ' ')));
  if (report.notices.length) {
    lines.push('', 'Notices:');
    for (const n of report.notices) lines.push(`  [${n.level}] ${sanitizeText(n.message).trim().replace(/\n/g, '\n    ')}`);
  }
  const rerunAll = opts.rerunAll ?? `dsgrade grade <your submission> --project <project folder> --seed ${report.seed}`;
  lines.push('', `Seed: ${report.seed}`, `Rerun everything locally: ${oneLine(rerunAll)}`);
  const rerunOne = shown.find((t) => t.verdict === 'failed' && t.rerun)?.rerun;
  if (rerunOne) lines.push(`Rerun the first failed test: ${oneLine(rerunOne)}`);
  return lines.join('\n');
}

/** oneLine cleans `text` and keeps its first line. */
function oneLine(text: string): string {
  return (sanitizeText(text).split('\n', 1)[0] ?? '').trim();
}

/**
 * validateGradescopeResults checks `obj` against schemas/gradescope-results.schema.json and returns
 * every violation (an empty list when valid).
 */
export function validateGradescopeResults(obj: unknown): SchemaIssue[] {
  return checkAgainstSchema(GRADESCOPE_SCHEMA, obj);
}

const GRADESCOPE_SCHEMA = 'gradescope-results.schema.json';

/**
 * writeGradescopeResults builds results.json for `report`, validates it, and writes it atomically to
 * `path` (creating the folder). Returns what was written. An invalid file is a dsgrade bug: it
 * throws DsgradeError('INTERNAL') listing every violation, and nothing is written.
 */
export async function writeGradescopeResults(path: string, report: GradeReport, opts: GradescopeOptions): Promise<GradescopeResults> {
  const results = toGradescopeResults(report, opts);
  if (opts.extra) results.extra_data = { ...(results.extra_data ?? {}), ...opts.extra };
  await writeCheckedJson(path, results, { schema: GRADESCOPE_SCHEMA, what: 'Gradescope results' });
  return results;
}
