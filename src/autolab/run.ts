/**
 * The Autolab entrypoint (docs/autolab.md): grade the student's handin file and print, on stdout,
 * the feedback the student reads followed by ONE last line Autolab parses:
 * `{"scores": {...}, "scoreboard": [...]}` — or, when dsgrade itself could not grade, a last line
 * that says so and is not JSON, so that no score is recorded from a broken run. Everything printed
 * is shown to the student, so nothing here names hidden tests.
 */
import { randomBytes } from 'node:crypto';
import { isDsgradeError } from '../errors.js';
import { loadManifest } from '../manifest/load.js';
import { gradeWithinBudget, type RunOutcome } from '../pipeline/budgeted-run.js';
import { randomSeed } from '../pipeline/grade.js';
import { AUTOLAB_GRADER_ERROR_LINE, autolabProblems, autolabScoreLine, renderAutolabFeedback, toAutolabResult, type AutolabProblem } from '../report/autolab-results.js';
import { truncateMiddle } from '../report/truncate.js';
import { HandinRefused, prepareHandin } from './handin.js';
import type { JailConfig } from '../sandbox/jail-config.js';
import { resultsLimits } from '../report/results-writer.js';

/** What a student types to grade their own copy: the feedback's rerun line is this and the seed. */
const RERUN_BASE = 'dsgrade grade <your handin> --project <project folder>';

export interface AutolabRunOptions {
  /** The handin file Autolab copied into the working folder (or a folder, locally). */
  handin: string;
  project: string;
  budgetSec?: number;
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  /** How the local jail confines student code (the CLI passes --sandbox-user's; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  /** Where the feedback and the score line go (Autolab reads the job's output). */
  write: (text: string) => void;
}

export interface AutolabRunResult {
  outcome: RunOutcome | 'refused';
  /** The last line printed. */
  lastLine: string;
}

/** Autolab's default job timeout is short; labs grading Go suites raise it (docs/autolab.md). */
export const DEFAULT_AUTOLAB_BUDGET_SEC = 540;

export async function runAutolab(opts: AutolabRunOptions): Promise<AutolabRunResult> {
  const out = (line: string): void => opts.write(`${line}\n`);
  let problems: AutolabProblem[];
  try {
    problems = autolabProblems((await loadManifest(opts.project)).manifest);
  } catch (err) {
    return graderError(out, err);
  }
  let prepared;
  try {
    prepared = await prepareHandin(opts.handin);
  } catch (err) {
    if (!(err instanceof HandinRefused)) return graderError(out, err);
    // The student's archive is refused: a real grade of zero, with the reason and the fix.
    out(`dsgrade: your handin was not graded: ${err.message}`);
    if (err.fix) out(`  fix: ${err.fix}`);
    const lastLine = autolabScoreLine({ scores: Object.fromEntries(problems.map((p) => [p.name, 0])), scoreboard: [0] });
    out(lastLine);
    return { outcome: 'refused', lastLine };
  }
  try {
    let result: AutolabRunResult | undefined;
    await gradeWithinBudget({
      project: opts.project,
      submission: prepared.submission,
      budgetSec: opts.budgetSec ?? DEFAULT_AUTOLAB_BUDGET_SEC,
      jobs: opts.jobs,
      seed: opts.seed ?? randomSeed(),
      nonce: process.env.DSGRADE_NONCE || randomBytes(16).toString('hex'),
      cacheDir: opts.cacheDir,
      ...(opts.jail ? { jail: opts.jail } : {}),
      rerunBase: RERUN_BASE,
      // Progress lines would name hidden tests: the student sees all output.
      log: () => undefined,
      // Printed once: also when a signal stops the run (the partial grade, each unfinished test saying why).
      deliver: async (run) => {
        if (run.outcome === 'grader-error') {
          result = graderError(out, run.graderError);
          return;
        }
        opts.write(renderAutolabFeedback(run.report, resultsLimits(run.project?.manifest, RERUN_BASE, run.report.seed)));
        const lastLine = autolabScoreLine(toAutolabResult(run.report, problems));
        out(lastLine);
        result = { outcome: run.outcome, lastLine };
      },
    });
    return result!;
  } catch (err) {
    return graderError(out, err);
  } finally {
    await prepared.cleanup();
  }
}

function graderError(out: (line: string) => void, err: unknown): AutolabRunResult {
  const detail = typeof err === 'string' ? err : isDsgradeError(err) ? err.describe() : ((err as Error)?.stack ?? String(err));
  out('The autograder failed because of a problem on our side, not in your code. Details for course staff:');
  out(truncateMiddle(detail, 16 * 1024).text);
  out(AUTOLAB_GRADER_ERROR_LINE);
  return { outcome: 'grader-error', lastLine: AUTOLAB_GRADER_ERROR_LINE };
}
