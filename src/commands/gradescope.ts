/**
 * `dsgrade gradescope`: what run_autograder calls inside Gradescope's container. Exit code 0
 * whenever it graded (fully, partially, or with a grader-error result); after SIGTERM/SIGINT the
 * interrupt handler exits 143/130 once the partial results.json is written (src/gradescope/run.ts).
 * Gradescope reads the file, not the exit code.
 */
import { EXIT } from './exit-codes.js';
import { runGradescope, DEFAULT_BUDGET_SEC } from '../gradescope/run.js';
import { MAX_TIMER_SEC } from '../util/limits.js';
import { processIO, type CommandIO } from './io.js';
import type { JailConfig } from '../sandbox/jail-config.js';

export interface GradescopeCommandOptions {
  root?: string;
  project?: string;
  budgetSec?: number;
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  /** How the local jail confines student code (the CLI passes --sandbox-user's; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  io?: CommandIO;
}

export async function gradescopeCommand(opts: GradescopeCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const result = await runGradescope({
    root: opts.root ?? '/autograder',
    project: opts.project,
    budgetSec: opts.budgetSec ?? budgetFromEnv(process.env.DSGRADE_BUDGET_SEC, io),
    jobs: opts.jobs,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
    ...(opts.jail ? { jail: opts.jail } : {}),
    log: (line) => io.stdout.write(`dsgrade: ${line}\n`),
  });
  io.stdout.write(`dsgrade: wrote ${result.resultsFile} (${result.outcome}, score ${result.score})\n`);
  return EXIT.OK;
}

/** $DSGRADE_BUDGET_SEC, or the default when it is unset or unusable (this command must still grade and write results.json). */
function budgetFromEnv(value: string | undefined, io: CommandIO): number {
  if (value === undefined || value === '') return DEFAULT_BUDGET_SEC;
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1 && n <= MAX_TIMER_SEC) return n;
  io.stdout.write(`dsgrade: warning: DSGRADE_BUDGET_SEC=${value} is not a whole number of seconds from 1 to ${MAX_TIMER_SEC}; using ${DEFAULT_BUDGET_SEC}\n`);
  return DEFAULT_BUDGET_SEC;
}
