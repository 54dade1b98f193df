/**
 * The scenario's checker: a staff program that judges the artifacts once every process of the
 * run has stopped (only when the steps and expectations passed). In uid mode it runs as its own
 * fresh run uid, which may read the artifacts folder (root's, 0700) while it runs and only then.
 * Its output goes to checker.log.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ResourceUsage } from '../core/resource-usage.js';
import type { Backend } from '../sandbox/backend.js';
import type { JailLease } from '../sandbox/jail.js';
import type { ProcessOutcome } from '../sandbox/process.js';
import type { ArtifactPaths } from './artifacts.js';
import { expandTemplate, type TemplateValues } from './templates.js';
import type { CheckerSpec } from './types.js';

export interface CheckerRun {
  checker: CheckerSpec;
  binaries: ReadonlyMap<string, string>;
  paths: ArtifactPaths;
  /** Its HOME and TMPDIR go below it. */
  scratchDir: string;
  values: TemplateValues;
  /** Where it runs; with a jail, as its own fresh run uid that may read the artifacts only while it runs. */
  backend: Backend;
}

/**
 * The exit code with which a checker says the run's outcome is *wrong*, not missing or late — a
 * result printed with the wrong value or format, which no slowness of the machine can produce
 * (docs/scenarios.md#checker-the-escape-hatch). Such a failure counts even when the machine was
 * overloaded; exit 1 (a missing result, a "Disconnected") may be the machine's fault.
 */
export const CHECKER_WRONG_ANSWER = 3;

/** `error`: it could not run (dsgrade's fault); otherwise `ok` says whether it passed the run. */
export interface CheckerOutcome {
  ok: boolean;
  error: boolean;
  /** It exited CHECKER_WRONG_ANSWER: a wrong answer, not one overload can cause. */
  wrongAnswer?: boolean;
  reason: string;
  output: string;
  /** What the checker's process tree used, when measured. */
  usage?: ResourceUsage;
}

export async function runChecker(input: CheckerRun): Promise<CheckerOutcome> {
  const { checker: c, paths } = input;
  const binary = input.binaries.get(c.program);
  if (!binary) return { ok: false, error: true, reason: `program ${c.program} was not built`, output: '' };
  const home = path.join(input.scratchDir, 'checker');
  await fs.mkdir(home, { recursive: true });
  const run = (lease: JailLease | undefined): Promise<ProcessOutcome> =>
    input.backend.runProcess({
      file: binary,
      args: c.args.map((a) => expandTemplate(a, input.values)),
      cwd: paths.dir,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, TMPDIR: home, DSGRADE_ARTIFACTS: paths.dir, DSGRADE_SEED: input.values.seed },
      timeoutMs: c.timeoutSec * 1000,
      outputBudgetBytes: 32 * 1024,
      floodLimitBytes: 8 * 1024 * 1024,
      jail: { ...(lease ? { lease } : {}), role: 'run', writableDirs: [home] },
    });
  const jail = input.backend.jail;
  const outcome = jail
    ? await jail.withLease(async (lease) => {
        if (!lease) return run(undefined);
        await fs.chown(paths.dir, 0, lease.gid);
        await fs.chmod(paths.dir, 0o750);
        try {
          return await run(lease);
        } finally {
          await fs.chmod(paths.dir, 0o700);
          await fs.chown(paths.dir, 0, 0);
        }
      })
    : await run(undefined);
  await fs.writeFile(paths.checkerLog, outcome.output);
  const usage = outcome.usage ? { usage: outcome.usage } : {};
  if (outcome.spawnError) return { ok: false, error: true, reason: `could not start: ${outcome.spawnError}`, output: '' };
  if (outcome.timedOut) return { ok: false, error: false, reason: `took longer than ${c.timeoutSec} s`, output: outcome.output, ...usage };
  if (outcome.exitCode !== 0) {
    const first = outcome.output.trim().split('\n').find(Boolean) ?? '';
    const wrongAnswer = outcome.exitCode === CHECKER_WRONG_ANSWER ? { wrongAnswer: true } : {};
    return { ok: false, error: false, reason: `exited with code ${outcome.exitCode ?? outcome.signal}${first ? `: ${first}` : ''}`, output: outcome.output, ...usage, ...wrongAnswer };
  }
  return { ok: true, error: false, reason: '', output: outcome.output, ...usage };
}
