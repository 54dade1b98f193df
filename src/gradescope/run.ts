/**
 * The Gradescope entrypoint: grade /autograder/submission with the packaged project and ALWAYS
 * write /autograder/results/results.json — a full result, a partial one when the time budget runs
 * out (whatever finished is kept), or a "grader error" result when dsgrade itself fails. Gradescope
 * shows "Autograder failed to execute correctly" and gives no feedback when the file is missing,
 * which is the one outcome this module exists to prevent.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDsgradeError } from '../errors.js';
import { loadManifest } from '../manifest/load.js';
import type { GradeReport, TestResult } from '../model.js';
import { gradeSubmission, randomSeed } from '../pipeline/grade.js';
import { makeResult } from '../pipeline/context.js';
import { planItems, type PlannedItem } from '../pipeline/plan.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { toGradescopeResults, validateGradescopeResults } from '../report/gradescope.js';
import { cleanupNow } from '../sandbox/interrupt.js';
import { sumScores } from '../scoring/score.js';
import { versions } from '../version.js';
import { readMetadata } from './metadata.js';

export interface GradescopeRunOptions {
  /** Gradescope's root; `/autograder` in the container, a temp folder in tests. */
  root: string;
  /** Project folder; default `<root>/source/project`. */
  project?: string;
  /** Seconds dsgrade may spend before it writes what it has (default 540: Gradescope's 10 min minus headroom). */
  budgetSec?: number;
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  /** Where progress and staff-only details go (Gradescope keeps run_autograder's output for instructors). */
  log?: (line: string) => void;
}

export interface GradescopeRunResult {
  resultsFile: string;
  outcome: 'graded' | 'budget-exhausted' | 'grader-error';
  score: number;
}

export const DEFAULT_BUDGET_SEC = 540;

const MINIMAL_ERROR_RESULTS = {
  score: 0,
  output: 'The autograder failed because of a problem on our side, not in your code. Course staff can see the details.',
  tests: [{ name: 'Autograder error', score: 0, max_score: 0, status: 'failed', output: 'The autograder could not grade this submission.' }],
};

export async function runGradescope(opts: GradescopeRunOptions): Promise<GradescopeRunResult> {
  const log = opts.log ?? (() => undefined);
  const resultsFile = path.join(opts.root, 'results', 'results.json');
  const started = performance.now();
  const finished: TestResult[] = [];
  // Once the budget is spent, results arriving from processes we killed must not count.
  let closed = false;
  let planned: PlannedItem[] = [];
  const seed = opts.seed ?? randomSeed();
  // Staff may set the nonce in the autograder's environment to check results.json against it. It
  // goes into results.json only: no test process sees it (each attempt gets its own secret on fd 3,
  // and every process's environment is built from scratch).
  const nonce = process.env.DSGRADE_NONCE || randomBytes(16).toString('hex');
  try {
    await closeToOthers(opts.root, log);
    const project = await loadManifest(opts.project ?? path.join(opts.root, 'source', 'project'));
    for (const w of project.warnings) log(`warning: ${w}`);
    const { metadata, warning } = await readMetadata(path.join(opts.root, 'submission_metadata.json'));
    if (warning) log(`warning: ${warning}`);
    if (metadata?.id !== undefined) log(`submission ${String(metadata.id)}${metadata.users?.length ? ` by ${metadata.users.map((u) => u.email ?? u.name).join(', ')}` : ''}`);
    planned = planItems(project.manifest, () => true);
    const budgetMs = (opts.budgetSec ?? DEFAULT_BUDGET_SEC) * 1000;

    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'budget'>((resolve) => {
      timer = setTimeout(() => resolve('budget'), budgetMs);
    });
    const abort = new AbortController();
    const grading = gradeSubmission({
      signal: abort.signal,
      project,
      submission: path.join(opts.root, 'submission'),
      jobs: opts.jobs,
      seed,
      nonce,
      cacheDir: opts.cacheDir,
      rerunBase: 'dsgrade grade <your submission> --project <project folder>',
      progress: {
        finished: (r) => {
          if (closed) return;
          finished.push(r);
          log(`${r.verdict.toUpperCase().padEnd(6)} ${r.id} ${r.score}/${r.maxScore}${r.summary ? ` — ${r.summary}` : ''}`);
        },
      },
    });
    const outcome = await Promise.race([grading, budget]);
    clearTimeout(timer);
    if (outcome !== 'budget') {
      await write(resultsFile, outcome, {});
      log(`graded: ${outcome.score}/${outcome.maxScore} in ${Math.round(outcome.durationMs / 1000)} s`);
      return { resultsFile, outcome: 'graded', score: outcome.score };
    }
    // Out of time: stop everything still running and report what finished.
    closed = true;
    abort.abort();
    grading.catch(() => undefined);
    const cleaned = cleanupNow();
    log(`time budget of ${opts.budgetSec ?? DEFAULT_BUDGET_SEC} s exhausted: stopped ${cleaned.groups} process group(s); writing partial results`);
    const report = partialReport(project.manifest.name, project.manifest.title, finished, planned, opts.budgetSec ?? DEFAULT_BUDGET_SEC, started, seed, nonce);
    await write(resultsFile, report, { budgetExhausted: true });
    return { resultsFile, outcome: 'budget-exhausted', score: report.score };
  } catch (err) {
    const detail = isDsgradeError(err) ? err.describe() : ((err as Error)?.stack ?? String(err));
    log(`grader error: ${detail}`);
    const report = graderErrorReport(finished, planned, started, seed, nonce);
    try {
      await write(resultsFile, report, { graderError: detail });
    } catch (writeErr) {
      // Last resort: a minimal, valid results.json written without any of the machinery above.
      log(`could not write the grader-error results normally: ${String(writeErr)}`);
      await writeFileAtomic(resultsFile, `${JSON.stringify(MINIMAL_ERROR_RESULTS)}\n`);
    }
    return { resultsFile, outcome: 'grader-error', score: 0 };
  }
}

async function write(file: string, report: GradeReport, extra: Record<string, unknown>): Promise<void> {
  const results = toGradescopeResults(report, { testOutputBytes: 65_536, totalOutputBytes: 4 * 1024 * 1024 });
  results.extra_data = { ...(results.extra_data ?? {}), ...extra };
  const issues = validateGradescopeResults(results);
  if (issues.length > 0) throw new Error(`results.json would not match the schema: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`);
  await writeFileAtomic(file, `${JSON.stringify(results, null, 2)}\n`);
}

function partialReport(project: string, title: string, finished: TestResult[], planned: PlannedItem[], budgetSec: number, started: number, seed: number, nonce: string): GradeReport {
  const done = new Set(finished.map((t) => t.id));
  const missing = planned
    .filter((p) => !done.has(p.id))
    .map((p) =>
      makeResult({
        ...p,
        verdict: 'error',
        score: 0,
        durationMs: 0,
        summary: `not graded: the autograder's time budget (${budgetSec} s) ran out before this test finished`,
        output:
          'The autograder stopped before this test could finish, so it was not graded. This often means earlier tests ran into their time limits ' +
          '(look for tests that timed out above); if your code is fast locally, tell course staff.',
      }),
    );
  const message = `The autograder's time budget (${budgetSec} s) ran out: ${missing.length} test(s) were not graded.`;
  return fallbackReport({ project, title, seed, nonce, started, message, tests: [...finished, ...missing] });
}

function graderErrorReport(finished: TestResult[], planned: PlannedItem[], started: number, seed: number, nonce: string): GradeReport {
  const maxScore = planned.reduce((a, p) => a + p.maxScore, 0);
  const tests: TestResult[] = [
    makeResult({
      id: 'grader-error',
      suite: 'grader',
      name: 'Autograder error',
      verdict: 'error',
      score: 0,
      maxScore: 0,
      visibility: 'visible',
      tags: [],
      durationMs: 0,
      summary: 'the autograder itself failed; course staff have the details',
      output:
        'The autograder could not grade this submission because of a problem on our side, not in your code. ' +
        'Course staff can see the details. Please resubmit later or contact the course staff.',
    }),
  ];
  const message = `The autograder failed before finishing (${finished.length} of ${planned.length || '?'} tests had finished; out of ${maxScore} points).`;
  return fallbackReport({ project: 'unknown', title: 'Autograder', seed, nonce, started, message, tests });
}

/** A GradeReport assembled here rather than by the pipeline (which did not finish). */
function fallbackReport(r: { project: string; title: string; seed: number; nonce: string; started: number; message: string; tests: TestResult[] }): GradeReport {
  const { score, maxScore } = sumScores(r.tests);
  return {
    project: r.project,
    projectTitle: r.title,
    submission: 'submission',
    seed: r.seed,
    nonce: r.nonce,
    startedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - r.started),
    versions: versions('unknown'),
    notices: [{ level: 'error', message: r.message }],
    tests: r.tests,
    score,
    maxScore,
  };
}

/**
 * Student code runs as unprivileged sandbox uids (src/sandbox/launcher.ts): Gradescope's folders —
 * the autograder source (dsgrade, the project with its staff tests and reference), the results
 * folder and the original submission — are closed to every user but root before anything runs.
 */
async function closeToOthers(root: string, log: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await fs.mkdir(path.join(root, 'results'), { recursive: true });
  for (const dir of ['source', 'results', 'submission']) {
    try {
      await fs.chmod(path.join(root, dir), 0o700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log(`warning: could not close ${dir} to other users: ${String(err)}`);
    }
  }
}
