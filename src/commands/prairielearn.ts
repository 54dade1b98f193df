/**
 * `dsgrade prairielearn`: what the external grader image runs (docs/prairielearn.md). Exit code 0
 * whenever results.json was written (PrairieLearn reads the file, not the exit code).
 */
import { EXIT } from './exit-codes.js';
import { DEFAULT_PL_BUDGET_SEC, runPrairieLearn } from '../prairielearn/run.js';
import { processIO, type CommandIO } from './io.js';
import type { JailConfig } from '../sandbox/jail-config.js';

export interface PrairieLearnCommandOptions {
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

export async function prairielearnCommand(opts: PrairieLearnCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const result = await runPrairieLearn({
    root: opts.root ?? '/grade',
    ...(opts.project ? { project: opts.project } : {}),
    budgetSec: opts.budgetSec ?? (Number(process.env.DSGRADE_BUDGET_SEC) || DEFAULT_PL_BUDGET_SEC),
    jobs: opts.jobs,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
    ...(opts.jail ? { jail: opts.jail } : {}),
    log: (line) => io.stdout.write(`dsgrade: ${line}\n`),
  });
  io.stdout.write(`dsgrade: wrote ${result.resultsFile} (${result.outcome}, gradable ${result.gradable}, score ${result.score})\n`);
  return EXIT.OK;
}
