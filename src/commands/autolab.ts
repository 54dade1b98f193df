/**
 * `dsgrade autolab <handin>`: what the autograde Makefile runs (docs/autolab.md). Prints the
 * feedback and, last, the score line Autolab parses. Exit code 0 whenever that last line was
 * printed (a score, or the line saying the run was not graded).
 */
import { EXIT } from './exit-codes.js';
import { DEFAULT_AUTOLAB_BUDGET_SEC, runAutolab } from '../autolab/run.js';
import { processIO, type CommandIO } from './io.js';
import type { JailConfig } from '../sandbox/jail-config.js';

export interface AutolabCommandOptions {
  handin: string;
  project: string;
  budgetSec?: number;
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  /** How the local jail confines student code (the CLI passes --sandbox-user's; default: from DSGRADE_SANDBOX*). */
  jail?: JailConfig;
  io?: CommandIO;
}

export async function autolabCommand(opts: AutolabCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  await runAutolab({
    handin: opts.handin,
    project: opts.project,
    budgetSec: opts.budgetSec ?? (Number(process.env.DSGRADE_BUDGET_SEC) || DEFAULT_AUTOLAB_BUDGET_SEC),
    jobs: opts.jobs,
    seed: opts.seed,
    cacheDir: opts.cacheDir,
    ...(opts.jail ? { jail: opts.jail } : {}),
    write: (text) => io.stdout.write(text),
  });
  return EXIT.OK;
}
