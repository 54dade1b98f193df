/**
 * One submission graded for a grading host (Gradescope, PrairieLearn, Autolab): the host needs a
 * result every time. This never throws for a grading failure; it returns a full report, a partial
 * one when the time budget runs out (whatever finished is kept, the rest marked not graded), or a
 * "grader error" report when dsgrade itself fails — with the detail for staff. Each host's entry
 * point turns the outcome into its own file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDsgradeError } from '../errors.js';
import { loadManifest, type LoadedManifest } from '../manifest/load.js';
import type { GradeReport, TestResult } from '../model.js';
import { cleanupNow, registerInterruptHook } from '../sandbox/interrupt.js';
import { sumScores } from '../scoring/score.js';
import { versions } from '../version.js';
import { makeResult } from './context.js';
import { gradeSubmission, randomSeed } from './grade.js';
import { planItems, type PlannedItem } from './planned-items.js';
import type { JailConfig } from '../sandbox/jail-config.js';

export type RunOutcome = 'graded' | 'budget-exhausted' | 'grader-error' | 'interrupted';

export interface BudgetedRunOptions {
  project: string;
  submission: string;
  budgetSec: number;
  jobs?: number;
  seed?: number;
  nonce: string;
  cacheDir?: string;
  /** How the local jail confines student code (the CLI passes --sandbox-user's; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  rerunBase: string;
  log: (line: string) => void;
  /**
   * Host set-up that must succeed before anything else (closing folders, reading metadata,
   * unpacking an archive); its failure is a grader error. It may name the submission to grade instead.
   */
  before?: () => Promise<void | { submission?: string }>;
  /**
   * Hands the outcome to the host (writes its results file); called exactly once, also when a
   * SIGTERM/SIGINT stops the run (then from the interrupt handler, after every process was
   * killed and before dsgrade exits). A signal that arrives while it runs waits for it.
   */
  deliver(run: BudgetedRun): Promise<void>;
}

export interface BudgetedRun {
  outcome: RunOutcome;
  report: GradeReport;
  /** The loaded project, when loading got that far. */
  project?: LoadedManifest;
  /** What went wrong, for staff (grader-error only). */
  graderError?: string;
  /** The signal that stopped the run (interrupted only). */
  signal?: NodeJS.Signals;
}

export async function gradeWithinBudget(opts: BudgetedRunOptions): Promise<BudgetedRun> {
  const { log } = opts;
  const started = performance.now();
  const finished: TestResult[] = [];
  // Once the budget is spent or a signal came, results arriving from processes we killed must not count.
  let closed = false;
  let planned: PlannedItem[] = [];
  const seed = opts.seed ?? randomSeed();
  const nonce = opts.nonce;
  let project: LoadedManifest | undefined;
  const abort = new AbortController();
  // The one delivery of this run: whoever gets here first (the run ending, or a signal) delivers.
  let delivery: Promise<BudgetedRun> | undefined;
  const deliverOnce = (run: () => BudgetedRun): Promise<BudgetedRun> => {
    delivery ??= (async () => {
      const r = run();
      await opts.deliver(r);
      return r;
    })();
    return delivery;
  };
  // SIGTERM/SIGINT (the host stopping the container, a TA's Ctrl-C): the interrupt handler has
  // already killed every process; deliver what finished, exactly like the budget path, before the CLI exits.
  const unhook = registerInterruptHook(async (signal) => {
    closed = true;
    abort.abort();
    await deliverOnce(() => {
      log(`${signal}: every process was stopped; writing partial results`);
      const report = partialReport(project?.manifest.name ?? 'unknown', project?.manifest.title ?? 'Autograder', finished, planned, { signal }, started, seed, nonce);
      return { outcome: 'interrupted', report, signal, ...(project ? { project } : {}) };
    }).catch(() => undefined);
  });
  try {
    const prepared = await opts.before?.();
    const submission = (prepared && prepared.submission) || opts.submission;
    project = await loadManifest(opts.project);
    for (const w of project.warnings) log(`warning: ${w}`);
    planned = planItems(project.manifest, () => true);
    const budgetMs = opts.budgetSec * 1000;
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'budget'>((resolve) => {
      timer = setTimeout(() => resolve('budget'), budgetMs);
    });
    const grading = gradeSubmission({
      signal: abort.signal,
      project,
      submission,
      jobs: opts.jobs,
      seed,
      nonce,
      cacheDir: opts.cacheDir,
      ...(opts.jail ? { jail: opts.jail } : {}),
      rerunBase: opts.rerunBase,
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
    if (closed) return await delivery!;
    closed = true;
    if (outcome !== 'budget') {
      log(`graded: ${outcome.score}/${outcome.maxScore} in ${Math.round(outcome.durationMs / 1000)} s`);
      return await deliverOnce(() => ({ outcome: 'graded', report: outcome, project }));
    }
    // Out of time: stop everything still running and report what finished.
    abort.abort();
    grading.catch(() => undefined);
    const cleaned = cleanupNow();
    log(`time budget of ${opts.budgetSec} s exhausted: stopped ${cleaned.groups} process group(s); writing partial results`);
    const report = partialReport(project.manifest.name, project.manifest.title, finished, planned, { budgetSec: opts.budgetSec }, started, seed, nonce);
    return await deliverOnce(() => ({ outcome: 'budget-exhausted', report, project }));
  } catch (err) {
    // Killed processes and removed work folders make the pipeline fail after an interrupt: that is not a grader error.
    if (delivery) return await delivery;
    closed = true;
    const detail = isDsgradeError(err) ? err.describe() : ((err as Error)?.stack ?? String(err));
    log(`grader error: ${detail}`);
    return await deliverOnce(() => ({ outcome: 'grader-error', report: graderErrorReport(finished, planned, started, seed, nonce), graderError: detail, ...(project ? { project } : {}) }));
  } finally {
    unhook();
  }
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
    : 'The autograder was stopped from outside (by the grading host or course staff) before this test could finish, so it was not graded. ' +
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

/** The report of a run dsgrade could not finish: one visible "Autograder error" test. */
export function graderErrorReport(finished: TestResult[], planned: PlannedItem[], started: number, seed: number, nonce: string): GradeReport {
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
 * closeToOthers makes the host's folders (`dirs`, relative to `root`) readable by root only, when
 * dsgrade runs as root: student code runs as unprivileged sandbox uids (src/sandbox/jail.ts)
 * and must not read the staff tests, the reference or the results. `results` is created first.
 */
export async function closeToOthers(root: string, dirs: readonly string[], log: (line: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) return;
  await fs.mkdir(path.join(root, 'results'), { recursive: true });
  for (const dir of dirs) {
    try {
      await fs.chmod(path.join(root, dir), 0o700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log(`warning: could not close ${dir} to other users: ${String(err)}`);
    }
  }
}
