/**
 * The PrairieLearn external-grader entrypoint (docs/prairielearn.md): grade <root>/student with
 * the project in <root>/tests (the question's tests/ folder) and ALWAYS write
 * <root>/results/results.json — graded, partial when the time budget runs out, or
 * `gradable: false` when dsgrade could not grade, so an infrastructure failure never costs the
 * student an attempt. <root> is /grade in the grader container, a temp folder in tests.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { closeToOthers, gradeWithinBudget, type RunOutcome } from '../pipeline/budgeted-run.js';
import { randomSeed } from '../pipeline/grade.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { prairieLearnNotGradable, toPrairieLearnResults, writePrairieLearnResults } from '../report/prairielearn-results.js';
import { resultsLimits } from '../report/results-writer.js';
import type { JailConfig } from '../sandbox/jail-config.js';

export interface PrairieLearnRunOptions {
  /** PrairieLearn's mount point: /grade. */
  root: string;
  /** Project folder; default <root>/tests. */
  project?: string;
  budgetSec?: number;
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  /** How the local jail confines student code (the CLI passes --sandbox-user's; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  /** Progress and staff details (the grader's stdout, which PrairieLearn keeps for staff). */
  log?: (line: string) => void;
}

export interface PrairieLearnRunResult {
  resultsFile: string;
  outcome: RunOutcome;
  gradable: boolean;
  score: number;
}

/** Below PrairieLearn's usual external-grading timeout when the question sets 600 s. */
export const DEFAULT_PL_BUDGET_SEC = 540;
/** What a student types to grade their own copy: the message's rerun line is this and the seed. */
const RERUN_BASE = 'dsgrade grade <your files> --project <project folder>';

const MINIMAL_NOT_GRADABLE = {
  gradable: false,
  message: 'The autograder failed because of a problem on our side, not in your code: this submission was not graded and does not count as an attempt.',
};

export async function runPrairieLearn(opts: PrairieLearnRunOptions): Promise<PrairieLearnRunResult> {
  const log = opts.log ?? (() => undefined);
  const resultsFile = path.join(opts.root, 'results', 'results.json');
  const nonce = process.env.DSGRADE_NONCE || randomBytes(16).toString('hex');
  const submission = path.join(opts.root, 'student');
  let result: PrairieLearnRunResult | undefined;
  await gradeWithinBudget({
    project: opts.project ?? path.join(opts.root, 'tests'),
    submission,
    budgetSec: opts.budgetSec ?? DEFAULT_PL_BUDGET_SEC,
    jobs: opts.jobs,
    seed: opts.seed ?? randomSeed(),
    nonce,
    cacheDir: opts.cacheDir,
    ...(opts.jail ? { jail: opts.jail } : {}),
    rerunBase: RERUN_BASE,
    log,
    before: async () => {
      // The question's tests (staff tests, reference) and serverFilesCourse stay closed to student code.
      await closeToOthers(opts.root, ['tests', 'serverFilesCourse', 'results', 'student', 'data'], log);
      return { submission: await submittedArchive(submission) };
    },
    // Written once: graded, out of time, a grader error or stopped by a signal (then gradable: false).
    deliver: async (run) => {
      const limits = resultsLimits(run.project?.manifest, RERUN_BASE, run.report.seed);
      const results = run.outcome === 'grader-error' ? prairieLearnNotGradable(run.graderError ?? 'unknown error') : toPrairieLearnResults(run.report, limits);
      try {
        await writePrairieLearnResults(resultsFile, results);
        result = { resultsFile, outcome: run.outcome, gradable: results.gradable, score: results.score ?? 0 };
      } catch (err) {
        log(`could not write results.json normally: ${String(err)}`);
        await writeFileAtomic(resultsFile, `${JSON.stringify(MINIMAL_NOT_GRADABLE)}\n`);
        result = { resultsFile, outcome: 'grader-error', gradable: false, score: 0 };
      }
    },
  });
  return result!;
}

/**
 * A file-upload question may take one archive (handin.zip) instead of the files themselves:
 * then the archive is the submission. Otherwise the folder is.
 */
async function submittedArchive(folder: string): Promise<string> {
  const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile());
  if (files.length === 1 && entries.length === 1 && /\.zip$/i.test(files[0]!.name)) return path.join(folder, files[0]!.name);
  return folder;
}
