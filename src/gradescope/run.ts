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
import { cleanupNow, registerInterruptHook } from '../sandbox/interrupt.js';
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
  /** `interrupted` is seen only by callers that keep running after SIGINT/SIGTERM (tests); the CLI exits 130/143 once the file is written. */
  outcome: 'graded' | 'budget-exhausted' | 'grader-error' | 'interrupted';
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
  // Once the budget is spent or a signal came, results arriving from processes we killed must not count.
  let closed = false;
  let planned: PlannedItem[] = [];
  let project: Awaited<ReturnType<typeof loadManifest>> | undefined;
  const seed = opts.seed ?? randomSeed();
  // Staff may set the nonce in the autograder's environment to check results.json against it.
  const nonce = process.env.DSGRADE_NONCE || randomBytes(16).toString('hex');
  const abort = new AbortController();
  // SIGTERM/SIGINT (Gradescope stopping the container, a TA's Ctrl-C): the interrupt handler has
  // already killed every process; write what finished, exactly like the budget path, before the CLI exits.
  let interrupted: { signal: NodeJS.Signals; written: Promise<GradescopeRunResult> } | undefined;
  // The results.json being written when grading ended by itself (full or budget): a signal then waits for it instead.
  let finalWrite: Promise<unknown> | undefined;
  const unhook = registerInterruptHook(async (signal) => {
    if (closed) {
      await finalWrite?.catch(() => undefined);
      return;
    }
    closed = true;
    abort.abort();
    const written = (async (): Promise<GradescopeRunResult> => {
      log(`${signal}: every process was stopped; writing partial results`);
      const report = partialReport(project?.manifest.name ?? 'unknown', project?.manifest.title ?? 'Autograder', finished, planned, { signal }, started, seed, nonce);
      await writeOrLastResort(resultsFile, report, { interrupted: signal }, log);
      return { resultsFile, outcome: 'interrupted', score: report.score };
    })();
    interrupted = { signal, written };
    await written;
  });
  try {
    await closeToOthers(opts.root, log);
    project = await loadManifest(opts.project ?? path.join(opts.root, 'source', 'project'));
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
    if (interrupted) return await interrupted.written;
    if (outcome !== 'budget') {
      closed = true;
      await (finalWrite = write(resultsFile, outcome, {}));
      log(`graded: ${outcome.score}/${outcome.maxScore} in ${Math.round(outcome.durationMs / 1000)} s`);
      return { resultsFile, outcome: 'graded', score: outcome.score };
    }
    // Out of time: stop everything still running and report what finished.
    closed = true;
    abort.abort();
    grading.catch(() => undefined);
    const cleaned = cleanupNow();
    log(`time budget of ${opts.budgetSec ?? DEFAULT_BUDGET_SEC} s exhausted: stopped ${cleaned.groups} process group(s); writing partial results`);
    const report = partialReport(project.manifest.name, project.manifest.title, finished, planned, { budgetSec: opts.budgetSec ?? DEFAULT_BUDGET_SEC }, started, seed, nonce);
    await (finalWrite = write(resultsFile, report, { budgetExhausted: true }));
    return { resultsFile, outcome: 'budget-exhausted', score: report.score };
  } catch (err) {
    // Killed processes and removed work folders make the pipeline fail after an interrupt: that is not a grader error.
    if (interrupted) return await interrupted.written;
    const detail = isDsgradeError(err) ? err.describe() : ((err as Error)?.stack ?? String(err));
    log(`grader error: ${detail}`);
    const report = graderErrorReport(finished, planned, started, seed, nonce);
    await writeOrLastResort(resultsFile, report, { graderError: detail }, log);
    return { resultsFile, outcome: 'grader-error', score: 0 };
  } finally {
    unhook();
  }
}

async function writeOrLastResort(file: string, report: GradeReport, extra: Record<string, unknown>, log: (line: string) => void): Promise<void> {
  try {
    await write(file, report, extra);
  } catch (writeErr) {
    // Last resort: a minimal, valid results.json written without any of the machinery above.
    log(`could not write the results normally: ${String(writeErr)}`);
    await writeFileAtomic(file, `${JSON.stringify(MINIMAL_ERROR_RESULTS)}\n`);
  }
}

async function write(file: string, report: GradeReport, extra: Record<string, unknown>): Promise<void> {
  const results = toGradescopeResults(report, { testOutputBytes: 65_536, totalOutputBytes: 4 * 1024 * 1024 });
  results.extra_data = { ...(results.extra_data ?? {}), ...extra };
  const issues = validateGradescopeResults(results);
  if (issues.length > 0) throw new Error(`results.json would not match the schema: ${issues.map((i) => `${i.pointer} ${i.message}`).join('; ')}`);
  await writeFileAtomic(file, `${JSON.stringify(results, null, 2)}\n`);
}

/** Why grading stopped early: the time budget ran out, or a signal stopped the autograder. */
type StopReason = { budgetSec: number } | { signal: NodeJS.Signals };

function partialReport(project: string, title: string, finished: TestResult[], planned: PlannedItem[], why: StopReason, started: number, seed: number, nonce: string): GradeReport {
  const done = new Set(finished.map((t) => t.id));
  const budget = 'budgetSec' in why;
  const summary = budget
    ? `not graded: the autograder's time budget (${why.budgetSec} s) ran out before this test finished`
    : `not graded: the autograder was stopped (${why.signal}) before this test finished`;
  const output = budget
    ? 'The autograder stopped before this test could finish, so it was not graded. This often means earlier tests ran into their time limits ' +
      '(look for tests that timed out above); if your code is fast locally, tell course staff.'
    : 'The autograder was stopped from outside (by Gradescope or course staff) before this test could finish, so it was not graded. ' +
      'This is not a verdict on your code: resubmit, or ask course staff if it happens again.';
  const missing = planned.filter((p) => !done.has(p.id)).map((p) => makeResult({ ...p, verdict: 'error', score: 0, durationMs: 0, summary, output }));
  const seconds = Math.round((performance.now() - started) / 1000);
  const message = budget
    ? `The autograder's time budget (${why.budgetSec} s) ran out: ${missing.length} test(s) were not graded.`
    : `The autograder was stopped (${why.signal}) after ${seconds} s: ${missing.length} test(s) were not graded.`;
  const tests = [...finished, ...missing];
  if (tests.length === 0) {
    // Stopped before the project was even read: one visible line rather than an empty report.
    tests.push(
      makeResult({ id: 'not-graded', suite: 'grader', name: 'Not graded', verdict: 'error', score: 0, maxScore: 0, visibility: 'visible', tags: [], durationMs: 0, summary, output }),
    );
  }
  return fallbackReport({ project, title, seed, nonce, started, message, tests });
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
