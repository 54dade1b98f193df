/**
 * The PrairieLearn reporter: GradeReport → /grade/results/results.json of an external grader
 * (docs/prairielearn.md, schemas/prairielearn-results.schema.json). Test texts come from the
 * Gradescope rendering (toGradescopeResults: harness-error line, summary, shared causes, rerun
 * line, truncation), so every host says the same thing; this module maps fields and keeps the file
 * under PrairieLearn's 1 MB limit. `gradable` is false whenever dsgrade could not decide the grade
 * — the run failed, or a test's verdict is `error` — because an infrastructure failure must not
 * cost the student an attempt.
 */
import type { GradeReport } from '../model.js';
import { toGradescopeResults } from './gradescope-results.js';
import { checkAgainstSchema, writeCheckedJson, type SchemaIssue } from './results-file.js';
import { sanitizeText, truncateMiddle } from './truncate.js';

export interface PrairieLearnTest {
  name: string;
  description?: string;
  points: number;
  max_points: number;
  message?: string;
  output?: string;
}

export interface PrairieLearnResults {
  gradable: boolean;
  score?: number;
  message?: string;
  output?: string;
  tests?: PrairieLearnTest[];
}

/** PrairieLearn refuses a larger results.json; dsgrade stays under it (decimal megabyte, the stricter reading). */
export const PRAIRIELEARN_MAX_BYTES = 1_000_000;
const SCHEMA = 'prairielearn-results.schema.json';

export interface PrairieLearnOptions {
  /** UTF-8 byte budget for each test's output (default 64 KiB). */
  testOutputBytes?: number;
  /** Command that reruns the whole grading locally; shown in the message. */
  rerunAll?: string;
  /** Largest file written (default PRAIRIELEARN_MAX_BYTES). */
  maxBytes?: number;
}

const HIDDEN_NAME = 'Hidden test';
const HIDDEN_OUTPUT = 'Course staff keep the details of this test hidden.';

/**
 * toPrairieLearnResults maps a report to results.json, within `maxBytes` once serialized: outputs
 * share a total budget that shrinks until the file fits. Tests that are not `visible` count in the
 * score but show no name or output (PrairieLearn has no per-test visibility).
 */
export function toPrairieLearnResults(report: GradeReport, opts: PrairieLearnOptions = {}): PrairieLearnResults {
  const maxBytes = opts.maxBytes ?? PRAIRIELEARN_MAX_BYTES;
  const perTest = opts.testOutputBytes ?? 65_536;
  // Leave room for names, numbers and JSON escaping (up to 6 bytes per control character; 2 for most).
  let total = Math.floor(maxBytes * 0.45);
  for (;;) {
    const results = build(report, { testOutputBytes: Math.min(perTest, total), totalOutputBytes: total, ...(opts.rerunAll ? { rerunAll: opts.rerunAll } : {}) });
    if (byteSize(results) <= maxBytes || total < 1024) return fit(results, maxBytes);
    total = Math.floor(total / 2);
  }
}

function build(report: GradeReport, gs: { testOutputBytes: number; totalOutputBytes: number; rerunAll?: string }): PrairieLearnResults {
  const rendered = toGradescopeResults(report, gs);
  const tests = report.tests.map((t, i): PrairieLearnTest => {
    const r = rendered.tests?.[i];
    if (t.visibility !== 'visible') return { name: t.number ? `${HIDDEN_NAME} ${t.number}` : HIDDEN_NAME, points: t.score, max_points: t.maxScore, message: '', output: HIDDEN_OUTPUT };
    return {
      name: `${t.number ? `${t.number} ` : ''}${r?.name || t.id}`,
      points: t.score,
      max_points: t.maxScore,
      message: oneLine(t.summary) || (t.verdict === 'passed' ? 'passed' : t.verdict),
      output: r?.output ?? '',
    };
  });
  const undecided = report.tests.filter((t) => t.verdict === 'error').length;
  const score = report.maxScore > 0 ? Math.min(1, Math.max(0, report.score / report.maxScore)) : 0;
  const header = rendered.output ?? '';
  if (undecided > 0) {
    return {
      gradable: false,
      score,
      message:
        `dsgrade could not decide ${undecided} test${undecided === 1 ? '' : 's'} (harness error), so this submission is marked not gradable: ` +
        'it does not count as an attempt and your score is not changed. This is not your fault; course staff can see the details.',
      output: header,
      tests,
    };
  }
  return { gradable: true, score, message: header, tests };
}

/** Last resort when even tiny outputs do not fit (thousands of tests): drop the outputs, then the tests. */
function fit(results: PrairieLearnResults, maxBytes: number): PrairieLearnResults {
  if (byteSize(results) <= maxBytes) return results;
  const bare = { ...results, ...(results.tests ? { tests: results.tests.map(({ output: _o, ...t }) => t) } : {}) };
  if (byteSize(bare) <= maxBytes) return bare;
  const { tests: _t, ...none } = bare;
  return { ...none, message: truncateMiddle(`${none.message ?? ''}\n(The per-test results did not fit in PrairieLearn's 1 MB limit.)`, 64 * 1024).text, output: truncateMiddle(none.output ?? '', 64 * 1024).text };
}

/**
 * prairieLearnNotGradable is the results.json of a run dsgrade could not finish (the grader itself
 * failed): not gradable, a message for the student, the detail for staff in `output`.
 */
export function prairieLearnNotGradable(detail: string): PrairieLearnResults {
  return {
    gradable: false,
    score: 0,
    message:
      'The autograder failed because of a problem on our side, not in your code: this submission was not graded and does not count as an attempt. ' +
      'Course staff can see the details; please try again later.',
    output: truncateMiddle(detail, 64 * 1024).text,
  };
}

export function validatePrairieLearnResults(obj: unknown): SchemaIssue[] {
  const issues = checkAgainstSchema(SCHEMA, obj);
  const bytes = byteSize(obj);
  if (bytes > PRAIRIELEARN_MAX_BYTES) issues.push({ pointer: '/', message: `${bytes} bytes, over the host's limit of ${PRAIRIELEARN_MAX_BYTES}` });
  return issues;
}

/** Writes results.json (schema and size checked, atomically); returns what was written. */
export async function writePrairieLearnResults(path: string, results: PrairieLearnResults): Promise<PrairieLearnResults> {
  await writeCheckedJson(path, results, { schema: SCHEMA, what: 'PrairieLearn results', serialize, maxBytes: PRAIRIELEARN_MAX_BYTES });
  return results;
}

function serialize(obj: unknown): string {
  return `${JSON.stringify(obj)}\n`;
}

function byteSize(obj: unknown): number {
  return Buffer.byteLength(serialize(obj), 'utf8');
}

function oneLine(text: string): string {
  return (sanitizeText(text).split('\n', 1)[0] ?? '').trim();
}
