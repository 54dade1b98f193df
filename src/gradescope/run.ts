/**
 * The Gradescope entrypoint: grade /autograder/submission with the packaged project and ALWAYS
 * write /autograder/results/results.json — a full result, a partial one when the time budget runs
 * out (whatever finished is kept), or a "grader error" result when dsgrade itself fails. Gradescope
 * shows "Autograder failed to execute correctly" and gives no feedback when the file is missing,
 * which is the one outcome this module exists to prevent.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { closeToOthers, gradeWithinBudget, graderErrorReport, type BudgetedRun, type RunOutcome } from '../pipeline/budgeted-run.js';
import { randomSeed } from '../pipeline/grade.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { resultsLimits, writeResults, type ResultsLimits } from '../report/results-writer.js';
import { readMetadata } from './metadata.js';
import type { JailConfig } from '../sandbox/jail-config.js';

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
  /** How the local jail confines student code (the CLI passes --sandbox-user's; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  /** Where progress and staff-only details go (Gradescope keeps run_autograder's output for instructors). */
  log?: (line: string) => void;
}

export interface GradescopeRunResult {
  resultsFile: string;
  /** `interrupted` is seen only by callers that keep running after SIGINT/SIGTERM (tests); the CLI exits 130/143 once the file is written. */
  outcome: RunOutcome;
  score: number;
}

export const DEFAULT_BUDGET_SEC = 540;
/** What a student types to grade their own copy: the header's rerun line is this and the seed. */
const RERUN_BASE = 'dsgrade grade <your submission> --project <project folder>';
/** results.json stays a few MB however much the tests print. */
const TOTAL_OUTPUT_BYTES = 4 * 1024 * 1024;

const MINIMAL_ERROR_RESULTS = {
  score: 0,
  output: 'The autograder failed because of a problem on our side, not in your code. Course staff can see the details.',
  tests: [{ name: 'Autograder error', score: 0, max_score: 0, status: 'failed', output: 'The autograder could not grade this submission.' }],
};

export async function runGradescope(opts: GradescopeRunOptions): Promise<GradescopeRunResult> {
  const log = opts.log ?? (() => undefined);
  const resultsFile = path.join(opts.root, 'results', 'results.json');
  // Staff may set the nonce in the autograder's environment to check results.json against it. It
  // goes into results.json only: no test process sees it (each attempt gets its own secret on fd 3,
  // and every process's environment is built from scratch).
  const nonce = process.env.DSGRADE_NONCE || randomBytes(16).toString('hex');
  // Written once, by whichever ends the run: grading itself, the time budget, or a SIGTERM/SIGINT.
  let result: GradescopeRunResult | undefined;
  await gradeWithinBudget({
    project: opts.project ?? path.join(opts.root, 'source', 'project'),
    submission: path.join(opts.root, 'submission'),
    budgetSec: opts.budgetSec ?? DEFAULT_BUDGET_SEC,
    jobs: opts.jobs,
    seed: opts.seed ?? randomSeed(),
    nonce,
    cacheDir: opts.cacheDir,
    ...(opts.jail ? { jail: opts.jail } : {}),
    rerunBase: RERUN_BASE,
    log,
    before: async () => {
      // Student code runs as unprivileged sandbox uids (src/sandbox/jail.ts): the autograder source
      // (dsgrade, the project with its staff tests and reference), the results folder and the
      // original submission are closed to every user but root before anything runs.
      await closeToOthers(opts.root, ['source', 'results', 'submission'], log);
      const { metadata, warning } = await readMetadata(path.join(opts.root, 'submission_metadata.json'));
      if (warning) log(`warning: ${warning}`);
      if (metadata?.id !== undefined) log(`submission ${String(metadata.id)}${metadata.users?.length ? ` by ${metadata.users.map((u) => u.email ?? u.name).join(', ')}` : ''}`);
    },
    deliver: async (run) => {
      result = await deliverGradescope(resultsFile, run, nonce, log);
    },
  });
  return result!;
}

/**
 * Writes results.json for a run's outcome, with the project's output limit and the rerun line;
 * falls back to a grader-error results.json, then to a minimal one. Exported for its tests.
 */
export async function deliverGradescope(resultsFile: string, run: BudgetedRun, nonce: string, log: (line: string) => void): Promise<GradescopeRunResult> {
  const limits: ResultsLimits = { ...resultsLimits(run.project?.manifest, RERUN_BASE, run.report.seed), totalOutputBytes: TOTAL_OUTPUT_BYTES };
  const extra =
    run.outcome === 'budget-exhausted'
      ? { budgetExhausted: true }
      : run.outcome === 'grader-error'
        ? { graderError: run.graderError }
        : run.outcome === 'interrupted'
          ? { interrupted: run.signal }
          : {};
  try {
    await writeResults('gradescope', resultsFile, run.report, limits, { gradescopeExtra: extra });
    return { resultsFile, outcome: run.outcome, score: run.outcome === 'grader-error' ? 0 : run.report.score };
  } catch (err) {
    if (run.outcome !== 'grader-error') log(`could not write the results: ${String(err)}`);
  }
  try {
    const report = graderErrorReport([], [], performance.now(), run.report.seed, nonce);
    await writeResults('gradescope', resultsFile, report, limits, { gradescopeExtra: { graderError: run.graderError ?? 'results.json could not be written' } });
  } catch (writeErr) {
    // Last resort: a minimal, valid results.json written without any of the machinery above.
    log(`could not write the grader-error results normally: ${String(writeErr)}`);
    await writeFileAtomic(resultsFile, `${JSON.stringify(MINIMAL_ERROR_RESULTS)}\n`);
  }
  return { resultsFile, outcome: 'grader-error', score: 0 };
}
