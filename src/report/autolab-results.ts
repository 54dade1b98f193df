/**
 * The Autolab reporter (docs/autolab.md, schemas/autolab-result.schema.json). Autolab shows the
 * autograder's whole output to the student as feedback and reads its LAST line as JSON:
 * `{"scores": {"<problem>": points, …}, "scoreboard": [values]}` with one score per problem the
 * lab declares. dsgrade's problems are its suites (by id) and, when the manifest has checks,
 * "checks"; `dsgrade package autolab` prints them with their maximum so the lab declares the same.
 * Feedback texts come from the Gradescope rendering so every host says the same thing.
 */
import type { Manifest } from '../manifest/types.js';
import type { GradeReport } from '../model.js';
import { planItems } from '../pipeline/planned-items.js';
import { formatPoints } from './format.js';
import { toGradescopeResults } from './gradescope-results.js';
import { checkAgainstSchema, schemaError, writeCheckedJson, type SchemaIssue } from './results-file.js';
import { truncateMiddle } from './truncate.js';

export interface AutolabProblem {
  /** The problem's name in the lab (a suite id, or "checks"). */
  name: string;
  maxScore: number;
  /** Suite ids of the report whose scores add up to this problem ("check" for the checks). */
  suites: string[];
}

export interface AutolabResult {
  scores: Record<string, number>;
  scoreboard?: (number | string)[];
}

const SCHEMA = 'autolab-result.schema.json';
/** Feedback budget: Autolab keeps about 1000 KiB of output; the score line must never be cut. */
export const AUTOLAB_FEEDBACK_BYTES = 512 * 1024;
const AUTOLAB_TEST_BYTES = 32 * 1024;

/**
 * The last line when dsgrade could not grade: deliberately not JSON, so Autolab records no score
 * from this run (it reports that the autoresult could not be read) instead of a zero that would
 * count against the student; staff regrade once the cause is fixed.
 */
export const AUTOLAB_GRADER_ERROR_LINE =
  'dsgrade: autograder error — this submission was NOT graded (a problem on our side, not in your code); no score is recorded from this run and course staff can regrade it.';

/** autolabProblems lists the problems a lab must declare for this manifest, in manifest order. */
export function autolabProblems(m: Manifest): AutolabProblem[] {
  const items = planItems(m, () => true);
  const problems: AutolabProblem[] = [];
  const checks = items.filter((i) => i.suite === 'check');
  if (checks.length) problems.push({ name: 'checks', maxScore: round(checks.reduce((n, i) => n + i.maxScore, 0)), suites: ['check'] });
  for (const s of m.suites) {
    problems.push({ name: s.id, maxScore: round(items.filter((i) => i.suite === s.id).reduce((n, i) => n + i.maxScore, 0)), suites: [s.id] });
  }
  return problems;
}

/** toAutolabResult adds up the report's scores per problem; the scoreboard shows the total. */
export function toAutolabResult(report: GradeReport, problems: readonly AutolabProblem[]): AutolabResult {
  const scores: Record<string, number> = {};
  for (const p of problems) scores[p.name] = round(report.tests.filter((t) => p.suites.includes(t.suite)).reduce((n, t) => n + t.score, 0));
  return { scores, scoreboard: [round(report.score)] };
}

export function validateAutolabResult(obj: unknown): SchemaIssue[] {
  return checkAgainstSchema(SCHEMA, obj);
}

/** autolabScoreLine is the result as the one line Autolab parses (schema-checked; throws when invalid). */
export function autolabScoreLine(result: AutolabResult): string {
  const issues = validateAutolabResult(result);
  if (issues.length) throw schemaError('(stdout)', 'Autolab score line', issues);
  return JSON.stringify(result);
}

/** Writes the score line to a file (for `grade --out-autolab <file>`), schema-checked and atomic. */
export async function writeAutolabResult(path: string, result: AutolabResult): Promise<void> {
  await writeCheckedJson(path, result, { schema: SCHEMA, what: 'Autolab score line', serialize: (o) => `${JSON.stringify(o)}\n` });
}

/**
 * renderAutolabFeedback is what the student reads above the score line: the header (score,
 * notices, seed, rerun), then each visible test with its verdict and output. Tests that are not
 * visible are counted in the scores but not shown. At most `maxBytes`.
 */
export function renderAutolabFeedback(report: GradeReport, opts: { rerunAll?: string; testOutputBytes?: number; maxBytes?: number } = {}): string {
  const maxBytes = opts.maxBytes ?? AUTOLAB_FEEDBACK_BYTES;
  // Each test at most the project's limit, and never more than 32 KiB: the whole feedback is one log.
  const rendered = toGradescopeResults(report, { testOutputBytes: Math.min(opts.testOutputBytes ?? AUTOLAB_TEST_BYTES, AUTOLAB_TEST_BYTES), totalOutputBytes: Math.floor(maxBytes * 0.9), ...(opts.rerunAll ? { rerunAll: opts.rerunAll } : {}) });
  const lines = [rendered.output ?? '', ''];
  report.tests.forEach((t, i) => {
    if (t.visibility !== 'visible') return;
    const r = rendered.tests?.[i];
    const mark = t.verdict === 'passed' ? 'PASS' : t.verdict === 'failed' ? 'FAIL' : 'ERROR';
    const line = `[${mark}] ${t.number ? `${t.number} ` : ''}${r?.name ?? t.name} (${formatPoints(t.score)}/${formatPoints(t.maxScore)})`;
    if (t.verdict === 'passed') lines.push(line);
    else lines.push('', line, ...(r?.output ?? '').split('\n').map((l) => `    ${l}`), '');
  });
  // The score line follows on its own line: the feedback must end without a dangling partial line.
  return truncateMiddle(lines.join('\n'), maxBytes).text.replace(/\n*$/, '\n');
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
