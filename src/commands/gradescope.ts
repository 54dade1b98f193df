/**
 * `dsgrade gradescope`: what run_autograder calls inside Gradescope's container. Exit code 0
 * whenever a results.json was written (Gradescope reads the file, not the exit code).
 */
import { EXIT } from '../cli/exit-codes.js';
import { runGradescope, DEFAULT_BUDGET_SEC } from '../gradescope/run.js';
import { processIO, type CommandIO } from './io.js';

export interface GradescopeCommandOptions {
  root?: string;
  project?: string;
  budgetSec?: number;
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  io?: CommandIO;
}

export async function gradescopeCommand(opts: GradescopeCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const result = await runGradescope({
    root: opts.root ?? '/autograder',
    project: opts.project,
    budgetSec: opts.budgetSec ?? (Number(process.env.DSGRADE_BUDGET_SEC) || DEFAULT_BUDGET_SEC),
    jobs: opts.jobs,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
    log: (line) => io.stdout.write(`dsgrade: ${line}\n`),
  });
  io.stdout.write(`dsgrade: wrote ${result.resultsFile} (${result.outcome}, score ${result.score})\n`);
  return EXIT.OK;
}
